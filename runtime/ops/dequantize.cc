// DEQUANTIZE: int8 / uint8 / int16 -> float32, y = scale · (x - zero_point) with the input's
// (first) scale and zero point. No options.
#include "runtime/kernels/activations_prepare.h"
#include "runtime/kernels/quantize.h"
#include "runtime/op.h"

namespace mote {
namespace {

struct DequantizeData {
  int32_t type;  // input TensorType
  int32_t count;
  float scale;
  int32_t zero_point;
};

Status prepare(PrepareContext& ctx) {
  const TensorInfo *in = nullptr, *out = nullptr;
  MOTE_RETURN_IF_ERROR(check_unary_tensors(ctx, &in, &out));
  if (out->type != TensorType::kFloat32 ||
      (in->type != TensorType::kInt8 && in->type != TensorType::kUInt8 && in->type != TensorType::kInt16))
    return fail_types(ctx, *in, *out);
  MOTE_RETURN_IF_ERROR(check_per_tensor_quantized(ctx, *in));
  ctx.request(sizeof(DequantizeData), 0);
  if (DequantizeData* d = ctx.op_data<DequantizeData>()) {
    d->type = static_cast<int32_t>(in->type);
    d->count = in->shape.elements();
    d->scale = in->scale;
    d->zero_point = in->zero_point;
  }
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const DequantizeData& d = *ctx.op_data<DequantizeData>();
  float* out = ctx.output<float>(0);
  switch (static_cast<TensorType>(d.type)) {
    case TensorType::kInt8: dequantize_s8_f32(d.scale, d.zero_point, d.count, ctx.input<int8_t>(0), out); break;
    case TensorType::kUInt8: dequantize_u8_f32(d.scale, d.zero_point, d.count, ctx.input<uint8_t>(0), out); break;
    default: dequantize_s16_f32(d.scale, d.zero_point, d.count, ctx.input<int16_t>(0), out); break;
  }
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::DEQUANTIZE, prepare, eval};

}  // namespace

const OpRegistration* op_dequantize() { return &kRegistration; }

}  // namespace mote
