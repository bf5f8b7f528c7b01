#include "runtime/model.h"

namespace mote {

namespace {

// Field ids of the .tflite schema tables (0-based declaration order; a union takes two ids).
namespace model_f { enum : int { kVersion = 0, kOpCodes = 1, kSubgraphs = 2, kDescription = 3, kBuffers = 4 }; }
namespace opcode_f { enum : int { kDeprecatedCode = 0, kCustomCode = 1, kVersion = 2, kBuiltinCode = 3 }; }
namespace subgraph_f { enum : int { kTensors = 0, kInputs = 1, kOutputs = 2, kOperators = 3, kName = 4 }; }
namespace tensor_f { enum : int { kShape = 0, kType = 1, kBuffer = 2, kName = 3, kQuant = 4, kIsVariable = 5, kSparsity = 6, kShapeSignature = 7 }; }
namespace quant_f { enum : int { kMin = 0, kMax = 1, kScale = 2, kZeroPoint = 3, kDetailsType = 4, kDetails = 5, kQuantDim = 6 }; }
namespace op_f {
enum : int {
  kOpcodeIndex = 0, kInputs = 1, kOutputs = 2, kOptionsType = 3, kOptions = 4, kCustomOptions = 5,
  kMutatingVariableInputs = 7, kIntermediates = 8, kOptions2Type = 11, kOptions2 = 12
};
}
namespace buffer_f { enum : int { kData = 0, kOffset = 1, kSize = 2 }; }

constexpr uint32_t kSchemaVersion = 3;
constexpr int32_t kMaxBuiltinCode = 209;
constexpr uint64_t kMaxTensorBytes = 0x7FFFFFFFull;

Status structural(Error* err, const char* where, uint32_t a, uint32_t b, const fb::Problem& p) {
  return fail(err, Status::kMalformedModel, "%s %u%s%u: %s (at byte %llu: %llu vs limit %llu)", where, static_cast<unsigned>(a),
              b == UINT32_MAX ? "" : ".", static_cast<unsigned>(b == UINT32_MAX ? 0u : b), p.what,
              static_cast<unsigned long long>(p.pos), static_cast<unsigned long long>(p.value),
              static_cast<unsigned long long>(p.limit));
}

bool is_finite(float f) { return f == f && f <= 3.402823466e+38f && f >= -3.402823466e+38f; }

}  // namespace

const char* OpView::name() const {
  if (builtin_code == kCustomOpCode && custom_code != nullptr) return custom_code;
  const char* n = builtin_op_name(builtin_code);
  return n ? n : "UNKNOWN";
}

Status Model::load(const uint8_t* data, size_t size, Error* err) {
  *this = Model();
  if (data == nullptr) return fail(err, Status::kInvalidArgument, "model pointer is null");
  if (size < 8) return fail(err, Status::kMalformedModel, "model is %zu bytes; a .tflite file has at least 8", size);
  if (size > kMaxModelBytes) return fail(err, Status::kMalformedModel, "model is %zu bytes; at most 2 GiB is supported", size);
  if ((reinterpret_cast<uintptr_t>(data) & 3u) != 0)
    return fail(err, Status::kInvalidArgument, "model buffer at %p is not 4-byte aligned (keep models 16-byte aligned)",
                static_cast<const void*>(data)) ;
  data_ = data;
  size_ = size;
  Status s = verify_root(err);
  if (s == Status::kOk) s = verify_opcodes(err);
  if (s == Status::kOk) s = verify_buffers(err);
  for (uint32_t g = 0; s == Status::kOk && g < num_subgraphs_; ++g) {
    fb::Vector sgs = root_.vector(model_f::kSubgraphs, 4);
    s = verify_subgraph(root_.table_at(sgs, g), g, err);
  }
  if (s != Status::kOk) *this = Model();
  return s;
}

Status Model::verify_root(Error* err) {
  fb::Problem p;
  uint32_t root_pos = fb::load<uint32_t>(data_);
  if (!fb::check_table(data_, size_, root_pos, &p)) return structural(err, "root table", 0, UINT32_MAX, p);
  root_ = fb::Table::at(data_, size_, root_pos);
  if (!fb::check_scalar_field(root_, model_f::kVersion, 4, &p)) return structural(err, "model", 0, UINT32_MAX, p);
  version_ = root_.scalar<uint32_t>(model_f::kVersion, 0);
  if (version_ != kSchemaVersion)
    return fail(err, Status::kUnsupported, "schema version %u; mote reads version %u .tflite files", static_cast<unsigned>(version_), static_cast<unsigned>(kSchemaVersion));
  if (!fb::check_string_field(root_, model_f::kDescription, &p)) return structural(err, "model description", 0, UINT32_MAX, p);
  description_ = root_.string(model_f::kDescription, nullptr);
  if (!fb::check_vector_field(root_, model_f::kOpCodes, 4, &p)) return structural(err, "operator_codes", 0, UINT32_MAX, p);
  if (!fb::check_vector_field(root_, model_f::kBuffers, 4, &p)) return structural(err, "buffers", 0, UINT32_MAX, p);
  if (!fb::check_vector_field(root_, model_f::kSubgraphs, 4, &p)) return structural(err, "subgraphs", 0, UINT32_MAX, p);
  opcodes_ = root_.vector(model_f::kOpCodes, 4);
  buffers_ = root_.vector(model_f::kBuffers, 4);
  fb::Vector sgs = root_.vector(model_f::kSubgraphs, 4);
  if (sgs.count == 0) return fail(err, Status::kMalformedModel, "model has no subgraph");
  num_subgraphs_ = sgs.count;
  return Status::kOk;
}

Status Model::verify_opcodes(Error* err) {
  fb::Problem p;
  for (uint32_t i = 0; i < opcodes_.count; ++i) {
    size_t elem = static_cast<size_t>(opcodes_.data - data_) + 4u * i;
    uint32_t u = fb::load<uint32_t>(opcodes_.data + 4u * i);
    if (u == 0 || u > size_ - elem || !fb::check_table(data_, size_, elem + u, &p)) {
      if (u == 0 || u > size_ - elem) p = {"offset points outside buffer", elem, u, size_};
      return structural(err, "operator_code", i, UINT32_MAX, p);
    }
    fb::Table oc = root_.table_at(opcodes_, i);
    if (!fb::check_scalar_field(oc, opcode_f::kDeprecatedCode, 1, &p) || !fb::check_scalar_field(oc, opcode_f::kVersion, 4, &p) ||
        !fb::check_scalar_field(oc, opcode_f::kBuiltinCode, 4, &p) || !fb::check_string_field(oc, opcode_f::kCustomCode, &p))
      return structural(err, "operator_code", i, UINT32_MAX, p);
    int32_t dep = oc.scalar<int8_t>(opcode_f::kDeprecatedCode, 0);
    int32_t ext = oc.scalar<int32_t>(opcode_f::kBuiltinCode, 0);
    int32_t code = dep > ext ? dep : ext;
    if (code < 0 || code > kMaxBuiltinCode)
      return fail(err, Status::kUnsupported, "operator_code %u: unknown builtin op code %d (deprecated field %d, builtin_code %d)",
                  static_cast<unsigned>(i), static_cast<int>(code), static_cast<int>(dep), static_cast<int>(ext));
  }
  return Status::kOk;
}

Status Model::verify_buffers(Error* err) {
  fb::Problem p;
  for (uint32_t i = 0; i < buffers_.count; ++i) {
    size_t elem = static_cast<size_t>(buffers_.data - data_) + 4u * i;
    uint32_t u = fb::load<uint32_t>(buffers_.data + 4u * i);
    if (u == 0 || u > size_ - elem) {
      p = {"offset points outside buffer", elem, u, size_};
      return structural(err, "buffer", i, UINT32_MAX, p);
    }
    if (!fb::check_table(data_, size_, elem + u, &p)) return structural(err, "buffer", i, UINT32_MAX, p);
    fb::Table b = root_.table_at(buffers_, i);
    if (!fb::check_vector_field(b, buffer_f::kData, 1, &p) || !fb::check_scalar_field(b, buffer_f::kOffset, 8, &p) ||
        !fb::check_scalar_field(b, buffer_f::kSize, 8, &p))
      return structural(err, "buffer", i, UINT32_MAX, p);
    uint64_t off = b.scalar<uint64_t>(buffer_f::kOffset, 0);
    uint64_t sz = b.scalar<uint64_t>(buffer_f::kSize, 0);
    if (off > 1 && (off > size_ || sz > size_ - off))
      return fail(err, Status::kMalformedModel, "buffer %u: external data at offset %llu size %llu lies outside the %zu-byte file",
                  static_cast<unsigned>(i), static_cast<unsigned long long>(off), static_cast<unsigned long long>(sz), size_);
  }
  return Status::kOk;
}

bool Model::buffer_data(uint32_t b, const uint8_t** data, size_t* bytes) const {
  *data = nullptr;
  *bytes = 0;
  if (b >= buffers_.count) return false;
  fb::Table t = root_.table_at(buffers_, b);
  fb::Vector v = t.vector(buffer_f::kData, 1);
  if (v.present && v.count > 0) {
    *data = v.data;
    *bytes = v.count;
    return true;
  }
  uint64_t off = t.scalar<uint64_t>(buffer_f::kOffset, 0);
  uint64_t sz = t.scalar<uint64_t>(buffer_f::kSize, 0);
  if (off > 1 && sz > 0 && off <= size_ && sz <= size_ - off) {
    *data = data_ + off;
    *bytes = static_cast<size_t>(sz);
    return true;
  }
  return false;
}

Shape Model::read_shape(const fb::Table& tensor) const {
  Shape s;
  fb::Vector v = tensor.vector(tensor_f::kShape, 4);
  s.rank = v.count <= static_cast<uint32_t>(kMaxRank) ? static_cast<int32_t>(v.count) : 0;
  for (int i = 0; i < s.rank; ++i) s.dims[i] = v.at<int32_t>(static_cast<uint32_t>(i));
  return s;
}

Status Model::verify_subgraph(const fb::Table& sg, uint32_t g, Error* err) {
  fb::Problem p;
  if (!sg.present()) return fail(err, Status::kMalformedModel, "subgraph %u: table outside buffer", static_cast<unsigned>(g));
  if (!fb::check_table(data_, size_, sg.position(), &p)) return structural(err, "subgraph", g, UINT32_MAX, p);
  if (!fb::check_vector_field(sg, subgraph_f::kTensors, 4, &p) || !fb::check_vector_field(sg, subgraph_f::kInputs, 4, &p) ||
      !fb::check_vector_field(sg, subgraph_f::kOutputs, 4, &p) || !fb::check_vector_field(sg, subgraph_f::kOperators, 4, &p) ||
      !fb::check_string_field(sg, subgraph_f::kName, &p))
    return structural(err, "subgraph", g, UINT32_MAX, p);
  fb::Vector tensors = sg.vector(subgraph_f::kTensors, 4);
  fb::Vector ops = sg.vector(subgraph_f::kOperators, 4);
  for (uint32_t t = 0; t < tensors.count; ++t) {
    size_t elem = static_cast<size_t>(tensors.data - data_) + 4u * t;
    uint32_t u = fb::load<uint32_t>(tensors.data + 4u * t);
    if (u == 0 || u > size_ - elem) {
      p = {"offset points outside buffer", elem, u, size_};
      return structural(err, "tensor", g, t, p);
    }
    if (!fb::check_table(data_, size_, elem + u, &p)) return structural(err, "tensor", g, t, p);
    MOTE_RETURN_IF_ERROR(verify_tensor(sg.table_at(tensors, t), g, t, err));
  }
  const int io_fields[2] = {subgraph_f::kInputs, subgraph_f::kOutputs};
  for (int f = 0; f < 2; ++f) {
    fb::Vector io = sg.vector(io_fields[f], 4);
    for (uint32_t i = 0; i < io.count; ++i) {
      int32_t t = io.at<int32_t>(i);
      if (t < 0 || static_cast<uint32_t>(t) >= tensors.count)
        return fail(err, Status::kMalformedModel, "subgraph %u %s %u: tensor index %d out of range [0, %u)", static_cast<unsigned>(g),
                    f == 0 ? "input" : "output", static_cast<unsigned>(i), static_cast<int>(t), static_cast<unsigned>(tensors.count));
    }
  }
  for (uint32_t o = 0; o < ops.count; ++o) {
    size_t elem = static_cast<size_t>(ops.data - data_) + 4u * o;
    uint32_t u = fb::load<uint32_t>(ops.data + 4u * o);
    if (u == 0 || u > size_ - elem) {
      p = {"offset points outside buffer", elem, u, size_};
      return structural(err, "operator", g, o, p);
    }
    if (!fb::check_table(data_, size_, elem + u, &p)) return structural(err, "operator", g, o, p);
    MOTE_RETURN_IF_ERROR(verify_operator(sg.table_at(ops, o), g, o, tensors.count, err));
  }
  if (g == 0) {
    subgraph_ = sg;
    tensors_ = tensors;
    ops_ = ops;
    inputs_ = sg.vector(subgraph_f::kInputs, 4);
    outputs_ = sg.vector(subgraph_f::kOutputs, 4);
  }
  return Status::kOk;
}

Status Model::verify_tensor(const fb::Table& t, uint32_t g, uint32_t index, Error* err) {
  fb::Problem p;
  if (!fb::check_vector_field(t, tensor_f::kShape, 4, &p) || !fb::check_scalar_field(t, tensor_f::kType, 1, &p) ||
      !fb::check_scalar_field(t, tensor_f::kBuffer, 4, &p) || !fb::check_string_field(t, tensor_f::kName, &p) ||
      !fb::check_table_field(t, tensor_f::kQuant, &p) || !fb::check_scalar_field(t, tensor_f::kIsVariable, 1, &p) ||
      !fb::check_vector_field(t, tensor_f::kShapeSignature, 4, &p))
    return structural(err, "tensor", g, index, p);
  if (t.field_offset(tensor_f::kSparsity) != 0)
    return fail(err, Status::kUnsupported, "tensor %u: sparse tensors are not supported", static_cast<unsigned>(index));
  fb::Vector shape = t.vector(tensor_f::kShape, 4);
  if (shape.count > static_cast<uint32_t>(kMaxRank))
    return fail(err, Status::kUnsupported, "tensor %u: rank %u exceeds the maximum of %d", static_cast<unsigned>(index), static_cast<unsigned>(shape.count), kMaxRank);
  uint8_t raw_type = t.scalar<uint8_t>(tensor_f::kType, 0);
  if (raw_type >= kNumTensorTypes) return fail(err, Status::kMalformedModel, "tensor %u: unknown type code %u", static_cast<unsigned>(index), raw_type);
  TensorType type = static_cast<TensorType>(raw_type);
  uint64_t bytes = type_size(type);
  for (uint32_t d = 0; d < shape.count; ++d) {
    int32_t dim = shape.at<int32_t>(d);
    if (dim < 0) return fail(err, Status::kUnsupported, "tensor %u: dimension %u is %d; dynamic shapes are not supported", static_cast<unsigned>(index), static_cast<unsigned>(d), static_cast<int>(dim));
    bytes *= static_cast<uint64_t>(dim);
    if (bytes > kMaxTensorBytes)
      return fail(err, Status::kMalformedModel, "tensor %u: shape byte size overflows (dimension %u = %d makes more than %llu bytes)",
                  static_cast<unsigned>(index), static_cast<unsigned>(d), static_cast<int>(dim), static_cast<unsigned long long>(kMaxTensorBytes));
  }
  uint32_t b = t.scalar<uint32_t>(tensor_f::kBuffer, 0);
  if (b >= buffers_.count && !(b == 0 && buffers_.count == 0))
    return fail(err, Status::kMalformedModel, "tensor %u: buffer index %u out of range [0, %u)", static_cast<unsigned>(index), static_cast<unsigned>(b), static_cast<unsigned>(buffers_.count));
  const uint8_t* cdata = nullptr;
  size_t cbytes = 0;
  if (buffer_data(b, &cdata, &cbytes)) {
    if (type_size(type) == 0)
      return fail(err, Status::kUnsupported, "tensor %u: constant of type %s is not supported", static_cast<unsigned>(index), type_name(type));
    if (cbytes != bytes)
      return fail(err, Status::kMalformedModel, "tensor %u: buffer %u holds %zu bytes but shape x %s needs %llu", static_cast<unsigned>(index), static_cast<unsigned>(b), cbytes,
                  type_name(type), static_cast<unsigned long long>(bytes));
    // Converters align buffers to 4 bytes only (int64 biases sit at 4-byte offsets), so 64-bit
    // constants are read with memcpy-style loads by kernels; 4-byte alignment is required.
    size_t align = type_size(type) > 4 ? 4 : type_size(type);
    if ((reinterpret_cast<uintptr_t>(cdata) & (align - 1)) != 0)
      return fail(err, Status::kInvalidArgument, "tensor %u: constant data at byte %zu is not %zu-byte aligned in memory", static_cast<unsigned>(index),
                  static_cast<size_t>(cdata - data_), align);
  }
  fb::Table q = t.table(tensor_f::kQuant);
  if (q.present()) MOTE_RETURN_IF_ERROR(verify_quantization(q, read_shape(t), g, index, err));
  return Status::kOk;
}

Status Model::verify_quantization(const fb::Table& q, const Shape& shape, uint32_t g, uint32_t index, Error* err) {
  fb::Problem p;
  if (!fb::check_vector_field(q, quant_f::kMin, 4, &p) || !fb::check_vector_field(q, quant_f::kMax, 4, &p) ||
      !fb::check_vector_field(q, quant_f::kScale, 4, &p) || !fb::check_vector_field(q, quant_f::kZeroPoint, 8, &p) ||
      !fb::check_scalar_field(q, quant_f::kDetailsType, 1, &p) || !fb::check_table_field(q, quant_f::kDetails, &p) ||
      !fb::check_scalar_field(q, quant_f::kQuantDim, 4, &p))
    return structural(err, "quantization of tensor", g, index, p);
  fb::Vector scale = q.vector(quant_f::kScale, 4);
  fb::Vector zp = q.vector(quant_f::kZeroPoint, 8);
  if (zp.count != 0 && zp.count != scale.count)
    return fail(err, Status::kMalformedModel, "tensor %u: %u zero points for %u scales", static_cast<unsigned>(index), static_cast<unsigned>(zp.count), static_cast<unsigned>(scale.count));
  for (uint32_t i = 0; i < scale.count; ++i) {
    float s = scale.at<float>(i);
    if (!is_finite(s) || s < 0.0f) return fail(err, Status::kMalformedModel, "tensor %u: scale[%u] = %f must be finite and >= 0", static_cast<unsigned>(index), static_cast<unsigned>(i), static_cast<double>(s));
  }
  int32_t qd = q.scalar<int32_t>(quant_f::kQuantDim, 0);
  if (scale.count > 1) {
    // Converters copy the filter's quantized_dimension onto rank-1 biases; accept that when the
    // vector length equals the scale count (tensor() then reports dimension 0).
    if (shape.rank == 1 && qd >= 1 && static_cast<int64_t>(scale.count) == shape.dims[0]) return Status::kOk;
    if (qd < 0 || qd >= shape.rank)
      return fail(err, Status::kMalformedModel, "tensor %u: quantized_dimension %d outside rank %d", static_cast<unsigned>(index), static_cast<int>(qd), static_cast<int>(shape.rank));
    if (static_cast<int64_t>(scale.count) != shape.dims[qd])
      return fail(err, Status::kMalformedModel, "tensor %u: %u per-channel scales but dimension %d has %d channels", static_cast<unsigned>(index),
                  static_cast<unsigned>(scale.count), static_cast<int>(qd), static_cast<int>(shape.dims[qd]));
  }
  return Status::kOk;
}

Status Model::verify_operator(const fb::Table& op, uint32_t g, uint32_t index, uint32_t num_tensors, Error* err) {
  fb::Problem p;
  if (!fb::check_scalar_field(op, op_f::kOpcodeIndex, 4, &p) || !fb::check_vector_field(op, op_f::kInputs, 4, &p) ||
      !fb::check_vector_field(op, op_f::kOutputs, 4, &p) || !fb::check_scalar_field(op, op_f::kOptionsType, 1, &p) ||
      !fb::check_table_field(op, op_f::kOptions, &p) || !fb::check_vector_field(op, op_f::kCustomOptions, 1, &p) ||
      !fb::check_vector_field(op, op_f::kMutatingVariableInputs, 1, &p) ||
      !fb::check_vector_field(op, op_f::kIntermediates, 4, &p) || !fb::check_scalar_field(op, op_f::kOptions2Type, 1, &p) ||
      !fb::check_table_field(op, op_f::kOptions2, &p))
    return structural(err, "operator", g, index, p);
  uint32_t oc = op.scalar<uint32_t>(op_f::kOpcodeIndex, 0);
  if (oc >= opcodes_.count)
    return fail(err, Status::kMalformedModel, "op %u: opcode_index %u out of range [0, %u)", static_cast<unsigned>(index), static_cast<unsigned>(oc), static_cast<unsigned>(opcodes_.count));
  const int io_fields[2] = {op_f::kInputs, op_f::kOutputs};
  for (int f = 0; f < 2; ++f) {
    fb::Vector io = op.vector(io_fields[f], 4);
    for (uint32_t i = 0; i < io.count; ++i) {
      int32_t t = io.at<int32_t>(i);
      bool optional_ok = (f == 0 && t == -1);
      if (!optional_ok && (t < 0 || static_cast<uint32_t>(t) >= num_tensors))
        return fail(err, Status::kMalformedModel, "op %u %s %u: tensor index %d out of range [0, %u)", static_cast<unsigned>(index),
                    f == 0 ? "input" : "output", static_cast<unsigned>(i), static_cast<int>(t), static_cast<unsigned>(num_tensors));
    }
  }
  return Status::kOk;
}

TensorInfo Model::tensor(int32_t index) const {
  TensorInfo info;
  fb::Table t = subgraph_.table_at(tensors_, static_cast<uint32_t>(index));
  if (!t.present()) return info;
  info.index = index;
  uint8_t raw_type = t.scalar<uint8_t>(tensor_f::kType, 0);
  info.type = static_cast<TensorType>(raw_type < kNumTensorTypes ? raw_type : 0);
  info.shape = read_shape(t);
  info.bytes = type_size(info.type) * static_cast<size_t>(info.shape.elements());
  const uint8_t* cdata = nullptr;
  size_t cbytes = 0;
  if (buffer_data(t.scalar<uint32_t>(tensor_f::kBuffer, 0), &cdata, &cbytes)) info.const_data = cdata;
  info.is_variable = t.scalar<uint8_t>(tensor_f::kIsVariable, 0) != 0;
  info.name = t.string(tensor_f::kName, nullptr);
  fb::Table q = t.table(tensor_f::kQuant);
  if (q.present()) {
    info.scales = q.vector(quant_f::kScale, 4);
    info.zero_points = q.vector(quant_f::kZeroPoint, 8);
    info.num_scales = info.scales.count;
    if (info.num_scales > 0) {
      info.scale = info.scales.at<float>(0);
      info.zero_point = info.zero_points.count ? static_cast<int32_t>(info.zero_points.at<int64_t>(0)) : 0;
      info.quantized_dimension = q.scalar<int32_t>(quant_f::kQuantDim, 0);
      if (info.quantized_dimension >= info.shape.rank) info.quantized_dimension = 0;
    }
  }
  return info;
}

OpView Model::op(int index) const {
  OpView v;
  fb::Table t = subgraph_.table_at(ops_, static_cast<uint32_t>(index));
  if (!t.present()) return v;
  uint32_t oc = t.scalar<uint32_t>(op_f::kOpcodeIndex, 0);
  fb::Table code = root_.table_at(opcodes_, oc);
  int32_t dep = code.scalar<int8_t>(opcode_f::kDeprecatedCode, 0);
  int32_t ext = code.scalar<int32_t>(opcode_f::kBuiltinCode, 0);
  v.builtin_code = dep > ext ? dep : ext;
  v.version = code.scalar<int32_t>(opcode_f::kVersion, 1);
  v.custom_code = code.string(opcode_f::kCustomCode, nullptr);
  v.options = t.table(op_f::kOptions);
  v.inputs = t.vector(op_f::kInputs, 4);
  v.outputs = t.vector(op_f::kOutputs, 4);
  return v;
}

}  // namespace mote
