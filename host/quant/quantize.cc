#include "host/quant/quantize.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>

#include "host/error.h"
#include "host/ir/tflite_writer.h"
#include "host/quant/calibrate.h"
#include "host/quant/float_graph.h"
#include "host/quant/ops.h"

namespace mote::quant {

using host::HostError;
using ir::Graph;

namespace {

// Op versions TensorFlow Lite's converter writes for int8 and for 16x8 graphs.
int32_t op_version(int32_t code, bool int16, bool per_channel_or_bias) {
  switch (code) {
    case op::kConv2D: return int16 ? 4 : 3;
    case op::kDepthwiseConv2D: return int16 ? 5 : 3;
    case op::kFullyConnected: return int16 ? 7 : 4;
    case op::kTransposeConv: return int16 ? 3 : (per_channel_or_bias ? 3 : 2);
    case op::kReshape: return 1;
    case op::kQuantize: return int16 ? 4 : 2;
    case op::kDequantize: return int16 ? 4 : 2;
    case op::kPad:
    case op::kStridedSlice: return int16 ? 4 : 2;
    default: return int16 ? 3 : 2;
  }
}

bool shares_input_params(int32_t code) {
  return code == op::kReshape || code == op::kMaxPool2D || code == op::kAveragePool2D || code == op::kStridedSlice ||
         code == op::kPad || code == op::kRelu6;
}

class Converter {
 public:
  Converter(const Graph& g, const std::vector<TensorStats>& stats, const QuantizeOptions& o, QuantizeReport* r)
      : f_(g), q_(g), stats_(stats), o_(o), report_(r), done_(g.tensors.size(), false) {
    for (const std::string& name : o.int16_layers) {
      bool found = false;
      for (const ir::Op& op : g.ops)
        for (int32_t t : op.outputs) found = found || g.tensors[t].name == name;
      if (!found) throw HostError(o.name + ": --int16-layer '" + name + "' is not the output tensor of any op");
    }
  }

  Graph run() {
    const int32_t in = q_.inputs[0];
    set_precision(o_.int16_activations);
    set_activation(in, calibrated(in), "calibrated");
    std::vector<ir::Op> ops;
    ops_ = &ops;
    for (size_t i = 0; i < q_.ops.size(); ++i) {
      ir::Op o = q_.ops[i];
      set_precision(o_.int16_activations || runs_in_int16(o));
      convert_op(o, &ops);
      o.version = op_version(o.code, int16_, true);
      ops.push_back(std::move(o));
    }
    q_.ops = std::move(ops);
    report_->ops_quantized = static_cast<int>(q_.ops.size()) - report_->requantize_ops_added;
    if (o_.io == IoType::kFloat) float_io();
    return std::move(q_);
  }

 private:
  void set_precision(bool int16) {
    int16_ = int16;
    act_type_ = int16 ? TensorType::kInt16 : TensorType::kInt8;
  }

  bool runs_in_int16(const ir::Op& o) const {
    for (int32_t t : o.outputs)
      for (const std::string& name : o_.int16_layers)
        if (q_.tensors[t].name == name) return true;
    return false;
  }

  // Activation t (int8 or int16) in the current precision: t itself, or its copy written by a
  // requantizing QUANTIZE (made once per tensor and type), with parameters from t's calibration.
  int32_t in_precision(int32_t t) {
    if (q_.tensors[t].type == act_type_) return t;
    const auto key = std::make_pair(t, static_cast<int>(act_type_));
    auto it = converted_.find(key);
    if (it != converted_.end()) return it->second;
    ir::Tensor c = q_.tensors[t];
    c.name += int16_ ? "/int16" : "/int8";
    const int32_t ct = q_.add_tensor(std::move(c));
    set_activation(ct, stats_for(t).seen() ? calibrated_from(stats_for(t)) : params_for_range({-1.0, 1.0}, int16_),
                   std::string("requantized to ") + (int16_ ? "int16" : "int8"));
    ops_->push_back(edge_op(op::kQuantize, t, ct));
    ++report_->requantize_ops_added;
    converted_[key] = ct;
    return ct;
  }

  const TensorStats& stats_for(int32_t t) const {
    static const TensorStats kNone;
    return static_cast<size_t>(t) < stats_.size() ? stats_[t] : kNone;
  }

