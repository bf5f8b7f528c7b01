// RELU6: min(max(x, 0), 6). Types: float32, int8, int16. Quantized values are clamped in the
// INPUT's quantization to [input zero point, zero point + round(6 / input scale)] (saturated to the
// type) and copied: like the reference, the output is assumed to share the input's scale and zero
// point and is not requantized. No options.
#include "runtime/kernels/activations.h"
#include "runtime/kernels/activations_prepare.h"
#include "runtime/op.h"

namespace mote {
namespace {

struct Relu6Data {
  int32_t type;
  int32_t count;
  int32_t lo;  // quantized 0
  int32_t hi;  // quantized 6
};

Status prepare(PrepareContext& ctx) {
  const TensorInfo *in = nullptr, *out = nullptr;
  MOTE_RETURN_IF_ERROR(check_activation_tensors(ctx, &in, &out, false));
  Relu6Data d{};
  d.type = static_cast<int32_t>(in->type);
  d.count = in->shape.elements();
  if (in->type != TensorType::kFloat32) {
    int32_t qmin = 0, qmax = 0;
    integer_limits(in->type, &qmin, &qmax);
    d.lo = in->zero_point;
    d.hi = relu6_quantized_six(in->scale, in->zero_point, qmin, qmax);
  }
  ctx.request(sizeof(Relu6Data), 0);
  if (Relu6Data* dst = ctx.op_data<Relu6Data>()) *dst = d;
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const Relu6Data& d = *ctx.op_data<Relu6Data>();
  switch (static_cast<TensorType>(d.type)) {
    case TensorType::kInt8: relu6_s8(d.lo, d.hi, d.count, ctx.input<int8_t>(0), ctx.output<int8_t>(0)); break;
    case TensorType::kInt16: relu6_s16(d.lo, d.hi, d.count, ctx.input<int16_t>(0), ctx.output<int16_t>(0)); break;
    default: relu6_f32(d.count, ctx.input<float>(0), ctx.output<float>(0)); break;
  }
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::RELU6, prepare, eval};

}  // namespace

const OpRegistration* op_relu6() { return &kRegistration; }

}  // namespace mote
