#include "host/quant/float_graph.h"

#include <cmath>

#include "host/error.h"
#include "host/quant/ops.h"

namespace mote::quant {

using host::HostError;
using ir::Graph;

namespace {

bool is_quantized_type(TensorType t) {
  return t == TensorType::kInt8 || t == TensorType::kUInt8 || t == TensorType::kInt16;
}

std::string tensor_label(const Graph& g, int32_t t) {
  return "tensor " + std::to_string(t) + " (" + g.tensors[t].name + ")";
}

// Element index -> channel index along `dim`.
int64_t channel_of(const std::vector<int32_t>& shape, int32_t dim, int64_t i) {
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(dim) + 1; d < shape.size(); ++d) inner *= shape[d];
  return (i / inner) % shape[dim];
}

template <typename T>
std::vector<float> dequantized(const ir::Tensor& t) {
  const std::vector<T> q = t.values<T>();
  std::vector<float> out(q.size());
  const bool per_channel = t.quant.scales.size() > 1;
  for (size_t i = 0; i < q.size(); ++i) {
    const size_t c = per_channel ? static_cast<size_t>(channel_of(t.shape, t.quant.quantized_dimension, i)) : 0;
    const double zp = t.quant.zero_points.size() > c ? static_cast<double>(t.quant.zero_points[c]) : 0.0;
    out[i] = static_cast<float>(static_cast<double>(t.quant.scales[c]) * (q[i] - zp));
  }
  return out;
}

// The constant input `idx` of op `o` as float values, when it holds 1 or `channels` values.
bool per_channel_constant(const Graph& g, int32_t t, int64_t channels, std::vector<float>* v) {
  if (t < 0 || !g.tensors[t].is_constant() || g.tensors[t].type != TensorType::kFloat32) return false;
  *v = g.tensors[t].values<float>();
  if (static_cast<int64_t>(v->size()) == 1) v->assign(static_cast<size_t>(channels), (*v)[0]);
  return static_cast<int64_t>(v->size()) == channels;
}

// The single op reading `t`, or -1 (several readers, a graph output, none).
int only_reader(const Graph& g, int32_t t) {
  if (g.is_graph_output(t)) return -1;
  const std::vector<int> c = g.consumers(t);
  return c.size() == 1 ? c[0] : -1;
}

// Output channels and their dimension in the weights of a CONV_2D / DEPTHWISE / FC.
int32_t channel_dim(int32_t code) { return code == op::kDepthwiseConv2D ? 3 : 0; }

// Folds the MUL (m, may be empty) and ADD (a, may be empty) per-channel constants into op `p`.
void fold_into(Graph& g, int p, const std::vector<float>& m, const std::vector<float>& a) {
  ir::Op& o = g.ops[p];
  ir::Tensor w = g.tensors[o.inputs[1]];
  const int32_t dim = channel_dim(o.code);
  const int64_t channels = w.shape[dim];
  std::vector<float> wv = w.values<float>();
  for (size_t i = 0; i < wv.size() && !m.empty(); ++i) wv[i] *= m[static_cast<size_t>(channel_of(w.shape, dim, i))];
  w.set_values(wv);
  w.name += "/folded";
  o.inputs[1] = g.add_tensor(w);
  std::vector<float> b(static_cast<size_t>(channels), 0.0f);
  ir::Tensor bias;
  if (o.inputs.size() > 2 && o.inputs[2] >= 0) {
    bias = g.tensors[o.inputs[2]];
    b = bias.values<float>();
    bias.name += "/folded";
  } else {
    bias.name = w.name + "/bias";
    bias.shape = {static_cast<int32_t>(channels)};
  }
  for (size_t c = 0; c < b.size(); ++c) b[c] = b[c] * (m.empty() ? 1.0f : m[c]) + (a.empty() ? 0.0f : a[c]);
  bias.set_values(b);
  const int32_t bi = g.add_tensor(bias);
  if (o.inputs.size() < 3) o.inputs.resize(3, -1);
  o.inputs[2] = bi;
}

// The other input of a binary op reading `t` when it is a per-channel constant.
bool binary_constant(const Graph& g, int o, int32_t t, int64_t channels, std::vector<float>* v) {
  const ir::Op& op = g.ops[o];
  if (op.inputs.size() != 2) return false;
  const int32_t other = op.inputs[0] == t ? op.inputs[1] : op.inputs[0];
  if (op.inputs[0] != t && op.inputs[1] != t) return false;
  return per_channel_constant(g, other, channels, v);
}

// Tries to fold the MUL/ADD chain after op p. Returns true if it changed the graph.
bool fold_after(Graph& g, int p) {
  ir::Op& o = g.ops[p];
  const int act = fused_activation_field(o.code);
  if (o.options.get_int(act, 0) != 0 || o.inputs.size() < 2 || !g.tensors[o.inputs[1]].is_constant() ||
      g.tensors[o.inputs[1]].type != TensorType::kFloat32)
    return false;
  const int64_t channels = g.tensors[o.inputs[1]].shape[channel_dim(o.code)];
  int32_t out = o.outputs[0];
  std::vector<float> m, a;
  std::vector<int> removed;
  int next = only_reader(g, out);
  if (next >= 0 && g.ops[next].code == op::kMul && binary_constant(g, next, out, channels, &m)) {
    removed.push_back(next);
    out = g.ops[next].outputs[0];
    next = g.ops[next].options.get_int(0, 0) == 0 ? only_reader(g, out) : -1;
  }
  if (next >= 0 && g.ops[next].code == op::kAdd && binary_constant(g, next, out, channels, &a)) {
    removed.push_back(next);
    out = g.ops[next].outputs[0];
  }
  if (removed.empty()) return false;
  fold_into(g, p, m, a);
  const int64_t last_act = g.ops[removed.back()].options.get_int(0, 0);
  g.ops[p].options.type = ir::BuiltinOptions::for_op(g.ops[p].code).type;
  if (last_act != 0) g.ops[p].options.set_int8(act, static_cast<int8_t>(last_act));
  g.ops[p].outputs[0] = out;
  for (size_t i = removed.size(); i-- > 0;) g.remove_op(removed[i]);
  return true;
}

}  // namespace