  QuantParams calibrated_from(const TensorStats& s) const {
    return params_for_range(choose_range(s, o_.method, o_.percentile, int16_), int16_);
  }

  QuantParams calibrated(int32_t t) const {
    return params_for_range(choose_range(stats_[t], o_.method, o_.percentile, int16_), int16_);
  }

  void set_activation(int32_t t, QuantParams p, const std::string& rule) {
    ir::Tensor& x = q_.tensors[t];
    x.type = act_type_;
    x.quant = ir::Quantization::per_tensor(p.scale, p.zero_point);
    const bool seen = static_cast<size_t>(t) < stats_.size() && stats_[t].seen();
    const Range r = seen ? choose_range(stats_[t], o_.method, o_.percentile, int16_) : Range{};
    TensorRange tr{t, x.name, seen ? stats_[t].min() : 0.0, seen ? stats_[t].max() : 0.0, r.lo, r.hi, p.scale,
                   p.zero_point, rule};
    auto it = range_index_.find(t);
    if (it == range_index_.end()) {
      range_index_[t] = report_->ranges.size();
      report_->ranges.push_back(tr);
    } else {
      report_->ranges[it->second] = tr;
    }
    if (static_cast<size_t>(t) < done_.size()) done_[t] = true;
  }

  QuantParams params_of(int32_t t) const {
    const ir::Tensor& x = q_.tensors[t];
    return {x.quant.scales.at(0), static_cast<int32_t>(x.quant.zero_points.at(0))};
  }

  std::string op_label(size_t index, const ir::Op& o) const {
    return o_.name + ": op " + std::to_string(index) + " (" + o.name() + ")";
  }

  // A float copy of constant t under a new name (when one constant must be quantized two ways).
  int32_t clone(int32_t t, const std::string& suffix) {
    ir::Tensor c = f_.tensors[t];
    c.name += suffix;
    return q_.add_tensor(std::move(c));
  }

  // Constant float t quantized like an activation with p (or its own range when p is null).
  int32_t quantize_constant(int32_t t, const QuantParams* p) {
    if (q_.tensors[t].type != TensorType::kFloat32) return t;
    if (static_cast<size_t>(t) < done_.size() && done_[t]) {
      if (p == nullptr || (params_of(t).scale == p->scale && params_of(t).zero_point == p->zero_point)) return t;
      t = clone(t, "/requantized");
    }
    ir::Tensor& x = q_.tensors[t];
    const std::vector<float> v = x.values<float>();
    QuantParams own;
    if (p == nullptr) {
      TensorStats s;
      s.add_minmax(v.data(), v.size());
      own = params_for_range(choose_range(s, Calibration::kMinMax, 100.0, int16_), int16_);
      p = &own;
    }
    const int32_t qmin = int16_ ? -32768 : -128, qmax = int16_ ? 32767 : 127;
    std::vector<int8_t> q8;
    std::vector<int16_t> q16;
    for (float f : v) {
      const int32_t qv = quantize_value(f, *p, qmin, qmax);
      if (int16_) q16.push_back(static_cast<int16_t>(qv)); else q8.push_back(static_cast<int8_t>(qv));
    }
    if (int16_) x.set_values(q16); else x.set_values(q8);
    x.type = act_type_;
    x.quant = ir::Quantization::per_tensor(p->scale, p->zero_point);
    if (static_cast<size_t>(t) < done_.size()) done_[t] = true;
    return t;
  }

  // An op input that must be an int activation (or a constant, quantized over its own range).
  int32_t activation_input(size_t index, const ir::Op& o, int32_t t) {
    const ir::Tensor& x = q_.tensors[t];
    if (x.is_constant()) return quantize_constant(t, nullptr);
    if (x.type == TensorType::kFloat32)
      throw HostError(op_label(index, o) + ": input tensor " + std::to_string(t) + " (" + x.name +
                      ") has no calibrated range (it is written after it is read)");
    return x.type == TensorType::kInt8 || x.type == TensorType::kInt16 ? in_precision(t) : t;
  }

