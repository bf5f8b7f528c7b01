// CONCATENATION: join the inputs along `axis` (see runtime/kernels/concatenation.h).
// Types: int8 (every input must share the output's scale and zero point, as the reference
// requires), int16 (all zero points 0), int32, int64, float32, bool.
// Options: ConcatenationOptions { axis = field 0 (negative counts from the end),
// fused_activation_function = field 1, must be none }.
#include "runtime/kernels/concatenation.h"

#include "runtime/op.h"

namespace mote {
namespace {

struct ConcatData {
  int32_t num_inputs;
  int32_t outer;
  // followed by int32_t copy_bytes[num_inputs]
};

bool supported(TensorType t) {
  return t == TensorType::kInt8 || t == TensorType::kInt16 || t == TensorType::kInt32 || t == TensorType::kInt64 ||
         t == TensorType::kFloat32 || t == TensorType::kBool;
}

Status check_quantization(PrepareContext& ctx, const TensorInfo& in, const TensorInfo& out) {
  if (out.type == TensorType::kInt8 && (in.scale != out.scale || in.zero_point != out.zero_point))
    return ctx.fail(Status::kInvalidModel,
                    "int8 input %d (scale %f, zero point %d) must match output %d (scale %f, zero point %d)",
                    static_cast<int>(in.index), static_cast<double>(in.scale), static_cast<int>(in.zero_point),
                    static_cast<int>(out.index), static_cast<double>(out.scale), static_cast<int>(out.zero_point));
  if (out.type == TensorType::kInt16 && in.zero_point != 0)
    return ctx.fail(Status::kInvalidModel, "int16 tensor %d needs zero point 0, has %d", static_cast<int>(in.index),
                    static_cast<int>(in.zero_point));
  return Status::kOk;
}

Status check_input(PrepareContext& ctx, const TensorInfo* in, int i, const TensorInfo& out, int32_t axis) {
  if (in == nullptr) return ctx.fail(Status::kInvalidModel, "input %d is missing", i);
  if (in->type != out.type)
    return ctx.fail(Status::kInvalidModel, "input %d (tensor %d) has type %s, output has %s", i,
                    static_cast<int>(in->index), type_name(in->type), type_name(out.type));
  if (in->shape.rank != out.shape.rank)
    return ctx.fail(Status::kInvalidModel, "input %d (tensor %d) has rank %d, output has %d", i,
                    static_cast<int>(in->index), static_cast<int>(in->shape.rank), static_cast<int>(out.shape.rank));
  for (int32_t d = 0; d < out.shape.rank; ++d) {
    if (d != axis && in->shape.dims[d] != out.shape.dims[d])
      return ctx.fail(Status::kInvalidModel, "input %d (tensor %d) dim %d is %d, output's is %d", i,
                      static_cast<int>(in->index), static_cast<int>(d), static_cast<int>(in->shape.dims[d]),
                      static_cast<int>(out.shape.dims[d]));
  }
  return check_quantization(ctx, *in, out);
}

Status prepare(PrepareContext& ctx) {
  const TensorInfo* out = ctx.output(0);
  const int n = ctx.num_inputs();
  if (n < 1 || ctx.num_outputs() != 1 || out == nullptr)
    return ctx.fail(Status::kInvalidModel, "needs at least 1 input and 1 output, has %d and %d", n, ctx.num_outputs());
  if (!supported(out->type)) return ctx.fail(Status::kUnsupported, "type %s not supported", type_name(out->type));
  if (ctx.options().scalar<uint8_t>(1, 0) != 0)
    return ctx.fail(Status::kUnsupported, "fused activation %u not supported (must be none)",
                    static_cast<unsigned>(ctx.options().scalar<uint8_t>(1, 0)));
  const int32_t rank = out->shape.rank;
  const int32_t raw_axis = ctx.options().scalar<int32_t>(0, 0);
  const int32_t axis = raw_axis < 0 ? raw_axis + rank : raw_axis;
  if (axis < 0 || axis >= rank)
    return ctx.fail(Status::kInvalidModel, "axis %d out of range for rank %d", static_cast<int>(raw_axis),
                    static_cast<int>(rank));
  if (out->type == TensorType::kInt16 && out->zero_point != 0)
    return ctx.fail(Status::kInvalidModel, "int16 output %d needs zero point 0, has %d", static_cast<int>(out->index),
                    static_cast<int>(out->zero_point));
  int64_t total = 0;
  for (int i = 0; i < n; ++i) {
    MOTE_RETURN_IF_ERROR(check_input(ctx, ctx.input(i), i, *out, axis));
    total += ctx.input(i)->shape.dims[axis];
  }
  if (total != out->shape.dims[axis])
    return ctx.fail(Status::kInvalidModel, "inputs sum to %lld along axis %d, output has %d",
                    static_cast<long long>(total), static_cast<int>(axis), static_cast<int>(out->shape.dims[axis]));
  ctx.request(sizeof(ConcatData) + sizeof(int32_t) * static_cast<size_t>(n), 0);
  ConcatData* d = ctx.op_data<ConcatData>();
  if (d == nullptr) return Status::kOk;
  d->num_inputs = n;
  d->outer = out->shape.span(0, axis);
  const int32_t inner_bytes = out->shape.span(axis + 1, rank) * static_cast<int32_t>(type_size(out->type));
  int32_t* bytes = reinterpret_cast<int32_t*>(d + 1);
  for (int i = 0; i < n; ++i) bytes[i] = ctx.input(i)->shape.dims[axis] * inner_bytes;
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const ConcatData* d = ctx.op_data<ConcatData>();
  const int32_t* bytes = reinterpret_cast<const int32_t*>(d + 1);
  concatenation(d->num_inputs, ctx.inputs, bytes, d->outer, ctx.outputs[0]);
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::CONCATENATION, prepare, eval};

}  // namespace

const OpRegistration* op_concatenation() { return &kRegistration; }

}  // namespace mote
