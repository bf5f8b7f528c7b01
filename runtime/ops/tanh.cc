// TANH: tanh(x). No options. Types (as the reference):
//   float32;
//   int8: the output is in 1/128 steps with zero point 0 whatever its stated quantization (the
//     reference checks neither); input scale in [2^-28, 8);
//   int16 with input and output zero point 0 and output scale 2^-15; the input scale is arbitrary
//     (powers of two 2^-12 and 2^-11 take the exact fast path).
#include "runtime/kernels/activations.h"
#include "runtime/kernels/activations_prepare.h"
#include "runtime/op.h"

namespace mote {
namespace {

struct TanhData {
  int32_t type;
  int32_t count;
  SigmoidS8Params s8;
  SigmoidS16Params s16;
};

Status prepare_s16(const PrepareContext& ctx, const TensorInfo& in, const TensorInfo& out, TanhData* d) {
  MOTE_RETURN_IF_ERROR(check_zero_point(ctx, in, 0));
  MOTE_RETURN_IF_ERROR(check_zero_point(ctx, out, 0));
  int32_t log2_out = 0;
  if (!checked_log2(out.scale, &log2_out) || log2_out != -15)
    return ctx.fail(Status::kInvalidModel, "output tensor %d needs scale 2^-15, has %f", static_cast<int>(out.index),
                    static_cast<double>(out.scale));
  if (!tanh_s16_params(in.scale, &d->s16))
    return ctx.fail(Status::kUnsupported, "input tensor %d: int16 scale %f is too large (max about 2.67)",
                    static_cast<int>(in.index), static_cast<double>(in.scale));
  return Status::kOk;
}

Status prepare(PrepareContext& ctx) {
  const TensorInfo *in = nullptr, *out = nullptr;
  MOTE_RETURN_IF_ERROR(check_unary_tensors(ctx, &in, &out));
  MOTE_RETURN_IF_ERROR(check_same_type(ctx, *in, *out));
  TanhData d{};
  d.type = static_cast<int32_t>(in->type);
  d.count = in->shape.elements();
  if (in->type == TensorType::kInt8 || in->type == TensorType::kInt16) {
    MOTE_RETURN_IF_ERROR(check_per_tensor_quantized(ctx, *in));
    MOTE_RETURN_IF_ERROR(check_per_tensor_quantized(ctx, *out));
    if (in->type == TensorType::kInt16) {
      MOTE_RETURN_IF_ERROR(prepare_s16(ctx, *in, *out, &d));
    } else {
      if (!sigmoid_s8_params(in->scale, in->zero_point, &d.s8))
        return ctx.fail(Status::kUnsupported, "input tensor %d: int8 scale %f outside [2^-28, 8)",
                        static_cast<int>(in->index), static_cast<double>(in->scale));
    }
  } else if (in->type != TensorType::kFloat32) {
    return fail_types(ctx, *in, *out);
  }
  ctx.request(sizeof(TanhData), 0);
  if (TanhData* dst = ctx.op_data<TanhData>()) *dst = d;
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const TanhData& d = *ctx.op_data<TanhData>();
  switch (static_cast<TensorType>(d.type)) {
    case TensorType::kInt8: tanh_s8(d.s8, d.count, ctx.input<int8_t>(0), ctx.output<int8_t>(0)); break;
    case TensorType::kInt16: tanh_s16(d.s16, d.count, ctx.input<int16_t>(0), ctx.output<int16_t>(0)); break;
    default: tanh_f32(d.count, ctx.input<float>(0), ctx.output<float>(0)); break;
  }
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::TANH, prepare, eval};

}  // namespace

const OpRegistration* op_tanh() { return &kRegistration; }

}  // namespace mote
