// AVERAGE_POOL_2D: each output element is the mean of the input taps its window covers (taps in
// the padding are not counted). NHWC, input and output of the same type and quantization.
// Types: int8, int16, float32. Options: Pool2DOptions { padding = 0, stride_w = 1, stride_h = 2,
// filter_width = 3, filter_height = 4, fused_activation_function = 5 } (required).
// Prepare (checks, geometry, clamps) is prepare_pool_2d, shared with the other pooling op.
#include "runtime/kernels/conv_prepare.h"
#include "runtime/kernels/pooling.h"
#include "runtime/op.h"

namespace mote {
namespace {

Status eval(const EvalContext& ctx) {
  const PoolOpData& d = *ctx.op_data<PoolOpData>();
  switch (static_cast<TensorType>(d.type)) {
    case TensorType::kInt8:
      average_pool_s8(d.p, ctx.input<int8_t>(0), ctx.output<int8_t>(0));
      break;
    case TensorType::kInt16:
      average_pool_s16(d.p, ctx.input<int16_t>(0), ctx.output<int16_t>(0));
      break;
    default:
      average_pool_f32(d.p, ctx.input<float>(0), ctx.output<float>(0));
      break;
  }
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::AVERAGE_POOL_2D, prepare_pool_2d, eval};

}  // namespace

const OpRegistration* op_average_pool_2d() { return &kRegistration; }

}  // namespace mote
