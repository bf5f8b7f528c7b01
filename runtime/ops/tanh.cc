// TANH: tanh(x). No options. Types (as the reference):
//   float32;
//   int8: the output is in 1/128 steps with zero point 0 whatever its stated quantization (the
//     reference checks neither); input scale in [2^-28, 8);
//   int16 with input and output zero point 0 and output scale 2^-15; the input scale is arbitrary
//     (powers of two 2^-12 and 2^-11 take the exact fast path).
// Prepare is prepare_sigmoid (activations_prepare.h), shared with LOGISTIC.
#include "runtime/kernels/activations.h"
#include "runtime/kernels/activations_prepare.h"
#include "runtime/op.h"

namespace mote {
namespace {

Status prepare(PrepareContext& ctx) { return prepare_sigmoid(ctx, SigmoidOp::kTanh); }

Status eval(const EvalContext& ctx) {
  const SigmoidOpData& d = *ctx.op_data<SigmoidOpData>();
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
