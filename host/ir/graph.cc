#include "host/ir/graph.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "host/error.h"
#include "runtime/op.h"

namespace mote::ir {

namespace {

bool same_floats(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

std::string tensor_label(const Graph& g, int32_t t) {
  std::string s = "tensor " + std::to_string(t);
  if (t >= 0 && static_cast<size_t>(t) < g.tensors.size() && !g.tensors[t].name.empty()) s += " (" + g.tensors[t].name + ")";
  return s;
}

std::string op_label(const Graph& g, int o) { return "op " + std::to_string(o) + " (" + g.ops[o].name() + ")"; }

template <typename T>
std::string show(const T& v) {
  std::ostringstream s;
  s << +v;
  return s.str();
}
std::string show(const std::string& v) { return "\"" + v + "\""; }

// First difference between two vectors, as "<what> <detail>", or "".
template <typename T>
std::string vector_difference(const std::string& what, const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size())
    return what + " has " + std::to_string(a.size()) + " vs " + std::to_string(b.size()) + " elements";
  for (size_t i = 0; i < a.size(); ++i) {
    bool same = std::memcmp(&a[i], &b[i], sizeof(T)) == 0;
    if (!same) return what + "[" + std::to_string(i) + "] is " + show(a[i]) + " vs " + show(b[i]);
  }
  return "";
}

std::string quant_difference(const Quantization& a, const Quantization& b) {
  std::string d = vector_difference("scale", a.scales, b.scales);
  if (d.empty()) d = vector_difference("zero_point", a.zero_points, b.zero_points);
  if (d.empty()) d = vector_difference("min", a.min, b.min);
  if (d.empty()) d = vector_difference("max", a.max, b.max);
  if (d.empty() && a.quantized_dimension != b.quantized_dimension)
    d = "quantized_dimension is " + show(a.quantized_dimension) + " vs " + show(b.quantized_dimension);
  return d;
}

std::string tensor_difference(const Tensor& a, const Tensor& b) {
  if (a.name != b.name) return "name is " + show(a.name) + " vs " + show(b.name);
  if (a.type != b.type) return std::string("type is ") + type_name(a.type) + " vs " + type_name(b.type);
  std::string d = vector_difference("shape", a.shape, b.shape);
  if (d.empty()) d = vector_difference("shape_signature", a.shape_signature, b.shape_signature);
  if (d.empty() && a.has_rank != b.has_rank) d = "has_rank is " + show(a.has_rank) + " vs " + show(b.has_rank);
  if (d.empty()) d = quant_difference(a.quant, b.quant);
  if (d.empty() && a.is_variable != b.is_variable) d = "is_variable is " + show(a.is_variable) + " vs " + show(b.is_variable);
  if (d.empty()) d = vector_difference("data", a.data, b.data);
  return d;
}

std::string options_difference(const BuiltinOptions& a, const BuiltinOptions& b) {
  if (a.type != b.type) return "options type is " + show(a.type) + " vs " + show(b.type);
  for (const auto& [id, v] : a.fields) {
    auto it = b.fields.find(id);
    if (it == b.fields.end()) return "option field " + std::to_string(id) + " is present vs absent";
    if (it->second != v) return "option field " + std::to_string(id) + " is " + v.to_string() + " vs " + it->second.to_string();
  }
  for (const auto& [id, v] : b.fields)
    if (a.fields.count(id) == 0) return "option field " + std::to_string(id) + " is absent vs present";
  return "";
}

std::string op_difference(const Op& a, const Op& b) {
  if (a.code != b.code) return "code is " + show(a.code) + " vs " + show(b.code);
  if (a.version != b.version) return "version is " + show(a.version) + " vs " + show(b.version);
  if (a.custom_code != b.custom_code) return "custom_code is " + show(a.custom_code) + " vs " + show(b.custom_code);
  std::string d = vector_difference("inputs", a.inputs, b.inputs);
  if (d.empty()) d = vector_difference("outputs", a.outputs, b.outputs);
  if (d.empty()) d = options_difference(a.options, b.options);
  if (d.empty()) d = vector_difference("custom_options", a.custom_options, b.custom_options);
  if (d.empty() && a.custom_options_format != b.custom_options_format)
    d = "custom_options_format is " + show(a.custom_options_format) + " vs " + show(b.custom_options_format);
  if (d.empty()) d = vector_difference("mutating_variable_inputs", a.mutating_variable_inputs, b.mutating_variable_inputs);
  if (d.empty()) d = vector_difference("intermediates", a.intermediates, b.intermediates);
  return d;
}

std::string signature_difference(const SignatureDef& a, const SignatureDef& b) {
  if (a.key != b.key) return "key is " + show(a.key) + " vs " + show(b.key);
  const std::vector<TensorMap>* sides[2][2] = {{&a.inputs, &b.inputs}, {&a.outputs, &b.outputs}};
  for (int s = 0; s < 2; ++s) {
    const char* what = s == 0 ? "input" : "output";
    const std::vector<TensorMap>& x = *sides[s][0];
    const std::vector<TensorMap>& y = *sides[s][1];
    if (x.size() != y.size()) return std::string(what) + " count is " + show(x.size()) + " vs " + show(y.size());
    for (size_t i = 0; i < x.size(); ++i)
      if (!(x[i] == y[i]))
        return std::string(what) + " " + show(i) + " is " + show(x[i].name) + "->" + show(x[i].tensor) + " vs " + show(y[i].name) +
               "->" + show(y[i].tensor);
  }
  return "";
}

}  // namespace

// --- Quantization / Tensor / Op ---------------------------------------------------------------------

Quantization Quantization::per_tensor(float scale, int64_t zero_point) {
  Quantization q;
  q.scales = {scale};
  q.zero_points = {zero_point};
  return q;
}

Quantization Quantization::per_channel(std::vector<float> scales, int32_t dimension, std::vector<int64_t> zero_points) {
  Quantization q;
  if (zero_points.empty()) zero_points.assign(scales.size(), 0);
  q.scales = std::move(scales);
  q.zero_points = std::move(zero_points);
  q.quantized_dimension = dimension;
  return q;
}

bool Quantization::operator==(const Quantization& o) const {
  return same_floats(scales, o.scales) && zero_points == o.zero_points && quantized_dimension == o.quantized_dimension &&
         same_floats(min, o.min) && same_floats(max, o.max);
}

int64_t Tensor::elements() const {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

size_t Tensor::byte_size() const { return type_size(type) * static_cast<size_t>(std::max<int64_t>(elements(), 0)); }

bool Tensor::operator==(const Tensor& o) const { return tensor_difference(*this, o).empty(); }

std::string Op::name() const {
  if (code == kCustomCode && !custom_code.empty()) return custom_code;
  const char* n = builtin_op_name(code);
  return n ? n : "BUILTIN_" + std::to_string(code);
}

bool Op::operator==(const Op& o) const { return op_difference(*this, o).empty(); }

// --- editing ----------------------------------------------------------------------------------------

int32_t Graph::add_tensor(Tensor t) {
  tensors.push_back(std::move(t));
  return static_cast<int32_t>(tensors.size() - 1);
}

int Graph::insert_op(int index, Op op) {
  if (index < 0 || static_cast<size_t>(index) > ops.size())
    throw host::HostError("insert_op: index " + std::to_string(index) + " outside [0, " + std::to_string(ops.size()) + "]");
  ops.insert(ops.begin() + index, std::move(op));
  return index;
}

void Graph::remove_op(int index) {
  if (index < 0 || static_cast<size_t>(index) >= ops.size())
    throw host::HostError("remove_op: index " + std::to_string(index) + " outside [0, " + std::to_string(ops.size()) + ")");
  ops.erase(ops.begin() + index);
}

void Graph::replace_uses(int32_t from, int32_t to, int first_op) {
  for (size_t o = static_cast<size_t>(std::max(first_op, 0)); o < ops.size(); ++o)
    std::replace(ops[o].inputs.begin(), ops[o].inputs.end(), from, to);
  std::replace(outputs.begin(), outputs.end(), from, to);
}

std::vector<int32_t> Graph::remove_unused_tensors() {
  std::vector<char> used(tensors.size(), 0);
  auto mark = [&](int32_t t) {
    if (t >= 0 && static_cast<size_t>(t) < used.size()) used[t] = 1;
  };
  for (const Op& op : ops) {
    for (int32_t t : op.inputs) mark(t);
    for (int32_t t : op.outputs) mark(t);
    for (int32_t t : op.intermediates) mark(t);
  }
  for (int32_t t : inputs) mark(t);
  for (int32_t t : outputs) mark(t);
  for (const SignatureDef& s : signatures) {
    for (const TensorMap& m : s.inputs) mark(m.tensor);
    for (const TensorMap& m : s.outputs) mark(m.tensor);
  }
  std::vector<int32_t> remap(tensors.size(), -1);
  std::vector<Tensor> kept;
  for (size_t t = 0; t < tensors.size(); ++t) {
    if (!used[t]) continue;
    remap[t] = static_cast<int32_t>(kept.size());
    kept.push_back(std::move(tensors[t]));
  }
  tensors = std::move(kept);
  auto apply = [&](int32_t& t) {
    if (t >= 0 && static_cast<size_t>(t) < remap.size()) t = remap[t];
  };
  for (Op& op : ops) {
    for (int32_t& t : op.inputs) apply(t);
    for (int32_t& t : op.outputs) apply(t);
    for (int32_t& t : op.intermediates) apply(t);
  }
  for (int32_t& t : inputs) apply(t);
  for (int32_t& t : outputs) apply(t);
  for (SignatureDef& s : signatures) {
    for (TensorMap& m : s.inputs) apply(m.tensor);
    for (TensorMap& m : s.outputs) apply(m.tensor);
  }
  return remap;
}

// --- queries ------------------------------------------------------------------------------------------

int Graph::producer(int32_t tensor) const {
  for (size_t o = 0; o < ops.size(); ++o)
    if (std::find(ops[o].outputs.begin(), ops[o].outputs.end(), tensor) != ops[o].outputs.end()) return static_cast<int>(o);
  return -1;
}

std::vector<int> Graph::consumers(int32_t tensor) const {
  std::vector<int> out;
  for (size_t o = 0; o < ops.size(); ++o)
    if (std::find(ops[o].inputs.begin(), ops[o].inputs.end(), tensor) != ops[o].inputs.end()) out.push_back(static_cast<int>(o));
  return out;
}

bool Graph::is_graph_input(int32_t tensor) const { return std::find(inputs.begin(), inputs.end(), tensor) != inputs.end(); }
bool Graph::is_graph_output(int32_t tensor) const { return std::find(outputs.begin(), outputs.end(), tensor) != outputs.end(); }

// --- checks ---------------------------------------------------------------------------------------------

namespace {

void check_index(const Graph& g, int32_t t, bool optional, const std::string& where) {
  if ((optional && t == -1) || (t >= 0 && static_cast<size_t>(t) < g.tensors.size())) return;
  throw host::HostError(where + ": tensor index " + std::to_string(t) + " outside [0, " + std::to_string(g.tensors.size()) + ")");
}

void validate_tensor(const Tensor& t, const std::string& where) {
  for (int32_t d : t.shape)
    if (d < 0) throw host::HostError(where + ": negative dimension " + std::to_string(d));
  if (t.is_constant() && t.data.size() != t.byte_size())
    throw host::HostError(where + ": constant holds " + std::to_string(t.data.size()) + " bytes but shape x " + type_name(t.type) +
                          " needs " + std::to_string(t.byte_size()));
  const Quantization& q = t.quant;
  if (!q.zero_points.empty() && q.zero_points.size() != q.scales.size())
    throw host::HostError(where + ": " + std::to_string(q.zero_points.size()) + " zero points for " + std::to_string(q.scales.size()) +
                          " scales");
  if (q.scales.size() > 1) {
    const int32_t qd = q.quantized_dimension;
    // A rank-1 bias may carry its filter's quantized_dimension (converters do that).
    const bool bias_like = t.shape.size() == 1 && static_cast<int64_t>(q.scales.size()) == t.shape[0];
    if (!bias_like && (qd < 0 || static_cast<size_t>(qd) >= t.shape.size() ||
                       static_cast<int64_t>(q.scales.size()) != t.shape[static_cast<size_t>(qd)]))
      throw host::HostError(where + ": " + std::to_string(q.scales.size()) + " per-channel scales do not match quantized dimension " +
                            std::to_string(qd) + " of a rank-" + std::to_string(t.shape.size()) + " shape");
  }
}

}  // namespace

void Graph::validate() const {
  for (size_t t = 0; t < tensors.size(); ++t) validate_tensor(tensors[t], tensor_label(*this, static_cast<int32_t>(t)));
  for (size_t o = 0; o < ops.size(); ++o) {
    const Op& op = ops[o];
    const std::string where = op_label(*this, static_cast<int>(o));
    for (int32_t t : op.inputs) check_index(*this, t, true, where + " input");
    for (int32_t t : op.outputs) check_index(*this, t, false, where + " output");
    for (int32_t t : op.intermediates) check_index(*this, t, false, where + " intermediate");
    if (!op.mutating_variable_inputs.empty() && op.mutating_variable_inputs.size() != op.inputs.size())
      throw host::HostError(where + ": mutating_variable_inputs has " + std::to_string(op.mutating_variable_inputs.size()) +
                            " entries for " + std::to_string(op.inputs.size()) + " inputs");
    if (op.options.type != 0 && options_type_name(op.options.type) == nullptr)
      throw host::HostError(where + ": unknown builtin options type " + std::to_string(op.options.type));
  }
  for (int32_t t : inputs) check_index(*this, t, false, "graph input");
  for (int32_t t : outputs) check_index(*this, t, false, "graph output");
  for (const SignatureDef& s : signatures) {
    for (const TensorMap& m : s.inputs) check_index(*this, m.tensor, false, "signature " + s.key + " input " + m.name);
    for (const TensorMap& m : s.outputs) check_index(*this, m.tensor, false, "signature " + s.key + " output " + m.name);
  }
}

bool Graph::check_topological_order(std::string* problem) const {
  auto fail = [&](const std::string& why) {
    if (problem) *problem = why;
    return false;
  };
  std::vector<char> ready(tensors.size(), 0);
  for (size_t t = 0; t < tensors.size(); ++t) ready[t] = tensors[t].is_constant() || tensors[t].is_variable;
  for (int32_t t : inputs) {
    if (t < 0 || static_cast<size_t>(t) >= tensors.size()) return fail("graph input " + std::to_string(t) + " out of range");
    if (tensors[t].is_constant()) return fail("graph input " + tensor_label(*this, t) + " is a constant");
    ready[t] = 1;
  }
  for (size_t o = 0; o < ops.size(); ++o) {
    const std::string where = op_label(*this, static_cast<int>(o));
    for (int32_t t : ops[o].inputs) {
      if (t == -1) continue;
      if (t < 0 || static_cast<size_t>(t) >= tensors.size()) return fail(where + " reads tensor index " + std::to_string(t) + " out of range");
      if (!ready[t]) return fail(where + " reads " + tensor_label(*this, t) + " before any op writes it");
    }
    for (int32_t t : ops[o].outputs) {
      if (t < 0 || static_cast<size_t>(t) >= tensors.size()) return fail(where + " writes tensor index " + std::to_string(t) + " out of range");
      if (tensors[t].is_constant()) return fail(where + " writes constant " + tensor_label(*this, t));
      if (tensors[t].is_variable) continue;
      if (ready[t]) return fail(where + " writes " + tensor_label(*this, t) + ", a graph input or already written");
      ready[t] = 1;
    }
  }
  for (int32_t t : outputs) {
    if (t < 0 || static_cast<size_t>(t) >= tensors.size()) return fail("graph output " + std::to_string(t) + " out of range");
    if (!ready[t]) return fail("graph output " + tensor_label(*this, t) + " is never written");
  }
  return true;
}

std::vector<int> Graph::topological_order() const {
  const size_t n = ops.size();
  // Producer of each non-variable tensor; tensors available from the start have none.
  std::vector<int> writer(tensors.size(), -1);
  std::vector<char> initially(tensors.size(), 0);
  for (size_t t = 0; t < tensors.size(); ++t) initially[t] = tensors[t].is_constant() || tensors[t].is_variable;
  for (int32_t t : inputs) {
    check_index(*this, t, false, "graph input");
    initially[t] = 1;
  }
  for (size_t o = 0; o < n; ++o)
    for (int32_t t : ops[o].outputs) {
      check_index(*this, t, false, op_label(*this, static_cast<int>(o)) + " output");
      if (initially[t]) continue;
      if (writer[t] >= 0) throw host::HostError(tensor_label(*this, t) + " is written by op " + std::to_string(writer[t]) + " and op " + std::to_string(o));
      writer[t] = static_cast<int>(o);
    }
  std::vector<int> waiting(n, 0);
  std::vector<std::vector<int>> users(n);
  for (size_t o = 0; o < n; ++o)
    for (int32_t t : ops[o].inputs) {
      if (t == -1) continue;
      check_index(*this, t, false, op_label(*this, static_cast<int>(o)) + " input");
      if (initially[t]) continue;
      if (writer[t] < 0) throw host::HostError(op_label(*this, static_cast<int>(o)) + " reads " + tensor_label(*this, t) + ", which no op writes");
      users[writer[t]].push_back(static_cast<int>(o));
      ++waiting[o];
    }
  std::set<int> ready_ops;
  for (size_t o = 0; o < n; ++o)
    if (waiting[o] == 0) ready_ops.insert(static_cast<int>(o));
  std::vector<int> order;
  while (!ready_ops.empty()) {
    const int o = *ready_ops.begin();
    ready_ops.erase(ready_ops.begin());
    order.push_back(o);
    for (int u : users[o])
      if (--waiting[u] == 0) ready_ops.insert(u);
  }
  if (order.size() != n) throw host::HostError("the ops form a cycle: " + std::to_string(n - order.size()) + " ops can never run");
  return order;
}

void Graph::sort_topologically() {
  std::vector<int> order = topological_order();
  std::vector<Op> sorted;
  sorted.reserve(ops.size());
  for (int o : order) sorted.push_back(std::move(ops[o]));
  ops = std::move(sorted);
}

std::string Graph::first_difference(const Graph& a, const Graph& b) {
  if (a.description != b.description) return "description is " + show(a.description) + " vs " + show(b.description);
  if (a.name != b.name) return "subgraph name is " + show(a.name) + " vs " + show(b.name);
  std::string d = vector_difference("graph inputs", a.inputs, b.inputs);
  if (d.empty()) d = vector_difference("graph outputs", a.outputs, b.outputs);
  if (!d.empty()) return d;
  if (a.tensors.size() != b.tensors.size())
    return "tensor count is " + show(a.tensors.size()) + " vs " + show(b.tensors.size());
  for (size_t t = 0; t < a.tensors.size(); ++t) {
    d = tensor_difference(a.tensors[t], b.tensors[t]);
    if (!d.empty()) return tensor_label(a, static_cast<int32_t>(t)) + ": " + d;
  }
  if (a.ops.size() != b.ops.size()) return "op count is " + show(a.ops.size()) + " vs " + show(b.ops.size());
  for (size_t o = 0; o < a.ops.size(); ++o) {
    d = op_difference(a.ops[o], b.ops[o]);
    if (!d.empty()) return op_label(a, static_cast<int>(o)) + ": " + d;
  }
  if (a.metadata.size() != b.metadata.size()) return "metadata count is " + show(a.metadata.size()) + " vs " + show(b.metadata.size());
  for (size_t m = 0; m < a.metadata.size(); ++m) {
    if (a.metadata[m].name != b.metadata[m].name) return "metadata " + show(m) + " name is " + show(a.metadata[m].name) + " vs " + show(b.metadata[m].name);
    d = vector_difference("data", a.metadata[m].data, b.metadata[m].data);
    if (!d.empty()) return "metadata " + a.metadata[m].name + ": " + d;
  }
  if (a.signatures.size() != b.signatures.size()) return "signature count is " + show(a.signatures.size()) + " vs " + show(b.signatures.size());
  for (size_t s = 0; s < a.signatures.size(); ++s) {
    d = signature_difference(a.signatures[s], b.signatures[s]);
    if (!d.empty()) return "signature " + show(s) + ": " + d;
  }
  return "";
}

}  // namespace mote::ir