int fused_activation_field(int32_t code) {
  switch (code) {
    case op::kConv2D: return ir::conv2d_opt::kActivation;
    case op::kDepthwiseConv2D: return ir::depthwise_opt::kActivation;
    case op::kFullyConnected: return ir::fully_connected_opt::kActivation;
    case op::kAdd:
    case op::kSub: return ir::add_opt::kActivation;
    case op::kMul: return ir::mul_opt::kActivation;
    default: return -1;
  }
}

int dequantize_hybrid_weights(Graph& g) {
  int n = 0;
  for (ir::Tensor& t : g.tensors) {
    if (!t.is_constant() || !is_quantized_type(t.type) || !t.quant.quantized()) continue;
    std::vector<float> v = t.type == TensorType::kInt8    ? dequantized<int8_t>(t)
                           : t.type == TensorType::kUInt8 ? dequantized<uint8_t>(t)
                                                          : dequantized<int16_t>(t);
    t.type = TensorType::kFloat32;
    t.set_values(v);
    t.quant = ir::Quantization();
    ++n;
  }
  return n;
}

// IEEE 754 half -> float.
float half_to_float(uint16_t h) {
  const int exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  const float sign = (h & 0x8000) ? -1.0f : 1.0f;
  if (exp == 0) return sign * std::ldexp(static_cast<float>(man), -24);
  if (exp == 31) return man ? std::nanf("") : sign * INFINITY;
  return sign * std::ldexp(static_cast<float>(man | 0x400), exp - 25);
}

