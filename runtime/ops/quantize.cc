// QUANTIZE: float32 -> int8 / int16, or requantization between integer types:
//   int8 -> int8, uint8, int16, int32;  uint8 -> int8;  int16 -> int8, int16, int32;
//   int32 -> int8, int16.
// The output must be per-tensor quantized (exactly one scale). Float input:
// q = clamp(round(x / scale) + zero_point). Integer input: q = clamp(out_zp + (x - in_zp) ·
// in_scale / out_scale) with the ratio as a Q31 multiplier computed in double. No options.
#include "runtime/kernels/activations_prepare.h"
#include "runtime/kernels/quantize.h"
#include "runtime/op.h"

namespace mote {
namespace {

enum Kind : int32_t {
  kF32S8, kF32S16, kS8S8, kS8U8, kS8S16, kS8S32, kU8S8, kS16S8, kS16S16, kS16S32, kS32S8, kS32S16,
};

struct QuantizeData {
  int32_t kind;
  int32_t count;
  float scale;  // output scale (float input)
  int32_t zero_point;
  RequantizeParams requant;
};

struct KindPair {
  TensorType in, out;
  Kind kind;
};
constexpr KindPair kPairs[] = {
    {TensorType::kFloat32, TensorType::kInt8, kF32S8}, {TensorType::kFloat32, TensorType::kInt16, kF32S16},
    {TensorType::kInt8, TensorType::kInt8, kS8S8},     {TensorType::kInt8, TensorType::kUInt8, kS8U8},
    {TensorType::kInt8, TensorType::kInt16, kS8S16},   {TensorType::kInt8, TensorType::kInt32, kS8S32},
    {TensorType::kUInt8, TensorType::kInt8, kU8S8},    {TensorType::kInt16, TensorType::kInt8, kS16S8},
    {TensorType::kInt16, TensorType::kInt16, kS16S16}, {TensorType::kInt16, TensorType::kInt32, kS16S32},
    {TensorType::kInt32, TensorType::kInt8, kS32S8},   {TensorType::kInt32, TensorType::kInt16, kS32S16},
};

// Kind for an (input, output) pair, or -1.
int32_t kind_of(TensorType in, TensorType out) {
  for (const KindPair& p : kPairs)
    if (p.in == in && p.out == out) return p.kind;
  return -1;
}

Status prepare(PrepareContext& ctx) {
  const TensorInfo *in = nullptr, *out = nullptr;
  MOTE_RETURN_IF_ERROR(check_unary_tensors(ctx, &in, &out));
  QuantizeData d{};
  d.kind = kind_of(in->type, out->type);
  if (d.kind < 0) return fail_types(ctx, *in, *out);
  d.count = in->shape.elements();
  MOTE_RETURN_IF_ERROR(check_per_tensor_quantized(ctx, *out));
  if (out->num_scales != 1)
    return ctx.fail(Status::kUnsupported, "output tensor %d has %u scales; only per-tensor quantization is supported",
                    static_cast<int>(out->index), static_cast<unsigned>(out->num_scales));
  d.scale = out->scale;
  d.zero_point = out->zero_point;
  if (in->type != TensorType::kFloat32) {
    MOTE_RETURN_IF_ERROR(check_per_tensor_quantized(ctx, *in));
    requantize_params(in->scale, in->zero_point, out->scale, out->zero_point, &d.requant);
    if (d.requant.shift > 30)
      return ctx.fail(Status::kInvalidModel, "input scale %f / output scale %f is too large to represent",
                      static_cast<double>(in->scale), static_cast<double>(out->scale));
  }
  ctx.request(sizeof(QuantizeData), 0);
  if (QuantizeData* dst = ctx.op_data<QuantizeData>()) *dst = d;
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const QuantizeData& d = *ctx.op_data<QuantizeData>();
  const RequantizeParams& r = d.requant;
  const int32_t n = d.count;
  switch (d.kind) {
    case kF32S8: quantize_f32_s8(d.scale, d.zero_point, n, ctx.input<float>(0), ctx.output<int8_t>(0)); break;
    case kF32S16: quantize_f32_s16(d.scale, d.zero_point, n, ctx.input<float>(0), ctx.output<int16_t>(0)); break;
    case kS8S8: requantize_s8_s8(r, n, ctx.input<int8_t>(0), ctx.output<int8_t>(0)); break;
    case kS8U8: requantize_s8_u8(r, n, ctx.input<int8_t>(0), ctx.output<uint8_t>(0)); break;
    case kS8S16: requantize_s8_s16(r, n, ctx.input<int8_t>(0), ctx.output<int16_t>(0)); break;
    case kS8S32: requantize_s8_s32(r, n, ctx.input<int8_t>(0), ctx.output<int32_t>(0)); break;
    case kU8S8: requantize_u8_s8(r, n, ctx.input<uint8_t>(0), ctx.output<int8_t>(0)); break;
    case kS16S8: requantize_s16_s8(r, n, ctx.input<int16_t>(0), ctx.output<int8_t>(0)); break;
    case kS16S16: requantize_s16_s16(r, n, ctx.input<int16_t>(0), ctx.output<int16_t>(0)); break;
    case kS16S32: requantize_s16_s32(r, n, ctx.input<int16_t>(0), ctx.output<int32_t>(0)); break;
    case kS32S8: requantize_s32_s8(r, n, ctx.input<int32_t>(0), ctx.output<int8_t>(0)); break;
    default: requantize_s32_s16(r, n, ctx.input<int32_t>(0), ctx.output<int16_t>(0)); break;
  }
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::QUANTIZE, prepare, eval};

}  // namespace

const OpRegistration* op_quantize() { return &kRegistration; }

}  // namespace mote