  void convert_op(ir::Op& o, std::vector<ir::Op>* ops) {
    const size_t index = ops->size() - report_->requantize_ops_added;
    switch (o.code) {
      case op::kConv2D:
      case op::kDepthwiseConv2D:
      case op::kFullyConnected:
        weighted(index, o, 0, 1, 2, o.code == op::kDepthwiseConv2D ? 3 : 0);
        break;
      case op::kTransposeConv: weighted(index, o, 2, 1, 3, 0); break;
      case op::kSoftmax:
      case op::kLogistic:
      case op::kTanh: {
        o.inputs[0] = activation_input(index, o, o.inputs[0]);
        const bool tanh = o.code == op::kTanh;
        const QuantParams p = int16_ ? QuantParams{1.0f / 32768, 0}
                                     : (tanh ? QuantParams{1.0f / 128, 0} : QuantParams{1.0f / 256, -128});
        set_activation(o.outputs[0], p, std::string("fixed (") + o.name() + ")");
        break;
      }
      case op::kConcatenation: concatenation(index, o, ops); break;
      default:
        if (shares_input_params(o.code)) {
          o.inputs[0] = activation_input(index, o, o.inputs[0]);
          const QuantParams p = params_of(o.inputs[0]);
          if (o.code == op::kPad && o.inputs.size() > 2 && o.inputs[2] >= 0) o.inputs[2] = quantize_constant(o.inputs[2], &p);
          set_activation(o.outputs[0], p, "shared with input");
          break;
        }
        for (int32_t& t : o.inputs)
          if (t >= 0 && is_activation_type(q_.tensors[t].type)) t = activation_input(index, o, t);
        if ((o.code == op::kAdd || o.code == op::kSub) && int16_) o.options.set_bool(ir::add_opt::kPotScaleInt16, false);
        for (int32_t t : o.outputs) set_activation(t, calibrated(t), "calibrated");
    }
  }

  // CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV.
  void weighted(size_t index, ir::Op& o, int in_slot, int w_slot, int b_slot, int32_t dim) {
    if (static_cast<int>(o.inputs.size()) <= w_slot || o.inputs[w_slot] < 0 || !q_.tensors[o.inputs[w_slot]].is_constant())
      throw HostError(op_label(index, o) + ": the weights are not a constant tensor");
    o.inputs[in_slot] = activation_input(index, o, o.inputs[in_slot]);
    const float in_scale = params_of(o.inputs[in_slot]).scale;
    const int32_t w = o.inputs[w_slot];
    if (q_.tensors[w].type == TensorType::kFloat32) quantize_weights(w, dim);
    if (static_cast<int>(o.inputs.size()) > b_slot && o.inputs[b_slot] >= 0)
      o.inputs[b_slot] = quantize_bias(o.inputs[b_slot], in_scale, q_.tensors[w].quant.scales);
    if (o.code == op::kFullyConnected) o.options.erase(ir::fully_connected_opt::kAsymmetricQuantizeInputs);
    set_activation(o.outputs[0], calibrated(o.outputs[0]), "calibrated");
  }

  void quantize_weights(int32_t t, int32_t dim) {
    ir::Tensor& x = q_.tensors[t];
    const std::vector<float> v = x.values<float>();
    const int64_t channels = o_.per_channel ? x.shape.at(dim) : 1;
    int64_t inner = 1;
    for (size_t d = static_cast<size_t>(dim) + 1; d < x.shape.size(); ++d) inner *= x.shape[d];
    std::vector<double> maxabs(static_cast<size_t>(channels), 0.0);
    auto channel = [&](size_t i) { return channels == 1 ? 0 : static_cast<size_t>((i / inner) % channels); };
    double all = 0.0;
    for (size_t i = 0; i < v.size(); ++i) {
      maxabs[channel(i)] = std::max(maxabs[channel(i)], std::fabs(static_cast<double>(v[i])));
      all = std::max(all, std::fabs(static_cast<double>(v[i])));
    }
    std::vector<float> scales(maxabs.size());
    for (size_t c = 0; c < scales.size(); ++c)
      scales[c] = static_cast<float>((maxabs[c] > 0 ? maxabs[c] : (all > 0 ? all : 1.0)) / 127.0);
    std::vector<int8_t> q(v.size());
    for (size_t i = 0; i < v.size(); ++i)
      q[i] = static_cast<int8_t>(quantize_value(v[i], {scales[channel(i)], 0}, -127, 127));
    x.set_values(q);
    x.type = TensorType::kInt8;
    x.quant = channels == 1 ? ir::Quantization::per_tensor(scales[0], 0) : ir::Quantization::per_channel(scales, dim);
    done_[t] = true;
  }