int fold_constant_dequantize(Graph& g) {
  int n = 0;
  for (int i = static_cast<int>(g.ops.size()) - 1; i >= 0; --i) {
    const ir::Op& o = g.ops[i];
    if (o.code != op::kDequantize || o.inputs.size() != 1 || !g.tensors[o.inputs[0]].is_constant()) continue;
    const ir::Tensor& in = g.tensors[o.inputs[0]];
    std::vector<float> v;
    if (in.type == TensorType::kFloat16) {
      for (uint16_t h : in.values<uint16_t>()) v.push_back(half_to_float(h));
    } else if (in.type == TensorType::kFloat32) {
      v = in.values<float>();
    } else {
      continue;  // quantized constants become float in dequantize_hybrid_weights first
    }
    ir::Tensor& out = g.tensors[o.outputs[0]];
    out.type = TensorType::kFloat32;
    out.set_values(v);
    out.quant = ir::Quantization();
    g.remove_op(i);
    ++n;
  }
  if (n) g.remove_unused_tensors();
  return n;
}

int fold_batch_norm(Graph& g) {
  int n = 0;
  for (int p = 0; p < static_cast<int>(g.ops.size()); ++p) {
    const int32_t c = g.ops[p].code;
    if (c != op::kConv2D && c != op::kDepthwiseConv2D && c != op::kFullyConnected) continue;
    if (fold_after(g, p)) ++n;
  }
  if (n) g.remove_unused_tensors();
  return n;
}

int fuse_activations(Graph& g) {
  int n = 0;
  for (int p = 0; p < static_cast<int>(g.ops.size()); ++p) {
    const int act = fused_activation_field(g.ops[p].code);
    if (act < 0 || g.ops[p].outputs.size() != 1 || g.ops[p].options.get_int(act, 0) != 0) continue;
    const int r = only_reader(g, g.ops[p].outputs[0]);
    if (r < 0 || (g.ops[r].code != op::kRelu && g.ops[r].code != op::kRelu6)) continue;
    ir::Op& o = g.ops[p];
    o.options.type = ir::BuiltinOptions::for_op(o.code).type;
    o.options.set_int8(act, g.ops[r].code == op::kRelu ? 1 : 3);  // ActivationFunctionType RELU, RELU6
    o.outputs[0] = g.ops[r].outputs[0];
    g.remove_op(r);
    ++n;
  }
  if (n) g.remove_unused_tensors();
  return n;
}

void check_float_graph(const Graph& g, const std::string& name) {
  if (g.inputs.size() != 1)
    throw HostError(name + ": the quantizer handles models with one input; this one has " +
                    std::to_string(g.inputs.size()));
  std::vector<int32_t> order(g.inputs);  // the graph input first: the clearest sign
  for (size_t t = 0; t < g.tensors.size(); ++t) order.push_back(static_cast<int32_t>(t));
  for (int32_t t : order) {
    const ir::Tensor& x = g.tensors[t];
    if (!x.is_constant() && is_quantized_type(x.type))
      throw HostError(name + ": already quantized: " + tensor_label(g, t) + " is " +
                      type_name(x.type) + " (mote quantize needs a float model)");
  }
}

void prepare_float_graph(Graph& g, const std::string& name, std::vector<std::string>* notes) {
  check_float_graph(g, name);
  const int h = dequantize_hybrid_weights(g), d = fold_constant_dequantize(g), b = fold_batch_norm(g),
            f = fuse_activations(g);
  if (notes && h) notes->push_back("dequantized " + std::to_string(h) + " hybrid int8 weight tensor(s) to float");
  if (notes && d) notes->push_back("folded " + std::to_string(d) + " DEQUANTIZE op(s) of constant (float16) weights");
  if (notes && b) notes->push_back("folded " + std::to_string(b) + " MUL/ADD (batch-norm) chain(s) into weights");
  if (notes && f) notes->push_back("fused " + std::to_string(f) + " RELU/RELU6 op(s) into the op before");
}

}  // namespace mote::quant
