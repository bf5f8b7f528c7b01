// SOFTMAX over the last dimension. Options: SoftmaxOptions { beta = 0 } (absent: beta 0).
// Types (as the reference): float32 -> float32; int8 -> int8 (output scale exactly 1/256, zero point
// -128); int8 -> int16 (output scale 1/65536 within 0.1%, zero point -32768); int16 -> int16 (input
// zero point 0, output scale 1/32768 within 0.1%, zero point 0). Quantized inputs need
// beta · input_scale · 2^26 > 1 (int8). The int16 path keeps its two 513-entry interpolation
// tables (2052 bytes) in the op data, filled once in prepare.
#include "runtime/kernels/activations_prepare.h"
#include "runtime/kernels/softmax.h"
#include "runtime/op.h"

namespace mote {
namespace {

enum Kind : int32_t { kF32 = 0, kS8 = 1, kS8S16 = 2, kS16 = 3 };

struct SoftmaxData {
  int32_t kind;
  int32_t rows;
  int32_t depth;
  float beta;
  SoftmaxS8Params s8;
  SoftmaxS16Params s16;
  // kS16 only: int16_t exp_lut[kLutS16Size], recip_lut[kLutS16Size] follow.
};

constexpr size_t kTablesBytes = 2 * kLutS16Size * sizeof(int16_t);

bool near(float value, float target, float tolerance) {
  const float delta = value > target ? value - target : target - value;
  return !(delta > tolerance);
}

Status check_output_scale(const PrepareContext& ctx, const TensorInfo& out, float target, bool exact) {
  if (exact ? out.scale == target : near(out.scale, target, 0.001f * target)) return Status::kOk;
  return ctx.fail(Status::kInvalidModel, "output tensor %d (%s) needs scale %f%s, has %f", static_cast<int>(out.index),
                  type_name(out.type), static_cast<double>(target), exact ? "" : " (within 0.1%)",
                  static_cast<double>(out.scale));
}

Status prepare_quantized(const PrepareContext& ctx, const TensorInfo& in, const TensorInfo& out, SoftmaxData* d) {
  MOTE_RETURN_IF_ERROR(check_per_tensor_quantized(ctx, in));
  MOTE_RETURN_IF_ERROR(check_per_tensor_quantized(ctx, out));
  if (in.type == TensorType::kInt16 && out.type == TensorType::kInt16) {
    MOTE_RETURN_IF_ERROR(check_zero_point(ctx, in, 0));
    MOTE_RETURN_IF_ERROR(check_zero_point(ctx, out, 0));
    MOTE_RETURN_IF_ERROR(check_output_scale(ctx, out, 1.0f / 32768, false));
    if (d->depth > 65536)
      return ctx.fail(Status::kUnsupported, "int16 softmax depth %d exceeds 65536", static_cast<int>(d->depth));
    d->kind = kS16;
    softmax_s16_params(d->beta, in.scale, &d->s16);
    return Status::kOk;
  }
  if (in.type != TensorType::kInt8 || (out.type != TensorType::kInt8 && out.type != TensorType::kInt16))
    return fail_types(ctx, in, out);
  if (out.type == TensorType::kInt8) {
    MOTE_RETURN_IF_ERROR(check_zero_point(ctx, out, -128));
    MOTE_RETURN_IF_ERROR(check_output_scale(ctx, out, 1.0f / 256, true));
    d->kind = kS8;
  } else {
    MOTE_RETURN_IF_ERROR(check_zero_point(ctx, out, -32768));
    MOTE_RETURN_IF_ERROR(check_output_scale(ctx, out, 1.0f / 65536, false));
    d->kind = kS8S16;
  }
  if (!softmax_s8_params(d->beta, in.scale, &d->s8))
    return ctx.fail(Status::kInvalidModel, "beta %f * input scale %f * 2^26 must exceed 1 (input tensor %d)",
                    static_cast<double>(d->beta), static_cast<double>(in.scale), static_cast<int>(in.index));
  return Status::kOk;
}

Status prepare(PrepareContext& ctx) {
  const TensorInfo *in = nullptr, *out = nullptr;
  MOTE_RETURN_IF_ERROR(check_unary_tensors(ctx, &in, &out));
  if (in->shape.rank < 1 || out->shape.rank != in->shape.rank ||
      out->shape.dims[out->shape.rank - 1] != in->shape.dims[in->shape.rank - 1])
    return ctx.fail(Status::kInvalidModel, "input tensor %d (rank %d) and output tensor %d (rank %d) need the same "
                    "rank >= 1 and last dimension", static_cast<int>(in->index), static_cast<int>(in->shape.rank),
                    static_cast<int>(out->index), static_cast<int>(out->shape.rank));
  SoftmaxData d{};
  d.depth = in->shape.dims[in->shape.rank - 1];
  d.rows = d.depth > 0 ? in->shape.elements() / d.depth : 0;
  d.beta = ctx.options().scalar<float>(0, 0.0f);
  if (in->type == TensorType::kFloat32 || out->type == TensorType::kFloat32) {
    if (in->type != out->type) return fail_types(ctx, *in, *out);
    d.kind = kF32;
  } else {
    MOTE_RETURN_IF_ERROR(prepare_quantized(ctx, *in, *out, &d));
  }
  ctx.request(sizeof(SoftmaxData) + (d.kind == kS16 ? kTablesBytes : 0), 0);
  if (SoftmaxData* dst = ctx.op_data<SoftmaxData>()) {
    *dst = d;
    if (d.kind == kS16) {
      int16_t* tables = reinterpret_cast<int16_t*>(dst + 1);
      softmax_s16_tables(tables, tables + kLutS16Size);
    }
  }
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const SoftmaxData& d = *ctx.op_data<SoftmaxData>();
  switch (d.kind) {
    case kS8:
      softmax_s8(d.s8, d.rows, d.depth, ctx.input<int8_t>(0), ctx.output<int8_t>(0));
      break;
    case kS8S16:
      softmax_s8_s16(d.s8, d.rows, d.depth, ctx.input<int8_t>(0), ctx.output<int16_t>(0));
      break;
    case kS16: {
      const int16_t* tables = reinterpret_cast<const int16_t*>(&d + 1);
      softmax_s16(d.s16, tables, tables + kLutS16Size, d.rows, d.depth, ctx.input<int16_t>(0),
                  ctx.output<int16_t>(0));
      break;
    }
    default:
      softmax_f32(d.beta, d.rows, d.depth, ctx.input<float>(0), ctx.output<float>(0));
      break;
  }
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::SOFTMAX, prepare, eval};

}  // namespace

const OpRegistration* op_softmax() { return &kRegistration; }

}  // namespace mote