  int32_t quantize_bias(int32_t t, float in_scale, const std::vector<float>& w_scales) {
    std::vector<float> scales(w_scales.size());
    for (size_t c = 0; c < scales.size(); ++c) scales[c] = in_scale * w_scales[c];
    if (static_cast<size_t>(t) < done_.size() && done_[t]) {
      if (q_.tensors[t].quant.scales == scales) return t;
      t = clone(t, "/requantized");
    }
    ir::Tensor& x = q_.tensors[t];
    if (x.type != TensorType::kFloat32) return t;
    const std::vector<float> v = x.values<float>();
    std::vector<int64_t> q(v.size());
    const double lim = int16_ ? 9.2e18 : 2147483647.0;
    for (size_t i = 0; i < v.size(); ++i) {
      const double s = scales.size() == 1 ? scales[0] : scales.at(i);
      q[i] = static_cast<int64_t>(std::clamp(std::round(v[i] / s), -lim, lim));
    }
    if (int16_) {
      x.set_values(q);
      x.type = TensorType::kInt64;
    } else {
      x.set_values(std::vector<int32_t>(q.begin(), q.end()));
      x.type = TensorType::kInt32;
    }
    x.quant = scales.size() == 1 ? ir::Quantization::per_tensor(scales[0], 0)
                                 : ir::Quantization::per_channel(scales, 0);
    if (static_cast<size_t>(t) < done_.size()) done_[t] = true;
    return t;
  }

  // Inputs share the output's parameters: an input that only this op reads and that an op with
  // its own calibrated range writes takes them over; a constant is quantized with them; any other
  // input goes through a requantizing QUANTIZE.
  void concatenation(size_t index, ir::Op& o, std::vector<ir::Op>* ops) {
    const int32_t out = o.outputs[0];
    const QuantParams p = calibrated(out);
    set_activation(out, p, "calibrated (CONCATENATION inputs share it)");
    for (int32_t& t : o.inputs) {
      if (q_.tensors[t].is_constant()) {
        t = quantize_constant(t, &p);
        continue;
      }
      t = activation_input(index, o, t);
      const QuantParams a = params_of(t);
      if (a.scale == p.scale && a.zero_point == p.zero_point) continue;
      const int prod = producer_in(*ops, t);
      const std::vector<int> readers = q_.consumers(t);
      if (prod >= 0 && readers.size() == 1 && !q_.is_graph_output(t) && !shares_input_params((*ops)[prod].code) &&
          !is_fixed((*ops)[prod].code) && (*ops)[prod].code != op::kConcatenation) {
        set_activation(t, p, "shared with CONCATENATION output");
        continue;
      }
      ir::Tensor r = q_.tensors[t];
      r.name += "/requantized";
      r.quant = ir::Quantization::per_tensor(p.scale, p.zero_point);
      const int32_t rt = q_.add_tensor(std::move(r));
      ops->push_back(edge_op(op::kQuantize, t, rt));
      ++report_->requantize_ops_added;
      t = rt;
    }
  }

  // A QUANTIZE or DEQUANTIZE from tensor `in` to `out`.
  ir::Op edge_op(int32_t code, int32_t in, int32_t out) const {
    ir::Op e;
    e.code = code;
    e.options = ir::BuiltinOptions::for_op(code);
    e.inputs = {in};
    e.outputs = {out};
    e.version = op_version(code, int16_, false);
    return e;
  }

  // Float before conversion, int8/int16 after (int32 index tensors are left alone).
  static bool is_activation_type(TensorType t) {
    return t == TensorType::kFloat32 || t == TensorType::kInt8 || t == TensorType::kInt16;
  }

  static bool is_fixed(int32_t code) { return code == op::kSoftmax || code == op::kLogistic || code == op::kTanh; }

  static int producer_in(const std::vector<ir::Op>& ops, int32_t t) {
    for (size_t i = 0; i < ops.size(); ++i)
      for (int32_t x : ops[i].outputs)
        if (x == t) return static_cast<int>(i);
    return -1;
  }

