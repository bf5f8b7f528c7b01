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

Status check_activation_tensors(const PrepareContext& ctx, const TensorInfo** in, const TensorInfo** out,
                                bool output_quantized) {
  MOTE_RETURN_IF_ERROR(check_unary_tensors(ctx, in, out));
  MOTE_RETURN_IF_ERROR(check_same_type(ctx, **in, **out));
  const TensorType t = (*in)->type;
  if (t == TensorType::kFloat32) return Status::kOk;
  if (t != TensorType::kInt8 && t != TensorType::kInt16) return fail_types(ctx, **in, **out);
  MOTE_RETURN_IF_ERROR(check_per_tensor_quantized(ctx, **in));
  return output_quantized ? check_per_tensor_quantized(ctx, **out) : Status::kOk;
}

Status check_io_type_s8_s16_f32(const PrepareContext& ctx, const TensorInfo& in, const TensorInfo& out) {
  if (in.type != out.type)
    return ctx.fail(Status::kInvalidModel, "input type %s differs from output type %s", type_name(in.type),
                    type_name(out.type));
  const TensorType t = in.type;
  if (t != TensorType::kInt8 && t != TensorType::kInt16 && t != TensorType::kFloat32)
    return ctx.fail(Status::kUnsupported, "type %s not supported (int8, int16, float32)", type_name(t));
  return Status::kOk;
}

Status check_io_type_s8_s16_s32_f32(const PrepareContext& ctx, const TensorInfo& in, const TensorInfo& out) {
  const TensorType t = in.type;
  if (t != TensorType::kInt8 && t != TensorType::kInt16 && t != TensorType::kInt32 && t != TensorType::kFloat32)
    return ctx.fail(Status::kUnsupported, "type %s not supported (int8, int16, int32, float32)", type_name(t));
  if (out.type != t)
    return ctx.fail(Status::kInvalidModel, "output type %s differs from input type %s", type_name(out.type),
                    type_name(t));
  return Status::kOk;
}

// ---- LOGISTIC / TANH -------------------------------------------------------------------------

namespace {

Status prepare_sigmoid_s16(const PrepareContext& ctx, SigmoidOp op, const TensorInfo& in, const TensorInfo& out,
                           SigmoidS16Params* p) {
  MOTE_RETURN_IF_ERROR(check_zero_point(ctx, in, 0));
  MOTE_RETURN_IF_ERROR(check_zero_point(ctx, out, 0));
  int32_t log2_out = 0;
  if (!checked_log2(out.scale, &log2_out) || log2_out != -15)
    return ctx.fail(Status::kInvalidModel, "output tensor %d needs scale 2^-15, has %f", static_cast<int>(out.index),
                    static_cast<double>(out.scale));
  const bool ok = op == SigmoidOp::kLogistic ? logistic_s16_params(in.scale, p) : tanh_s16_params(in.scale, p);
  if (!ok)
    return ctx.fail(Status::kUnsupported, "input tensor %d: int16 scale %f is too large (max about 2.67)",
                    static_cast<int>(in.index), static_cast<double>(in.scale));
  return Status::kOk;
}

Status prepare_sigmoid_s8(const PrepareContext& ctx, SigmoidOp op, const TensorInfo& in, const TensorInfo& out,
                          SigmoidS8Params* p) {
  // The reference LOGISTIC checks its int8 output zero point; TANH checks neither scale nor zero point.
  if (op == SigmoidOp::kLogistic) MOTE_RETURN_IF_ERROR(check_zero_point(ctx, out, -128));
  if (!sigmoid_s8_params(in.scale, in.zero_point, p))
    return ctx.fail(Status::kUnsupported, "input tensor %d: int8 scale %f outside [2^-28, 8)",
                    static_cast<int>(in.index), static_cast<double>(in.scale));
  return Status::kOk;
}

}  // namespace

Status prepare_sigmoid(PrepareContext& ctx, SigmoidOp op) {
  const TensorInfo *in = nullptr, *out = nullptr;
  MOTE_RETURN_IF_ERROR(check_activation_tensors(ctx, &in, &out, true));
  SigmoidOpData d{};
  d.type = static_cast<int32_t>(in->type);
  d.count = in->shape.elements();
  if (in->type == TensorType::kInt16) {
    MOTE_RETURN_IF_ERROR(prepare_sigmoid_s16(ctx, op, *in, *out, &d.s16));
  } else if (in->type == TensorType::kInt8) {
    MOTE_RETURN_IF_ERROR(prepare_sigmoid_s8(ctx, op, *in, *out, &d.s8));
  }
  ctx.request(sizeof(SigmoidOpData), 0);
  if (SigmoidOpData* dst = ctx.op_data<SigmoidOpData>()) *dst = d;
  return Status::kOk;
}

}  // namespace mote
