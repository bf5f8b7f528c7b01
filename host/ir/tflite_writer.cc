#include "host/ir/tflite_writer.h"

#include <unordered_map>

#include "host/error.h"
#include "host/files.h"
#include "host/ir/flatbuffer_builder.h"
#include "host/ir/tflite_schema.h"

namespace mote::ir {

namespace {

namespace s = schema;
using Ref = FlatBufferBuilder::Ref;
using host::HostError;

constexpr size_t kBufferAlignment = 16;

uint64_t fnv1a(const std::vector<uint8_t>& v) {
  uint64_t h = 1469598103934665603ull;
  for (uint8_t c : v) h = (h ^ c) * 1099511628211ull;
  return h;
}

class Writer {
 public:
  Writer(const Graph& g, const WriteOptions& o) : g_(g), opt_(o) {}
  std::vector<uint8_t> run();

 private:
  uint32_t assign_buffer(const std::vector<uint8_t>& data);
  Ref write_buffers();
  Ref write_quantization(const Quantization& q);
  Ref write_tensor(size_t t);
  Ref write_options(const BuiltinOptions& o, const std::string& where);
  uint32_t opcode_index(const Op& op);
  Ref write_op(size_t o);
  Ref write_opcodes();
  Ref write_metadata();
  Ref write_tensor_maps(const std::vector<TensorMap>& maps);
  Ref write_signatures();
  template <typename T>
  Ref vec(const std::vector<T>& v, size_t align = 0) {
    return b_.create_vector(v, align);
  }

