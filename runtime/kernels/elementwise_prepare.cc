#include "runtime/kernels/elementwise_prepare.h"

#include "runtime/kernels/quant.h"

namespace mote {

Status check_binary_tensors(PrepareContext& ctx, const TensorInfo** a_out, const TensorInfo** b_out,
                            const TensorInfo** out_out) {
  const TensorInfo* a = ctx.input(0);
  const TensorInfo* b = ctx.input(1);
  const TensorInfo* out = ctx.output(0);
  if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1 || !a || !b || !out)
    return ctx.fail(Status::kInvalidModel, "needs 2 inputs and 1 output, has %d and %d", ctx.num_inputs(),
                    ctx.num_outputs());
  if (a->type != out->type || b->type != out->type)
    return ctx.fail(Status::kInvalidModel, "input types %s (tensor %d), %s (tensor %d) differ from output type %s",
                    type_name(a->type), static_cast<int>(a->index), type_name(b->type), static_cast<int>(b->index),
                    type_name(out->type));
  const TensorType t = out->type;
  if (t != TensorType::kInt8 && t != TensorType::kInt16 && t != TensorType::kFloat32 && t != TensorType::kInt32)
    return ctx.fail(Status::kUnsupported, "type %s not supported (int8, int16, float32, int32)", type_name(t));
  char sa[48], sb[48], so[48];
  format_shape(a->shape, sa, sizeof(sa));
  format_shape(b->shape, sb, sizeof(sb));
  Shape expect;
  if (!broadcast_shapes(a->shape, b->shape, &expect))
    return ctx.fail(Status::kInvalidModel, "input shapes %s (tensor %d) and %s (tensor %d) do not broadcast", sa,
                    static_cast<int>(a->index), sb, static_cast<int>(b->index));
  if (!same_shape_ignoring_leading_ones(expect, out->shape)) {
    format_shape(out->shape, so, sizeof(so));
    return ctx.fail(Status::kInvalidModel, "output shape %s (tensor %d) is not the broadcast of %s and %s", so,
                    static_cast<int>(out->index), sa, sb);
  }
  *a_out = a;
  *b_out = b;
  *out_out = out;
  return Status::kOk;
}

Status read_fused_activation(const PrepareContext& ctx, int field, uint8_t* act) {
  const uint8_t v = ctx.options().scalar<uint8_t>(field, 0);
  if (v > 3)
    return ctx.fail(Status::kUnsupported, "fused activation %u not supported (none, RELU, RELU_N1_TO_1, RELU6)",
                    static_cast<unsigned>(v));
  *act = v;
  return Status::kOk;
}

void quantized_limits(TensorType t, int32_t* qmin, int32_t* qmax) {
  const bool s16 = t == TensorType::kInt16;
  *qmin = s16 ? -32768 : -128;
  *qmax = s16 ? 32767 : 127;
}

Status check_quantized(const PrepareContext& ctx, const TensorInfo& t) {
  if (t.num_scales == 0 || !(t.scale > 0.0f))
    return ctx.fail(Status::kInvalidModel, "tensor %d: quantized %s needs a positive scale, has %f",
                    static_cast<int>(t.index), type_name(t.type), static_cast<double>(t.scale));
  int32_t qmin = 0, qmax = 0;
  quantized_limits(t.type, &qmin, &qmax);
  if (t.zero_point < qmin || t.zero_point > qmax)
    return ctx.fail(Status::kInvalidModel, "tensor %d: zero point %d outside [%d, %d]", static_cast<int>(t.index),
                    static_cast<int>(t.zero_point), static_cast<int>(qmin), static_cast<int>(qmax));
  return Status::kOk;
}

void quantized_activation_range(const TensorInfo& out, uint8_t act, int32_t* act_min, int32_t* act_max) {
  int32_t qmin = 0, qmax = 0;
  quantized_limits(out.type, &qmin, &qmax);
  activation_range_quantized(act, out.scale, out.zero_point, qmin, qmax, act_min, act_max);
}

Status prepare_binary(PrepareContext& ctx, const TensorInfo** a, const TensorInfo** b, const TensorInfo** out,
                      uint8_t* act, BroadcastLoop* loop) {
  MOTE_RETURN_IF_ERROR(check_binary_tensors(ctx, a, b, out));
  MOTE_RETURN_IF_ERROR(read_fused_activation(ctx, 0, act));
  plan_broadcast((*a)->shape, (*b)->shape, (*out)->shape, loop);
  return Status::kOk;
}

Status prepare_add_sub_quant(const PrepareContext& ctx, const TensorInfo& a, const TensorInfo& b,
                             const TensorInfo& out, uint8_t act, bool subtract, AddSubQuantParams* p) {
  MOTE_RETURN_IF_ERROR(check_quantized(ctx, a));
  MOTE_RETURN_IF_ERROR(check_quantized(ctx, b));
  MOTE_RETURN_IF_ERROR(check_quantized(ctx, out));
  const bool s16 = out.type == TensorType::kInt16;
  const bool ok = subtract
                      ? sub_quant_params(a.scale, a.zero_point, b.scale, b.zero_point, out.scale, out.zero_point, s16, p)
                      : add_quant_params(a.scale, a.zero_point, b.scale, b.zero_point, out.scale, out.zero_point, s16, p);
  if (!ok)
    return ctx.fail(Status::kInvalidModel,
                    "scales %f (tensor %d), %f (tensor %d) -> %f (tensor %d) need a multiplier outside (0, 1)",
                    static_cast<double>(a.scale), static_cast<int>(a.index), static_cast<double>(b.scale),
                    static_cast<int>(b.index), static_cast<double>(out.scale), static_cast<int>(out.index));
  quantized_activation_range(out, act, &p->act_min, &p->act_max);
  return Status::kOk;
}

}  // namespace mote
