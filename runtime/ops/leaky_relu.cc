// LEAKY_RELU: x > 0 ? x : alpha·x. Options: LeakyReluOptions { alpha = 0 } (absent: alpha 0).
// Types: float32, int8, int16 (any zero points). Quantized: non-negative inputs (x >= input zero
// point) are rescaled by in_scale/out_scale, negative ones by alpha·in_scale/out_scale (alpha may
// be negative or above 1), then offset by the output zero point and saturated.
#include "runtime/kernels/activations.h"
#include "runtime/kernels/activations_prepare.h"
#include "runtime/op.h"

namespace mote {
namespace {

struct LeakyReluData {
  int32_t type;
  int32_t count;
  float alpha;
  LeakyReluQuantParams q;
};

Status prepare(PrepareContext& ctx) {
  const TensorInfo *in = nullptr, *out = nullptr;
  MOTE_RETURN_IF_ERROR(check_activation_tensors(ctx, &in, &out, true));
  LeakyReluData d{};
  d.type = static_cast<int32_t>(in->type);
  d.count = in->shape.elements();
  d.alpha = ctx.options().scalar<float>(0, 0.0f);
  if (in->type != TensorType::kFloat32) {
    leaky_relu_quant_params(in->scale, in->zero_point, out->scale, out->zero_point, d.alpha, &d.q);
    if (d.q.identity_shift > 30 || d.q.alpha_shift > 30)
      return ctx.fail(Status::kInvalidModel, "scales %f -> %f with alpha %f give a multiplier too large to represent",
                      static_cast<double>(in->scale), static_cast<double>(out->scale), static_cast<double>(d.alpha));
  }
  ctx.request(sizeof(LeakyReluData), 0);
  if (LeakyReluData* dst = ctx.op_data<LeakyReluData>()) *dst = d;
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const LeakyReluData& d = *ctx.op_data<LeakyReluData>();
  switch (static_cast<TensorType>(d.type)) {
    case TensorType::kInt8: leaky_relu_s8(d.q, d.count, ctx.input<int8_t>(0), ctx.output<int8_t>(0)); break;
    case TensorType::kInt16: leaky_relu_s16(d.q, d.count, ctx.input<int16_t>(0), ctx.output<int16_t>(0)); break;
    default: leaky_relu_f32(d.alpha, d.count, ctx.input<float>(0), ctx.output<float>(0)); break;
  }
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::LEAKY_RELU, prepare, eval};

}  // namespace

const OpRegistration* op_leaky_relu() { return &kRegistration; }

}  // namespace mote
