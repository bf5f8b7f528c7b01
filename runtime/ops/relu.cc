// RELU: max(x, 0). Types: float32; int8 and int16 (int16 zero points must be 0), requantized from
// the input's scale and zero point to the output's (Q31 multiplier in_scale/out_scale), then clamped
// to [max(qmin, output zero point), qmax] — the reference's rule. No options.
#include "runtime/kernels/activations.h"
#include "runtime/kernels/activations_prepare.h"
#include "runtime/op.h"

namespace mote {
namespace {

struct ReluData {
  int32_t type;
  int32_t count;
  ReluQuantParams q;
};

Status prepare(PrepareContext& ctx) {
  const TensorInfo *in = nullptr, *out = nullptr;
  MOTE_RETURN_IF_ERROR(check_activation_tensors(ctx, &in, &out, true));
  ReluData d{};
  d.type = static_cast<int32_t>(in->type);
  d.count = in->shape.elements();
  if (in->type != TensorType::kFloat32) {
    if (in->type == TensorType::kInt16) {
      MOTE_RETURN_IF_ERROR(check_zero_point(ctx, *in, 0));
      MOTE_RETURN_IF_ERROR(check_zero_point(ctx, *out, 0));
    }
    int32_t qmin = 0, qmax = 0;
    integer_limits(in->type, &qmin, &qmax);
    relu_quant_params(in->scale, in->zero_point, out->scale, out->zero_point, qmin, qmax, &d.q);
    if (d.q.shift > 30)
      return ctx.fail(Status::kInvalidModel, "input scale %f / output scale %f is too large to represent",
                      static_cast<double>(in->scale), static_cast<double>(out->scale));
  }
  ctx.request(sizeof(ReluData), 0);
  if (ReluData* dst = ctx.op_data<ReluData>()) *dst = d;
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const ReluData& d = *ctx.op_data<ReluData>();
  switch (static_cast<TensorType>(d.type)) {
    case TensorType::kInt8: relu_s8(d.q, d.count, ctx.input<int8_t>(0), ctx.output<int8_t>(0)); break;
    case TensorType::kInt16: relu_s16(d.q, d.count, ctx.input<int16_t>(0), ctx.output<int16_t>(0)); break;
    default: relu_f32(d.count, ctx.input<float>(0), ctx.output<float>(0)); break;
  }
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::RELU, prepare, eval};

}  // namespace

const OpRegistration* op_relu() { return &kRegistration; }

}  // namespace mote
