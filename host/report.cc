#include "host/report.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "host/tensor_io.h"
#include "host/text.h"

namespace mote::host {

namespace {

using mote::BuiltinOp;

// Tensor `t` of the model, or nullptr-like info (rank 0, index -1) when t < 0.
bool tensor_at(const mote::Model& m, int32_t t, mote::TensorInfo* out) {
  if (t < 0 || t >= m.num_tensors()) return false;
  *out = m.tensor(t);
  return true;
}

uint64_t u(int64_t v) { return v > 0 ? static_cast<uint64_t>(v) : 0; }

TensorSummary summarize_tensor(const mote::Model& m, int32_t t) {
  mote::TensorInfo ti = m.tensor(t);
  TensorSummary s;
  s.index = t;
  s.name = ti.name ? ti.name : "";
  s.type = ti.type;
  s.shape = ti.shape;
  s.bytes = ti.bytes;
  s.kind = ti.is_constant() ? TensorSummary::Kind::kConstant
                            : (ti.is_variable ? TensorSummary::Kind::kVariable : TensorSummary::Kind::kActivation);
  s.num_scales = ti.num_scales;
  if (ti.num_scales > 0) {
    s.scale = ti.scale_at(0);
    s.zero_point = ti.zero_point_at(0);
    s.quantized_dimension = ti.quantized_dimension;
  }
  return s;
}

// Tensor names from converters can run to hundreds of characters; tables show the start.
std::string short_name(const std::string& n) { return n.size() <= 60 ? n : n.substr(0, 57) + "..."; }

const char* kind_name(TensorSummary::Kind k) {
  switch (k) {
    case TensorSummary::Kind::kConstant: return "constant";
    case TensorSummary::Kind::kVariable: return "variable";
    default: return "activation";
  }
}

std::string type_lower(mote::TensorType t) {
  std::string s = mote::type_name(t);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string quant_text(const TensorSummary& t) {
  if (t.num_scales == 0) return "-";
  if (t.num_scales == 1) return strprintf("scale %.6g zp %lld", static_cast<double>(t.scale), static_cast<long long>(t.zero_point));
  return strprintf("per-channel x%u (dim %d)", t.num_scales, t.quantized_dimension);
}

nlohmann::ordered_json shape_json(const mote::Shape& s) {
  nlohmann::ordered_json a = nlohmann::ordered_json::array();
  for (int i = 0; i < s.rank; ++i) a.push_back(s.dims[i]);
  return a;
}

nlohmann::ordered_json quant_json(const TensorSummary& t) {
  if (t.num_scales == 0) return nullptr;
  if (t.num_scales == 1) return {{"scale", t.scale}, {"zero_point", t.zero_point}};
  return {{"per_channel", t.num_scales}, {"quantized_dimension", t.quantized_dimension}};
}

nlohmann::ordered_json io_json(const ModelReport& r, const IoSummary& io) {
  const TensorSummary& t = r.tensors[static_cast<size_t>(io.tensor)];
  nlohmann::ordered_json j = {{"index", io.io_index}, {"tensor", io.tensor},     {"name", t.name},
                      {"type", type_lower(t.type)}, {"shape", shape_json(t.shape)}, {"bytes", t.bytes}};
  if (t.num_scales >= 1) {
    j["scale"] = t.scale;
    j["zero_point"] = t.zero_point;
  } else {
    j["scale"] = nullptr;
    j["zero_point"] = nullptr;
  }
  return j;
}

std::string io_lines(const ModelReport& r, const std::vector<IoSummary>& ios) {
  TextTable t({"#", "tensor", "type", "shape", "bytes", "quantization", "name"}, {true, true, false, false, true});
  for (const IoSummary& io : ios) {
    const TensorSummary& s = r.tensors[static_cast<size_t>(io.tensor)];
    t.add({std::to_string(io.io_index), std::to_string(io.tensor), mote::type_name(s.type), shape_string(s.shape),
           group_digits(s.bytes), quant_text(s), short_name(s.name)});
  }
  return t.render("  ");
}

std::string arena_text(const ArenaSummary& a) {
  if (!a.known) return "arena: unknown (" + a.error + ")\n";
  const mote::ArenaPlan& p = a.plan;
  const size_t region = std::max(p.activation_bytes, p.workspace_bytes);
  const size_t region_aligned = (region + 7) / 8 * 8;
  std::string s = "arena: " + group_digits(p.total_bytes) + " bytes = activations " + group_digits(region_aligned) +
                  " + tables " + group_digits(p.table_bytes) + " + op data " + group_digits(p.op_data_bytes) + "\n";
  s += "  activations: planned peak " + group_digits(p.activation_bytes) + " bytes in " + std::to_string(p.num_buffers) +
       " buffers (lower bound " + group_digits(p.activation_lower_bound) + "); planning workspace " +
       group_digits(p.workspace_bytes) + " bytes shares this region\n";
  return s;
}

}  // namespace

uint64_t op_macs(const mote::Model& m, int index) {
  mote::OpView v = m.op(index);
  mote::TensorInfo out, w, in;
  if (v.num_outputs() < 1 || !tensor_at(m, v.output(0), &out)) return 0;
  const uint64_t out_elems = u(out.shape.elements());
  switch (v.builtin_code) {
    case static_cast<int32_t>(BuiltinOp::CONV_2D):  // filter [out_c, k_h, k_w, in_c / groups]
      if (v.num_inputs() < 2 || !tensor_at(m, v.input(1), &w) || w.shape.rank != 4) return 0;
      return out_elems * u(w.shape.span(1, 4));
    case static_cast<int32_t>(BuiltinOp::DEPTHWISE_CONV_2D):  // filter [1, k_h, k_w, out_c]
      if (v.num_inputs() < 2 || !tensor_at(m, v.input(1), &w) || w.shape.rank != 4) return 0;
      return out_elems * u(w.shape.span(1, 3));
    case static_cast<int32_t>(BuiltinOp::FULLY_CONNECTED):  // weights [units, input features]
      if (v.num_inputs() < 2 || !tensor_at(m, v.input(1), &w) || w.shape.rank != 2) return 0;
      return out_elems * u(w.shape.dims[1]);
    case static_cast<int32_t>(BuiltinOp::TRANSPOSE_CONV):  // (output shape, filter [out_c, k_h, k_w, in_c], input)
      if (v.num_inputs() < 3 || !tensor_at(m, v.input(1), &w) || !tensor_at(m, v.input(2), &in) || w.shape.rank != 4)
        return 0;
      return u(in.shape.elements()) * u(w.shape.span(0, 3));
    default: return 0;
  }
}

ModelReport make_report(const mote::Model& m, const mote::OpResolver& resolver) {
  ModelReport r;
  r.model_bytes = m.size();
  r.schema_version = m.schema_version();
  r.description = m.description() ? m.description() : "";
  r.num_subgraphs = m.num_subgraphs();
  std::set<const uint8_t*> seen_constants;
  for (int32_t t = 0; t < m.num_tensors(); ++t) {
    r.tensors.push_back(summarize_tensor(m, t));
    mote::TensorInfo ti = m.tensor(t);
    if (ti.is_constant() && seen_constants.insert(ti.const_data).second) r.weight_bytes += ti.bytes;
  }
  for (int i = 0; i < m.num_inputs(); ++i) r.inputs.push_back({i, m.input_tensor(i)});
  for (int i = 0; i < m.num_outputs(); ++i) r.outputs.push_back({i, m.output_tensor(i)});
  for (int o = 0; o < m.num_ops(); ++o) {
    mote::OpView v = m.op(o);
    LayerSummary l;
    l.index = o;
    l.op = v.name();
    l.code = v.builtin_code;
    l.version = v.version;
    l.supported = v.builtin_code != mote::kCustomOpCode && mote::is_supported_op(v.builtin_code) &&
                  resolver.find(v.builtin_code) != nullptr;
    for (int i = 0; i < v.num_inputs(); ++i) l.inputs.push_back(v.input(i));
    for (int j = 0; j < v.num_outputs(); ++j) l.outputs.push_back(v.output(j));
    l.macs = op_macs(m, o);
    r.macs += l.macs;
    auto it = std::find_if(r.ops.begin(), r.ops.end(), [&](const OpSummary& s) { return s.name == l.op; });
    if (it == r.ops.end()) r.ops.push_back({l.op, l.code, 1, l.supported});
    else ++it->count;
    r.layers.push_back(std::move(l));
  }
  std::vector<uint64_t> work((mote::Interpreter::workspace_bytes(m) + 7) / 8 + 1);
  mote::Error err;
  mote::Status s = mote::Interpreter::plan(m, resolver, work.data(), work.size() * 8, &r.arena.plan, &err);
  r.arena.known = s == mote::Status::kOk;
  if (!r.arena.known) r.arena.error = err.message[0] ? err.message : mote::status_name(s);
  return r;
}

std::string report_text(const ModelReport& r, const std::string& model_name) {
  std::string s = "model: " + model_name + " (" + group_digits(r.model_bytes) + " bytes, schema " +
                  std::to_string(r.schema_version) + ", " + std::to_string(r.num_subgraphs) +
                  (r.num_subgraphs == 1 ? " subgraph)\n" : " subgraphs; only subgraph 0 runs)\n");
  if (!r.description.empty()) s += "description: " + r.description + "\n";

  int unsupported = 0;
  TextTable ops({"op", "count", "status"}, {false, true, false});
  for (const OpSummary& o : r.ops) {
    ops.add({o.name, std::to_string(o.count), o.supported ? "supported" : "UNSUPPORTED"});
    if (!o.supported) ++unsupported;
  }
  s += "\nops: " + std::to_string(r.layers.size()) + " in " + std::to_string(r.ops.size()) + (r.ops.size() == 1 ? " kind" : " kinds") +
       (unsupported ? ", " + std::to_string(unsupported) + " unsupported" : std::string(", all supported")) + "\n";
  s += ops.render("  ");

  s += "\ninputs:\n" + io_lines(r, r.inputs);
  s += "\noutputs:\n" + io_lines(r, r.outputs);

  TextTable layers({"#", "op", "inputs", "output", "MACs"}, {true, false, false, false, true});
  for (const LayerSummary& l : r.layers) {
    std::string ins;
    for (int32_t t : l.inputs) ins += (ins.empty() ? "" : ",") + std::to_string(t);
    std::string out = l.outputs.empty() ? "-" : shape_string(r.tensors[static_cast<size_t>(l.outputs[0])].shape);
    layers.add({std::to_string(l.index), l.supported ? l.op : l.op + " (unsupported)", ins, out,
                l.macs ? group_digits(l.macs) : "-"});
  }
  s += "\nlayers:\n" + layers.render("  ");
  s += "  total MACs: " + group_digits(r.macs) + "\n";

  TextTable tensors({"#", "kind", "type", "shape", "bytes", "quantization", "name"}, {true, false, false, false, true});
  for (const TensorSummary& t : r.tensors)
    tensors.add({std::to_string(t.index), kind_name(t.kind), mote::type_name(t.type), shape_string(t.shape),
                 group_digits(t.bytes), quant_text(t), short_name(t.name)});
  s += "\ntensors: " + std::to_string(r.tensors.size()) + "\n" + tensors.render("  ");

  s += "\nweights: " + group_digits(r.weight_bytes) + " bytes (constant tensors)\n";
  s += arena_text(r.arena);
  return s;
}

nlohmann::ordered_json report_json(const ModelReport& r, const std::string& model_name) {
  nlohmann::ordered_json j;
  j["model"] = model_name;
  j["model_bytes"] = r.model_bytes;
  j["schema_version"] = r.schema_version;
  j["description"] = r.description;
  j["subgraphs"] = r.num_subgraphs;
  j["ops"] = nlohmann::ordered_json::array();
  for (const OpSummary& o : r.ops)
    j["ops"].push_back({{"name", o.name}, {"code", o.code}, {"count", o.count}, {"supported", o.supported}});
  j["inputs"] = nlohmann::ordered_json::array();
  for (const IoSummary& io : r.inputs) j["inputs"].push_back(io_json(r, io));
  j["outputs"] = nlohmann::ordered_json::array();
  for (const IoSummary& io : r.outputs) j["outputs"].push_back(io_json(r, io));
  j["tensors"] = nlohmann::ordered_json::array();
  for (const TensorSummary& t : r.tensors)
    j["tensors"].push_back({{"index", t.index},        {"name", t.name},   {"type", type_lower(t.type)},
                            {"shape", shape_json(t.shape)}, {"bytes", t.bytes}, {"kind", kind_name(t.kind)},
                            {"quantization", quant_json(t)}});
  j["layers"] = nlohmann::ordered_json::array();
  for (const LayerSummary& l : r.layers)
    j["layers"].push_back({{"index", l.index},       {"op", l.op},           {"code", l.code},
                           {"version", l.version},   {"supported", l.supported}, {"inputs", l.inputs},
                           {"outputs", l.outputs},   {"macs", l.macs}});
  j["macs"] = r.macs;
  j["weight_bytes"] = r.weight_bytes;
  if (r.arena.known) {
    const mote::ArenaPlan& p = r.arena.plan;
    j["arena_bytes"] = p.total_bytes;
    j["arena"] = {{"known", true},
                  {"total_bytes", p.total_bytes},
                  {"activation_bytes", p.activation_bytes},
                  {"activation_lower_bound", p.activation_lower_bound},
                  {"workspace_bytes", p.workspace_bytes},
                  {"table_bytes", p.table_bytes},
                  {"op_data_bytes", p.op_data_bytes},
                  {"num_buffers", p.num_buffers}};
  } else {
    j["arena_bytes"] = nullptr;
    j["arena"] = {{"known", false}, {"error", r.arena.error}};
  }
  return j;
}

}  // namespace mote::host
