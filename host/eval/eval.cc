// evaluate_pair: both models run sample by sample with run_capturing; the float model's matched
// activations are kept for the sample, then the quantized model's are compared as they come.
#include "host/eval/eval.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <unordered_map>

#include "host/activations.h"
#include "host/error.h"
#include "host/session.h"
#include "host/quant/calib_data.h"

namespace mote::eval {

double sqnr_db(double signal_energy, double noise_energy) {
  if (noise_energy <= 0.0) return std::numeric_limits<double>::infinity();
  if (signal_energy <= 0.0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal_energy / noise_energy);
}

int argmax(const std::vector<float>& v) {
  if (v.empty()) return -1;
  return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

void ErrorSums::add(const std::vector<float>& f, const std::vector<float>& q, const std::string& what) {
  if (f.size() != q.size())
    throw host::HostError(what + ": the float model gives " + std::to_string(f.size()) + " values, the quantized model " +
                          std::to_string(q.size()));
  for (size_t i = 0; i < f.size(); ++i) {
    const double a = f[i], d = a - static_cast<double>(q[i]);
    signal += a * a;
    noise += d * d;
    abs_error += std::fabs(d);
  }
  count += f.size();
}

namespace {

std::vector<int32_t> dims_of(const mote::Shape& s) { return std::vector<int32_t>(s.dims, s.dims + s.rank); }

std::string tensor_name(const mote::Model& m, int32_t t) {
  const char* n = m.tensor(t).name;
  return n ? n : "";
}

// The two models must agree on inputs and outputs (count and shape).
void check_io(const host::Session& f, const host::Session& q) {
  const mote::Model& fm = f.model();
  const mote::Model& qm = q.model();
  if (fm.num_inputs() != qm.num_inputs() || fm.num_outputs() != qm.num_outputs())
    throw host::HostError(f.path() + " has " + std::to_string(fm.num_inputs()) + " input(s) and " +
                          std::to_string(fm.num_outputs()) + " output(s), " + q.path() + " has " +
                          std::to_string(qm.num_inputs()) + " and " + std::to_string(qm.num_outputs()));
  if (fm.num_inputs() != 1)
    throw host::HostError(f.path() + ": evaluation needs a model with one input; it has " + std::to_string(fm.num_inputs()));
  if (fm.num_outputs() == 0) throw host::HostError(f.path() + ": the model has no outputs to compare");
  auto same = [&](const char* what, int i, int32_t ft, int32_t qt) {
    const std::vector<int32_t> a = dims_of(fm.tensor(ft).shape), b = dims_of(qm.tensor(qt).shape);
    if (a != b)
      throw host::HostError(std::string(what) + " " + std::to_string(i) + " has shape " + quant::shape_string(a) + " in " +
                            f.path() + " but " + quant::shape_string(b) + " in " + q.path());
  };
  same("input", 0, fm.input_tensor(0), qm.input_tensor(0));
  for (int i = 0; i < fm.num_outputs(); ++i) same("output", i, fm.output_tensor(i), qm.output_tensor(i));
}

struct Producer {
  int32_t tensor = -1;
  int op = -1;
};

// Name -> first op output of that name in `m` (unnamed tensors are not listed).
std::unordered_map<std::string, Producer> op_outputs_by_name(const mote::Model& m) {
  std::unordered_map<std::string, Producer> by_name;
  for (int op = 0; op < m.num_ops(); ++op) {
    const mote::OpView v = m.op(op);
    for (int k = 0; k < v.num_outputs(); ++k) {
      const int32_t t = v.output(k);
      std::string name = tensor_name(m, t);
      if (!name.empty()) by_name.emplace(std::move(name), Producer{t, op});
    }
  }
  return by_name;
}

// One row per op output of the quantized model whose name names an op output of the float model
// with as many elements; fills the match counters of `r`. Returns quant tensor -> row.
std::unordered_map<int32_t, size_t> match_layers(const mote::Model& fm, const mote::Model& qm, EvalReport& r) {
  const std::unordered_map<std::string, Producer> float_by_name = op_outputs_by_name(fm);
  std::unordered_map<int32_t, size_t> row_of;
  std::string example;
  for (int op = 0; op < qm.num_ops(); ++op) {
    const mote::OpView v = qm.op(op);
    for (int k = 0; k < v.num_outputs(); ++k) {
      const int32_t t = v.output(k);
      ++r.quant_activations;
      const std::string name = tensor_name(qm, t);
      auto it = float_by_name.find(name);
      if (it == float_by_name.end()) {
        ++r.unmatched_names;
        if (example.empty()) example = name.empty() ? "(unnamed)" : name;
        continue;
      }
      const mote::TensorInfo qi = qm.tensor(t);
      if (fm.tensor(it->second.tensor).shape.elements() != qi.shape.elements()) {
        ++r.shape_mismatches;
        continue;
      }
      LayerStats row;
      row.op_index = op;
      row.op = v.name();
      row.tensor = name;
      row.quant_tensor = t;
      row.float_tensor = it->second.tensor;
      row.float_op_index = it->second.op;
      row.shape = dims_of(qi.shape);
      row.type = qi.type;
      row.scale = qi.num_scales ? qi.scale : 0.0f;
      row.zero_point = qi.num_scales ? qi.zero_point : 0;
      row_of.emplace(t, r.layers.size());
      r.layers.push_back(std::move(row));
    }
  }
  if (r.layers.empty())
    r.layers_note = "no op output of " + r.quant_model + " has the name of an op output of " + r.float_model +
                    " (e.g. '" + example + "'): the per-layer table is empty";
  else if (r.unmatched_names || r.shape_mismatches)
    r.layers_note = std::to_string(r.layers.size()) + " of " + std::to_string(r.quant_activations) +
                    " op outputs matched by name (" + std::to_string(r.unmatched_names) + " without a float tensor of that name, e.g. '" +
                    example + "'; " + std::to_string(r.shape_mismatches) + " with a different element count)";
  return row_of;
}

std::vector<float> output_values(host::Session& s, int i) {
  const mote::TensorRef t = s.interp().output(i);
  std::vector<float> v(static_cast<size_t>(t.shape.elements()));
  mote::Error err;
  if (s.interp().get_output_float(i, v.data(), v.size(), &err) != mote::Status::kOk)
    throw host::HostError(s.path() + ": output " + std::to_string(i) + ": " + err.message);
  return v;
}

void check_labels(const std::vector<int64_t>& labels, size_t n, int classes) {
  for (size_t i = 0; i < n; ++i)
    if (labels[i] < 0 || labels[i] >= classes)
      throw host::HostError("label " + std::to_string(labels[i]) + " of sample " + std::to_string(i) + " is not a class of output 0 (0.." +
                            std::to_string(classes - 1) + ")");
}

// Relative noise (noise energy / signal energy); 0 for no noise, inf for noise without signal.
double nsr(const ErrorSums& e) {
  if (e.noise <= 0.0) return 0.0;
  return e.signal > 0.0 ? e.noise / e.signal : std::numeric_limits<double>::infinity();
}

double nsr_to_db(double n) { return n > 0.0 ? -10.0 * std::log10(n) : std::numeric_limits<double>::infinity(); }

// Own SQNR of every row: walks the quantized model in order carrying each tensor's relative noise
// (measured for rows, the graph input's for it, 0 for constants, the noisiest producer input's for
// the rest), and flags the row that adds the most.
void attribute_noise(const mote::Model& qm, const std::unordered_map<int32_t, size_t>& row_of, EvalReport& r) {
  std::vector<double> tensor_nsr(static_cast<size_t>(qm.num_tensors()), 0.0);
  tensor_nsr[static_cast<size_t>(qm.input_tensor(0))] = nsr(r.input_sums);
  for (int op = 0; op < qm.num_ops(); ++op) {
    const mote::OpView v = qm.op(op);
    double in = 0.0;
    for (int k = 0; k < v.num_inputs(); ++k)
      if (v.input(k) >= 0) in = std::max(in, tensor_nsr[static_cast<size_t>(v.input(k))]);
    for (int k = 0; k < v.num_outputs(); ++k) {
      const int32_t t = v.output(k);
      auto it = row_of.find(t);
      if (it == row_of.end()) {
        tensor_nsr[static_cast<size_t>(t)] = in;
        continue;
      }
      LayerStats& l = r.layers[it->second];
      const double out = nsr(l.sums);
      tensor_nsr[static_cast<size_t>(t)] = out;
      l.input_sqnr_db = nsr_to_db(in);
      l.own_sqnr_db = out > in ? nsr_to_db(out - in) : std::numeric_limits<double>::infinity();
    }
  }
  double lowest = std::numeric_limits<double>::infinity();  // a layer that adds nothing is never the worst
  for (size_t i = 0; i < r.layers.size(); ++i) {
    if (r.layers[i].own_sqnr_db >= lowest) continue;
    lowest = r.layers[i].own_sqnr_db;
    r.worst_layer = static_cast<int>(i);
  }
  if (r.worst_layer >= 0) r.layers[static_cast<size_t>(r.worst_layer)].worst = true;
}

void finish(const mote::Model& qm, const std::unordered_map<int32_t, size_t>& row_of, EvalReport& r) {
  const double n = static_cast<double>(r.samples);
  r.top1_agreement = static_cast<double>(r.agree) / n;
  if (r.has_labels) {
    r.float_accuracy = static_cast<double>(r.float_correct) / n;
    r.quant_accuracy = static_cast<double>(r.quant_correct) / n;
  }
  r.input_sqnr_db = r.input_sums.sqnr_db();
  for (OutputStats& o : r.outputs) {
    o.sqnr_db = o.sums.sqnr_db();
    o.mae = o.sums.mae();
  }
  for (LayerStats& l : r.layers) l.sqnr_db = l.sums.sqnr_db();
  attribute_noise(qm, row_of, r);
}

}  // namespace

void check_label_count(size_t labels, size_t samples, const std::string& source) {
  if (labels != samples)
    throw host::HostError(source + ": " + std::to_string(labels) + " labels for " + std::to_string(samples) +
                          " samples (one label per sample is needed)");
}

namespace {

// What one evaluation keeps between samples besides the report.
struct PairState {
  host::Session& fs;
  host::Session& qs;
  std::unordered_map<int32_t, size_t> row_of;                   // quant tensor -> layer row
  std::unordered_map<int32_t, std::vector<float>> float_values;  // matched float tensor -> this sample's values
};

void add_outputs(PairState& st, const std::vector<std::vector<float>>& fout, const int64_t* label, EvalReport& r) {
  for (int i = 0; i < st.qs.model().num_outputs(); ++i) {
    const std::vector<float> q = output_values(st.qs, i);
    const std::vector<float>& f = fout[static_cast<size_t>(i)];
    OutputStats& o = r.outputs[static_cast<size_t>(i)];
    o.sums.add(f, q, "output " + std::to_string(i));
    for (size_t k = 0; k < q.size(); ++k) o.max_abs_error = std::max(o.max_abs_error, std::fabs(static_cast<double>(f[k]) - q[k]));
    if (i != 0) continue;
    const int fc = argmax(f), qc = argmax(q);
    r.agree += fc == qc;
    if (label) {
      r.float_correct += fc == *label;
      r.quant_correct += qc == *label;
    }
  }
}

void evaluate_sample(PairState& st, const std::vector<float>& sample, const int64_t* label, EvalReport& r) {
  mote::Error err;
  if (st.qs.interp().set_input_float(0, sample.data(), sample.size(), &err) != mote::Status::kOk)
    throw host::HostError(st.qs.path() + ": input 0: " + err.message);
  r.input_sums.add(sample, host::tensor_as_float(st.qs.interp().input(0)), "input 0");
  host::run_capturing(st.fs, {sample}, [&](int, const std::vector<host::Activation>& outs) {
    for (const host::Activation& a : outs) {
      auto it = st.float_values.find(a.tensor);
      if (it != st.float_values.end()) it->second = a.values;
    }
  });
  std::vector<std::vector<float>> fout;
  for (int i = 0; i < st.fs.model().num_outputs(); ++i) fout.push_back(output_values(st.fs, i));
  host::run_capturing(st.qs, {sample}, [&](int, const std::vector<host::Activation>& outs) {
    for (const host::Activation& a : outs) {
      auto it = st.row_of.find(a.tensor);
      if (it == st.row_of.end()) continue;
      LayerStats& l = r.layers[it->second];
      l.sums.add(st.float_values[l.float_tensor], a.values, "tensor '" + l.tensor + "'");
    }
  });
  add_outputs(st, fout, label, r);
}

}  // namespace

EvalReport evaluate_pair(const std::string& float_model_path, const std::string& quant_model_path,
                         const std::vector<std::vector<float>>& samples, const std::vector<int64_t>& labels,
                         const EvalOptions& options) {
  if (samples.empty()) throw host::HostError("no samples to evaluate");
  if (!labels.empty()) check_label_count(labels.size(), samples.size(), "labels");
  auto fs = std::make_unique<host::Session>(float_model_path);
  auto qs = std::make_unique<host::Session>(quant_model_path);
  check_io(*fs, *qs);
  const mote::Model& fm = fs->model();
  const mote::Model& qm = qs->model();

  EvalReport r;
  r.float_model = float_model_path;
  r.quant_model = quant_model_path;
  r.has_labels = !labels.empty();
  r.samples = options.limit ? std::min(options.limit, samples.size()) : samples.size();
  r.num_classes = fm.tensor(fm.output_tensor(0)).shape.elements();
  r.classifier = r.num_classes >= 2;
  if (r.has_labels && !r.classifier)
    throw host::HostError("labels need a classifier, but output 0 of " + float_model_path + " has " +
                          std::to_string(r.num_classes) + " value(s)");
  if (r.has_labels) check_labels(labels, r.samples, r.num_classes);
  const size_t want = static_cast<size_t>(fm.tensor(fm.input_tensor(0)).shape.elements());
  for (size_t s = 0; s < r.samples; ++s)
    if (samples[s].size() != want)
      throw host::HostError("sample " + std::to_string(s) + " has " + std::to_string(samples[s].size()) + " values; the input " +
                            quant::shape_string(dims_of(fm.tensor(fm.input_tensor(0)).shape)) + " of " + float_model_path +
                            " has " + std::to_string(want));
  PairState st{*fs, *qs, match_layers(fm, qm, r), {}};
  for (const LayerStats& l : r.layers) st.float_values[l.float_tensor];
  for (int i = 0; i < fm.num_outputs(); ++i) {
    OutputStats o;
    o.index = i;
    o.shape = dims_of(fm.tensor(fm.output_tensor(i)).shape);
    o.float_type = fm.tensor(fm.output_tensor(i)).type;
    o.quant_type = qm.tensor(qm.output_tensor(i)).type;
    r.outputs.push_back(std::move(o));
  }
  for (size_t s = 0; s < r.samples; ++s) {
    evaluate_sample(st, samples[s], r.has_labels ? &labels[s] : nullptr, r);
    if (options.progress) options.progress(s + 1, r.samples);
  }
  finish(qm, st.row_of, r);
  return r;
}

}  // namespace mote::eval