  const Graph& g_;
  WriteOptions opt_;
  FlatBufferBuilder b_;
  std::vector<const std::vector<uint8_t>*> buffers_;  // buffer index -> bytes (nullptr: empty)
  std::unordered_multimap<uint64_t, uint32_t> by_hash_;
  std::vector<uint32_t> tensor_buffer_, metadata_buffer_;
  struct Code {
    int32_t code, version;
    std::string custom;
  };
  std::vector<Code> codes_;
  std::vector<uint32_t> op_code_index_;
};

uint32_t Writer::assign_buffer(const std::vector<uint8_t>& data) {
  if (data.empty()) return 0;
  const uint64_t h = fnv1a(data);
  if (opt_.share_identical_buffers) {
    auto range = by_hash_.equal_range(h);
    for (auto it = range.first; it != range.second; ++it)
      if (*buffers_[it->second] == data) return it->second;
  }
  buffers_.push_back(&data);
  const uint32_t index = static_cast<uint32_t>(buffers_.size() - 1);
  by_hash_.emplace(h, index);
  return index;
}

// Buffer data is written last-index first, so in the file the buffers appear in index order.
Ref Writer::write_buffers() {
  std::vector<Ref> tables(buffers_.size());
  for (size_t i = buffers_.size(); i-- > 1;) {
    const Ref data = b_.create_vector(*buffers_[i], kBufferAlignment);
    b_.start_table();
    b_.add_offset(s::buffer::kData, data);
    tables[i] = b_.end_table();
  }
  b_.start_table();  // buffer 0: the empty sentinel
  tables[0] = b_.end_table();
  return b_.create_offset_vector(tables);
}

Ref Writer::write_quantization(const Quantization& q) {
  const Ref min = q.min.empty() ? 0 : vec(q.min);
  const Ref max = q.max.empty() ? 0 : vec(q.max);
  const Ref scale = q.scales.empty() ? 0 : vec(q.scales);
  const Ref zp = q.zero_points.empty() ? 0 : vec(q.zero_points);
  b_.start_table();
  if (min) b_.add_offset(s::quant::kMin, min);
  if (max) b_.add_offset(s::quant::kMax, max);
  if (scale) b_.add_offset(s::quant::kScale, scale);
  if (zp) b_.add_offset(s::quant::kZeroPoint, zp);
  if (q.quantized_dimension != 0) b_.add_scalar<int32_t>(s::quant::kQuantizedDimension, q.quantized_dimension);
  return b_.end_table();
}

Ref Writer::write_tensor(size_t index) {
  const Tensor& t = g_.tensors[index];
  const Ref shape = vec(t.shape);
  const Ref name = b_.create_string(t.name);
  const Ref quant = t.quant.empty() ? 0 : write_quantization(t.quant);
  const Ref signature = t.shape_signature.empty() ? 0 : vec(t.shape_signature);
  b_.start_table();
  b_.add_offset(s::tensor::kShape, shape);
  b_.add_scalar<uint8_t>(s::tensor::kType, static_cast<uint8_t>(t.type));
  b_.add_scalar<uint32_t>(s::tensor::kBuffer, tensor_buffer_[index]);
  b_.add_offset(s::tensor::kName, name);
  if (quant) b_.add_offset(s::tensor::kQuantization, quant);
  if (t.is_variable) b_.add_scalar<uint8_t>(s::tensor::kIsVariable, 1);
  if (signature) b_.add_offset(s::tensor::kShapeSignature, signature);
  if (t.has_rank) b_.add_scalar<uint8_t>(s::tensor::kHasRank, 1);
  return b_.end_table();
}

Ref Writer::write_options(const BuiltinOptions& o, const std::string& where) {
  const int n = options_field_count(o.type);
  // Offset-typed fields (vectors, strings) are written before the table.
  std::vector<std::pair<int, Ref>> children;
  for (const auto& [id, v] : o.fields) {
    if (id < 0 || id >= n)
      throw HostError(where + ": " + options_type_name(o.type) + " has no field " + std::to_string(id));
    if (options_field_kind(o.type, id) != v.kind)
      throw HostError(where + ": " + options_type_name(o.type) + " field " + std::to_string(id) + " is " +
                      field_kind_name(options_field_kind(o.type, id)) + ", the IR holds " + field_kind_name(v.kind));
    if (v.kind == FieldKind::kInt32Vector) children.emplace_back(id, vec(v.ints));
    if (v.kind == FieldKind::kFloat32Vector) children.emplace_back(id, vec(v.floats));
    if (v.kind == FieldKind::kString) children.emplace_back(id, b_.create_string(v.str));
  }
  b_.start_table();
  for (const auto& [id, ref] : children) b_.add_offset(id, ref);
  for (const auto& [id, v] : o.fields) {
    switch (v.kind) {
      case FieldKind::kBool: b_.add_scalar<uint8_t>(id, v.i ? 1 : 0); break;
      case FieldKind::kInt8: b_.add_scalar<int8_t>(id, static_cast<int8_t>(v.i)); break;
      case FieldKind::kInt32: b_.add_scalar<int32_t>(id, static_cast<int32_t>(v.i)); break;
      case FieldKind::kUInt32: b_.add_scalar<uint32_t>(id, static_cast<uint32_t>(v.i)); break;
      case FieldKind::kInt64: b_.add_scalar<int64_t>(id, v.i); break;
      case FieldKind::kFloat32: b_.add_scalar<float>(id, v.f); break;
      default: break;  // offset kinds added above
    }
  }
  return b_.end_table();
}

uint32_t Writer::opcode_index(const Op& op) {
  for (size_t i = 0; i < codes_.size(); ++i)
    if (codes_[i].code == op.code && codes_[i].version == op.version && codes_[i].custom == op.custom_code)
      return static_cast<uint32_t>(i);
  codes_.push_back(Code{op.code, op.version, op.custom_code});
  return static_cast<uint32_t>(codes_.size() - 1);
}

Ref Writer::write_op(size_t index) {
  const Op& op = g_.ops[index];
  const std::string where = "op " + std::to_string(index) + " (" + op.name() + ")";
  const Ref inputs = vec(op.inputs);
  const Ref outputs = vec(op.outputs);
  const Ref options = op.options.type == 0 ? 0 : write_options(op.options, where);
  const Ref custom = op.custom_options.empty() ? 0 : vec(op.custom_options);
  const Ref mutating = op.mutating_variable_inputs.empty() ? 0 : vec(op.mutating_variable_inputs);
  const Ref intermediates = op.intermediates.empty() ? 0 : vec(op.intermediates);
  b_.start_table();
  b_.add_scalar<uint32_t>(s::op::kOpcodeIndex, op_code_index_[index]);
  b_.add_offset(s::op::kInputs, inputs);
  b_.add_offset(s::op::kOutputs, outputs);
  if (options) {
    b_.add_scalar<uint8_t>(s::op::kBuiltinOptionsType, op.options.type);
    b_.add_offset(s::op::kBuiltinOptions, options);
  }
  if (custom) b_.add_offset(s::op::kCustomOptions, custom);
  if (op.custom_options_format != 0) b_.add_scalar<int8_t>(s::op::kCustomOptionsFormat, op.custom_options_format);
  if (mutating) b_.add_offset(s::op::kMutatingVariableInputs, mutating);
  if (intermediates) b_.add_offset(s::op::kIntermediates, intermediates);
  return b_.end_table();
}

Ref Writer::write_opcodes() {
  std::vector<Ref> tables;
  for (const Code& c : codes_) {
    const Ref custom = c.custom.empty() ? 0 : b_.create_string(c.custom);
    b_.start_table();
    const int32_t dep = c.code < s::kMaxDeprecatedBuiltinCode ? c.code : s::kMaxDeprecatedBuiltinCode;
    b_.add_scalar<int8_t>(s::opcode::kDeprecatedBuiltinCode, static_cast<int8_t>(dep));
    if (custom) b_.add_offset(s::opcode::kCustomCode, custom);
    b_.add_scalar<int32_t>(s::opcode::kVersion, c.version);
    b_.add_scalar<int32_t>(s::opcode::kBuiltinCode, c.code);
    tables.push_back(b_.end_table());
  }
  return b_.create_offset_vector(tables);
}

Ref Writer::write_metadata() {
  std::vector<Ref> tables;
  for (size_t i = 0; i < g_.metadata.size(); ++i) {
    const Ref name = b_.create_string(g_.metadata[i].name);
    b_.start_table();
    b_.add_offset(s::metadata::kName, name);
    b_.add_scalar<uint32_t>(s::metadata::kBuffer, metadata_buffer_[i]);
    tables.push_back(b_.end_table());
  }
  return b_.create_offset_vector(tables);
}

Ref Writer::write_tensor_maps(const std::vector<TensorMap>& maps) {
  std::vector<Ref> tables;
  for (const TensorMap& m : maps) {
    const Ref name = b_.create_string(m.name);
    b_.start_table();
    b_.add_offset(s::tensor_map::kName, name);
    b_.add_scalar<uint32_t>(s::tensor_map::kTensorIndex, static_cast<uint32_t>(m.tensor));
    tables.push_back(b_.end_table());
  }
  return b_.create_offset_vector(tables);
}

Ref Writer::write_signatures() {
  std::vector<Ref> tables;
  for (const SignatureDef& sd : g_.signatures) {
    const Ref inputs = write_tensor_maps(sd.inputs);
    const Ref outputs = write_tensor_maps(sd.outputs);
    const Ref key = b_.create_string(sd.key);
    b_.start_table();
    b_.add_offset(s::signature::kInputs, inputs);
    b_.add_offset(s::signature::kOutputs, outputs);
    b_.add_offset(s::signature::kSignatureKey, key);
    b_.add_scalar<uint32_t>(s::signature::kSubgraphIndex, 0);
    tables.push_back(b_.end_table());
  }
  return b_.create_offset_vector(tables);
}

std::vector<uint8_t> Writer::run() {
  g_.validate();
  buffers_.push_back(nullptr);  // buffer 0
  for (const Tensor& t : g_.tensors) tensor_buffer_.push_back(assign_buffer(t.data));
  for (const Metadata& m : g_.metadata) metadata_buffer_.push_back(assign_buffer(m.data));
  for (const Op& op : g_.ops) op_code_index_.push_back(opcode_index(op));

  // Back to front: what is written first ends up last in the file (the constant data).
  const Ref buffers = write_buffers();
  const Ref metadata = g_.metadata.empty() ? 0 : write_metadata();
  const Ref signatures = g_.signatures.empty() ? 0 : write_signatures();
  std::vector<Ref> ops(g_.ops.size()), tensors(g_.tensors.size());
  for (size_t o = g_.ops.size(); o-- > 0;) ops[o] = write_op(o);
  for (size_t t = g_.tensors.size(); t-- > 0;) tensors[t] = write_tensor(t);
  const Ref op_vec = b_.create_offset_vector(ops);
  const Ref tensor_vec = b_.create_offset_vector(tensors);
  const Ref inputs = vec(g_.inputs);
  const Ref outputs = vec(g_.outputs);
  const Ref sg_name = b_.create_string(g_.name);
  b_.start_table();
  b_.add_offset(s::subgraph::kTensors, tensor_vec);
  b_.add_offset(s::subgraph::kInputs, inputs);
  b_.add_offset(s::subgraph::kOutputs, outputs);
  b_.add_offset(s::subgraph::kOperators, op_vec);
  b_.add_offset(s::subgraph::kName, sg_name);
  const Ref subgraphs = b_.create_offset_vector({b_.end_table()});
  const Ref opcodes = write_opcodes();
  const Ref description = b_.create_string(g_.description);

  b_.start_table();
  b_.add_scalar<uint32_t>(s::model::kVersion, s::kVersion);
  b_.add_offset(s::model::kOperatorCodes, opcodes);
  b_.add_offset(s::model::kSubgraphs, subgraphs);
  b_.add_offset(s::model::kDescription, description);
  b_.add_offset(s::model::kBuffers, buffers);
  if (metadata) b_.add_offset(s::model::kMetadata, metadata);
  if (signatures) b_.add_offset(s::model::kSignatureDefs, signatures);
  const Ref root = b_.end_table();
  return b_.finish(root, s::kFileIdentifier);
}

}  // namespace

std::vector<uint8_t> write_tflite(const Graph& graph, const WriteOptions& options) { return Writer(graph, options).run(); }

void write_tflite_file(const Graph& graph, const std::string& path, const WriteOptions& options) {
  std::vector<uint8_t> bytes = write_tflite(graph, options);
  host::write_file(path, bytes.data(), bytes.size());
}

}  // namespace mote::ir
