#include "runtime/kernels/activations_prepare.h"

namespace mote {

Status check_unary_tensors(const PrepareContext& ctx, const TensorInfo** in, const TensorInfo** out) {
  *in = ctx.input(0);
  *out = ctx.output(0);
  if (ctx.num_inputs() != 1 || ctx.num_outputs() != 1 || *in == nullptr || *out == nullptr)
    return ctx.fail(Status::kInvalidModel, "needs 1 input and 1 output, has %d and %d", ctx.num_inputs(),
                    ctx.num_outputs());
  const int32_t n_in = (*in)->shape.elements(), n_out = (*out)->shape.elements();
  if (n_in != n_out)
    return ctx.fail(Status::kInvalidModel, "input tensor %d has %d elements, output tensor %d has %d",
                    static_cast<int>((*in)->index), static_cast<int>(n_in), static_cast<int>((*out)->index),
                    static_cast<int>(n_out));
  return Status::kOk;
}

Status check_same_type(const PrepareContext& ctx, const TensorInfo& in, const TensorInfo& out) {
  if (in.type != out.type)
    return ctx.fail(Status::kInvalidModel, "input tensor %d is %s but output tensor %d is %s",
                    static_cast<int>(in.index), type_name(in.type), static_cast<int>(out.index), type_name(out.type));
  return Status::kOk;
}

void integer_limits(TensorType t, int32_t* qmin, int32_t* qmax) {
  switch (t) {
    case TensorType::kInt8: *qmin = INT8_MIN; *qmax = INT8_MAX; break;
    case TensorType::kUInt8: *qmin = 0; *qmax = UINT8_MAX; break;
    case TensorType::kInt16: *qmin = INT16_MIN; *qmax = INT16_MAX; break;
    default: *qmin = INT32_MIN; *qmax = INT32_MAX; break;
  }
}

Status check_per_tensor_quantized(const PrepareContext& ctx, const TensorInfo& t) {
  if (t.num_scales == 0)
    return ctx.fail(Status::kInvalidModel, "tensor %d (%s) has no quantization scale", static_cast<int>(t.index),
                    type_name(t.type));
  if (!(t.scale > 0.0f) || t.scale > 3.0e38f)
    return ctx.fail(Status::kInvalidModel, "tensor %d: scale %f must be finite and > 0", static_cast<int>(t.index),
                    static_cast<double>(t.scale));
  int32_t qmin = 0, qmax = 0;
  integer_limits(t.type, &qmin, &qmax);
  if (t.zero_point < qmin || t.zero_point > qmax)
    return ctx.fail(Status::kInvalidModel, "tensor %d: zero point %d outside %s range [%d, %d]",
                    static_cast<int>(t.index), static_cast<int>(t.zero_point), type_name(t.type),
                    static_cast<int>(qmin), static_cast<int>(qmax));
  return Status::kOk;
}

Status check_zero_point(const PrepareContext& ctx, const TensorInfo& t, int32_t expected) {
  if (t.zero_point != expected)
    return ctx.fail(Status::kInvalidModel, "tensor %d (%s) needs zero point %d, has %d", static_cast<int>(t.index),
                    type_name(t.type), static_cast<int>(expected), static_cast<int>(t.zero_point));
  return Status::kOk;
}

Status fail_types(const PrepareContext& ctx, const TensorInfo& in, const TensorInfo& out) {
  return ctx.fail(Status::kUnsupported, "input tensor %d %s -> output tensor %d %s is not supported",
                  static_cast<int>(in.index), type_name(in.type), static_cast<int>(out.index), type_name(out.type));
}

}  // namespace mote
