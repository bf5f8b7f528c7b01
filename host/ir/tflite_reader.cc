#include "host/ir/tflite_reader.h"

#include <cstring>

#include "host/error.h"
#include "host/files.h"
#include "host/ir/tflite_schema.h"

namespace mote::ir {

namespace {

namespace s = schema;
using host::HostError;

// Options tables never have more fields than this; any present field at or beyond the known count
// (up to here) means a newer schema than mote knows.
constexpr int kMaxProbedFieldId = 64;

template <typename T>
std::vector<T> read_vector(const fb::Table& t, int id) {
  fb::Vector v = t.vector(id, sizeof(T));
  std::vector<T> out(v.count);
  for (uint32_t i = 0; i < v.count; ++i) out[i] = v.at<T>(i);
  return out;
}

std::string read_string(const fb::Table& t, int id) {
  uint32_t len = 0;
  const char* p = t.string(id, &len);
  return p ? std::string(p, len) : std::string();
}

// Everything the conversion needs to reach the raw tables of the verified model.
struct Source {
  const mote::Model& model;
  std::string name;
  fb::Table root;
  fb::Table subgraph;
  fb::Vector tensors;
  fb::Vector ops;

  [[noreturn]] void fail(const std::string& what) const { throw HostError(name + ": " + what); }
};

OptionValue read_option(const fb::Table& t, int id, FieldKind kind) {
  OptionValue v;
  v.kind = kind;
  switch (kind) {
    case FieldKind::kBool: v.i = t.scalar<uint8_t>(id, 0) != 0 ? 1 : 0; break;
    case FieldKind::kInt8: v.i = t.scalar<int8_t>(id, 0); break;
    case FieldKind::kInt32: v.i = t.scalar<int32_t>(id, 0); break;
    case FieldKind::kUInt32: v.i = t.scalar<uint32_t>(id, 0); break;
    case FieldKind::kInt64: v.i = t.scalar<int64_t>(id, 0); break;
    case FieldKind::kFloat32: v.f = t.scalar<float>(id, 0.0f); break;
    case FieldKind::kInt32Vector: v.ints = read_vector<int32_t>(t, id); break;
    case FieldKind::kFloat32Vector: v.floats = read_vector<float>(t, id); break;
    case FieldKind::kString: v.str = read_string(t, id); break;
  }
  return v;
}

// The field is present and, for offset kinds, points at something that lies inside the buffer.
bool option_readable(const fb::Table& t, int id, FieldKind kind) {
  switch (kind) {
    case FieldKind::kInt32Vector:
    case FieldKind::kFloat32Vector: return t.vector(id, 4).present;
    case FieldKind::kString: return t.string(id, nullptr) != nullptr;
    default: return true;
  }
}

BuiltinOptions read_options(const Source& src, const fb::Table& op_table, const OpView& v, int index) {
  BuiltinOptions o;
  const uint8_t type = op_table.scalar<uint8_t>(s::op::kBuiltinOptionsType, 0);
  const std::string where = "op " + std::to_string(index) + " (" + v.name() + ")";
  if (!v.options.present()) return o;  // a type without a table: no options (the runtime sees none)
  if (type == 0) src.fail(where + ": builtin options table without an options type");
  const int n = options_field_count(type);
  if (n < 0) src.fail(where + ": builtin options type " + std::to_string(type) + " is unknown to mote's IR (newer schema?)");
  for (int id = n; id < kMaxProbedFieldId; ++id)
    if (v.options.field_offset(id) != 0)
      src.fail(where + ": " + options_type_name(type) + " has field " + std::to_string(id) + " beyond the " + std::to_string(n) +
               " fields mote knows (newer schema?)");
  o.type = type;
  for (int id = 0; id < n; ++id) {
    if (v.options.field_offset(id) == 0) continue;
    const FieldKind kind = options_field_kind(type, id);
    if (!option_readable(v.options, id, kind))
      src.fail(where + ": " + options_type_name(type) + " field " + std::to_string(id) + " (" + field_kind_name(kind) +
               ") lies outside the file");
    o.fields[id] = read_option(v.options, id, kind);
  }
  return o;
}

Quantization read_quantization(const Source& src, const fb::Table& t, int index) {
  Quantization q;
  fb::Table qt = t.table(s::tensor::kQuantization);
  if (!qt.present()) return q;
  if (qt.scalar<uint8_t>(s::quant::kDetailsType, 0) != 0 || qt.field_offset(s::quant::kDetails) != 0)
    src.fail("tensor " + std::to_string(index) + ": custom quantization details are not supported");
  q.min = read_vector<float>(qt, s::quant::kMin);
  q.max = read_vector<float>(qt, s::quant::kMax);
  q.scales = read_vector<float>(qt, s::quant::kScale);
  q.zero_points = read_vector<int64_t>(qt, s::quant::kZeroPoint);
  q.quantized_dimension = qt.scalar<int32_t>(s::quant::kQuantizedDimension, 0);
  return q;
}

Tensor read_tensor(const Source& src, int32_t index) {
  const TensorInfo info = src.model.tensor(index);
  const fb::Table t = src.subgraph.table_at(src.tensors, static_cast<uint32_t>(index));
  const std::string where = "tensor " + std::to_string(index);
  if (t.field_offset(s::tensor::kVariantTensors) != 0) src.fail(where + ": variant sub-types are not supported");
  if (t.scalar<uint32_t>(s::tensor::kExternalBuffer, 0) != 0) src.fail(where + ": external buffers are not supported");
  Tensor out;
  out.name = info.name ? info.name : "";
  out.type = info.type;
  out.shape = read_vector<int32_t>(t, s::tensor::kShape);
  out.shape_signature = read_vector<int32_t>(t, s::tensor::kShapeSignature);
  out.has_rank = t.scalar<uint8_t>(s::tensor::kHasRank, 0) != 0;
  out.quant = read_quantization(src, t, index);
  out.is_variable = info.is_variable;
  if (info.const_data != nullptr) out.data.assign(info.const_data, info.const_data + info.bytes);
  return out;
}

void check_tensor_indices(const Source& src, const std::vector<int32_t>& v, const std::string& where) {
  for (int32_t t : v)
    if (t < 0 || t >= src.model.num_tensors())
      src.fail(where + ": tensor index " + std::to_string(t) + " out of range [0, " + std::to_string(src.model.num_tensors()) + ")");
}

Op read_op(const Source& src, int index) {
  const OpView v = src.model.op(index);
  const fb::Table t = src.subgraph.table_at(src.ops, static_cast<uint32_t>(index));
  const std::string where = "op " + std::to_string(index) + " (" + v.name() + ")";
  if (t.scalar<uint8_t>(s::op::kBuiltinOptions2Type, 0) != 0 || t.field_offset(s::op::kBuiltinOptions2) != 0)
    src.fail(where + ": builtin_options_2 (StableHLO options) is not supported");
  if (t.scalar<uint64_t>(s::op::kLargeCustomOptionsOffset, 0) > 1)
    src.fail(where + ": custom options stored outside the FlatBuffer (models over 2 GiB) are not supported");
  Op op;
  op.code = v.builtin_code;
  op.version = v.version;
  op.custom_code = v.custom_code ? v.custom_code : "";
  op.inputs = read_vector<int32_t>(t, s::op::kInputs);
  op.outputs = read_vector<int32_t>(t, s::op::kOutputs);
  op.options = read_options(src, t, v, index);
  op.custom_options = read_vector<uint8_t>(t, s::op::kCustomOptions);
  op.custom_options_format = t.scalar<int8_t>(s::op::kCustomOptionsFormat, 0);
  op.mutating_variable_inputs = read_vector<uint8_t>(t, s::op::kMutatingVariableInputs);
  op.intermediates = read_vector<int32_t>(t, s::op::kIntermediates);
  check_tensor_indices(src, op.intermediates, where + " intermediate");
  return op;
}

// Bytes of buffer `b` (inline data, or the offset/size form the verifier checked for tensors).
std::vector<uint8_t> read_buffer(const Source& src, uint32_t b, const std::string& where) {
  fb::Vector buffers = src.root.vector(s::model::kBuffers, 4);
  if (b >= buffers.count) src.fail(where + ": buffer index " + std::to_string(b) + " out of range [0, " + std::to_string(buffers.count) + ")");
  fb::Table bt = src.root.table_at(buffers, b);
  if (!bt.present()) src.fail(where + ": buffer " + std::to_string(b) + " lies outside the file");
  fb::Vector data = bt.vector(s::buffer::kData, 1);
  if (data.present && data.count > 0) return std::vector<uint8_t>(data.data, data.data + data.count);
  const uint64_t off = bt.scalar<uint64_t>(s::buffer::kOffset, 0);
  const uint64_t size = bt.scalar<uint64_t>(s::buffer::kSize, 0);
  if (off > 1 && size > 0) {
    if (off > src.model.size() || size > src.model.size() - off) src.fail(where + ": buffer " + std::to_string(b) + " lies outside the file");
    const uint8_t* p = src.model.data() + off;
    return std::vector<uint8_t>(p, p + size);
  }
  return {};
}

// Calls f(table, where) for each table of the vector field `id` of `parent`.
template <typename F>
void for_each_table(const Source& src, const fb::Table& parent, int id, const std::string& what, F f) {
  fb::Vector list = parent.vector(id, 4);
  for (uint32_t i = 0; i < list.count; ++i) {
    const std::string where = what + " " + std::to_string(i);
    fb::Table t = parent.table_at(list, i);
    if (!t.present()) src.fail(where + ": table lies outside the file");
    f(t, where);
  }
}

void read_metadata(const Source& src, Graph* g) {
  for_each_table(src, src.root, s::model::kMetadata, "metadata", [&](const fb::Table& m, const std::string& where) {
    Metadata md;
    md.name = read_string(m, s::metadata::kName);
    md.data = read_buffer(src, m.scalar<uint32_t>(s::metadata::kBuffer, 0), where + " (" + md.name + ")");
    g->metadata.push_back(std::move(md));
  });
}

std::vector<TensorMap> read_tensor_maps(const Source& src, const fb::Table& sig, int id, const std::string& what) {
  std::vector<TensorMap> out;
  for_each_table(src, sig, id, what, [&](const fb::Table& m, const std::string& where) {
    TensorMap tm;
    tm.name = read_string(m, s::tensor_map::kName);
    const uint32_t t = m.scalar<uint32_t>(s::tensor_map::kTensorIndex, 0);
    if (t >= static_cast<uint32_t>(src.model.num_tensors()))
      src.fail(where + " (" + tm.name + "): tensor index " + std::to_string(t) + " out of range [0, " +
               std::to_string(src.model.num_tensors()) + ")");
    tm.tensor = static_cast<int32_t>(t);
    out.push_back(std::move(tm));
  });
  return out;
}

void read_signatures(const Source& src, Graph* g) {
  for_each_table(src, src.root, s::model::kSignatureDefs, "signature", [&](const fb::Table& sig, const std::string& where) {
    SignatureDef sd;
    sd.key = read_string(sig, s::signature::kSignatureKey);
    const uint32_t sg = sig.scalar<uint32_t>(s::signature::kSubgraphIndex, 0);
    if (sg != 0) src.fail(where + " (" + sd.key + "): refers to subgraph " + std::to_string(sg) + "; the IR holds subgraph 0 only");
    sd.inputs = read_tensor_maps(src, sig, s::signature::kInputs, where + " input");
    sd.outputs = read_tensor_maps(src, sig, s::signature::kOutputs, where + " output");
    g->signatures.push_back(std::move(sd));
  });
}

}  // namespace

Graph graph_from_model(const mote::Model& model, const std::string& name) {
  if (!model.loaded()) throw HostError(name + ": model is not loaded");
  if (model.num_subgraphs() != 1)
    throw HostError(name + ": model has " + std::to_string(model.num_subgraphs()) +
                    " subgraphs; the IR holds one (control-flow models are not supported)");
  Source src{model, name, fb::Table::root(model.data(), model.size()), {}, {}, {}};
  src.subgraph = src.root.table_at(src.root.vector(s::model::kSubgraphs, 4), 0);
  src.tensors = src.subgraph.vector(s::subgraph::kTensors, 4);
  src.ops = src.subgraph.vector(s::subgraph::kOperators, 4);

  Graph g;
  g.description = model.description() ? model.description() : "";
  g.name = read_string(src.subgraph, s::subgraph::kName);
  for (int32_t t = 0; t < model.num_tensors(); ++t) g.tensors.push_back(read_tensor(src, t));
  for (int o = 0; o < model.num_ops(); ++o) g.ops.push_back(read_op(src, o));
  for (int i = 0; i < model.num_inputs(); ++i) g.inputs.push_back(model.input_tensor(i));
  for (int i = 0; i < model.num_outputs(); ++i) g.outputs.push_back(model.output_tensor(i));
  read_metadata(src, &g);
  read_signatures(src, &g);
  return g;
}

Graph read_tflite(const uint8_t* data, size_t size, const std::string& name) {
  if (size == 0) throw HostError(name + ": model is empty");
  host::AlignedBuffer buf(size);
  std::memcpy(buf.data(), data, size);
  mote::Model model;
  mote::Error err;
  const Status st = model.load(buf.data(), buf.size(), &err);
  if (st != Status::kOk) throw HostError(name + ": not a valid model (" + status_name(st) + "): " + err.message);
  return graph_from_model(model, name);
}

Graph read_tflite_file(const std::string& path) {
  std::unique_ptr<host::LoadedModel> m = host::load_model(path);
  return graph_from_model(m->model, path);
}

}  // namespace mote::ir