  // QUANTIZE after the float input, DEQUANTIZE before each float output.
  void float_io() {
    const int32_t in = q_.inputs[0];
    ir::Tensor qi = q_.tensors[in];
    qi.name += "/quantized";
    const int32_t qin = q_.add_tensor(std::move(qi));
    q_.tensors[in].type = TensorType::kFloat32;
    q_.tensors[in].quant = ir::Quantization();
    q_.replace_uses(in, qin);
    q_.inputs[0] = in;
    q_.insert_op(0, edge_op(op::kQuantize, in, qin));
    for (int32_t& out : q_.outputs) {
      if (out == qin) continue;  // the input passed straight through
      ir::Tensor f = q_.tensors[out];
      f.name += "/dequantized";
      f.type = TensorType::kFloat32;
      f.quant = ir::Quantization();
      const int32_t fo = q_.add_tensor(std::move(f));
      q_.add_op(edge_op(op::kDequantize, out, fo));
      for (ir::SignatureDef& s : q_.signatures)
        for (ir::TensorMap& m : s.outputs)
          if (m.tensor == out) m.tensor = fo;
      out = fo;
    }
  }

  const Graph& f_;  // the float graph (constants before quantization)
  Graph q_;
  const std::vector<TensorStats>& stats_;
  const QuantizeOptions& o_;
  QuantizeReport* report_;
  bool int16_ = false;                  // the precision of the op being converted
  std::vector<bool> done_;
  TensorType act_type_ = TensorType::kInt8;
  std::vector<ir::Op>* ops_ = nullptr;   // the converted ops so far (run())
  std::map<std::pair<int32_t, int>, int32_t> converted_;
  std::map<int32_t, size_t> range_index_;
};

// Prepares the quantized graph in mote's runtime: every op's checks run on it.
void check_runs(const Graph& q, const std::string& name) {
  MemoryModel m(ir::write_tflite(q), name + ": the quantized model");
}

}  // namespace

const char* calibration_name(Calibration c) {
  switch (c) {
    case Calibration::kMinMax: return "minmax";
    case Calibration::kPercentile: return "percentile";
    case Calibration::kMse: return "mse";
  }
  return "?";
}

bool quantizer_handles(int32_t code) {
  switch (code) {
    case op::kAdd: case op::kAveragePool2D: case op::kConcatenation: case op::kConv2D: case op::kDepthwiseConv2D:
    case op::kFullyConnected: case op::kLogistic: case op::kMaxPool2D: case op::kMul: case op::kRelu:
    case op::kRelu6: case op::kReshape: case op::kSoftmax: case op::kTanh: case op::kPad: case op::kMean:
    case op::kSub: case op::kStridedSlice: case op::kTransposeConv: case op::kLeakyRelu:
      return true;
    default:
      return false;
  }
}

void check_quantizable(const Graph& g, const std::string& name) {
  check_float_graph(g, name);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const bool constant_dequantize = g.ops[i].code == op::kDequantize && g.ops[i].inputs.size() == 1 &&
                                     g.tensors[g.ops[i].inputs[0]].is_constant();  // folded before quantizing
    if (!quantizer_handles(g.ops[i].code) && !constant_dequantize)
      throw HostError(name + ": op " + std::to_string(i) + " (" + g.ops[i].name() + ") is not handled by the quantizer");
  }
}

Graph quantize(const Graph& float_graph, const std::vector<std::vector<float>>& samples, const QuantizeOptions& options,
               QuantizeReport* report) {
  QuantizeReport local;
  QuantizeReport& r = report ? *report : local;
  r = QuantizeReport();
  check_quantizable(float_graph, options.name);
  Graph g = float_graph;
  prepare_float_graph(g, options.name, &r.notes);
  const bool hist = options.method != Calibration::kMinMax;
  const std::vector<TensorStats> stats = calibrate(g, samples, hist, options.progress, options.name);
  r.method = calibration_name(options.method);
  if (options.method == Calibration::kPercentile) {
    char p[32];
    std::snprintf(p, sizeof(p), " %g", options.percentile);
    r.method += p;
  }
  r.samples = samples.size();
  r.calibration_runs = samples.size() * (hist ? 2 : 1);
  Graph q = Converter(g, stats, options, &r).run();
  q.validate();
  check_runs(q, options.name);
  return q;
}

}  // namespace mote::quant
