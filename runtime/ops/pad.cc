// PAD: out = in surrounded by a constant (see runtime/kernels/pad.h).
// Inputs: 0 data (int8, int16, int32, float32, up to 6 dims); 1 paddings, a constant int32 or int64
// tensor [rank, 2] of (before, after) pairs; optionally 2, a constant scalar pad value of the data
// type. Without it the pad value is the output zero point for int8 and 0 for every other type
// (int16 included, as in the reference). No options.
#include "runtime/kernels/pad.h"

#include "runtime/kernels/activations_prepare.h"
#include "runtime/op.h"

namespace mote {
namespace {

struct PadData {
  int32_t type;
  int32_t pad_int;  // pad value for integer types
  float pad_float;  // pad value for float32
  PadPlan plan;
};

Status read_paddings(PrepareContext& ctx, const TensorInfo& in, const TensorInfo& pads, int32_t* before,
                     int32_t* after) {
  const bool i64 = pads.type == TensorType::kInt64;
  if (pads.type != TensorType::kInt32 && !i64)
    return ctx.fail(Status::kUnsupported, "paddings tensor %d has type %s (int32 or int64 expected)",
                    static_cast<int>(pads.index), type_name(pads.type));
  if (!pads.is_constant())
    return ctx.fail(Status::kUnsupported, "paddings tensor %d must be constant", static_cast<int>(pads.index));
  if (pads.shape.rank != 2 || pads.shape.dims[0] != in.shape.rank || pads.shape.dims[1] != 2)
    return ctx.fail(Status::kInvalidModel, "paddings tensor %d must be [%d, 2] for a rank-%d input",
                    static_cast<int>(pads.index), static_cast<int>(in.shape.rank), static_cast<int>(in.shape.rank));
  for (int32_t d = 0; d < in.shape.rank; ++d) {
    for (int k = 0; k < 2; ++k) {
      const int64_t v = i64 ? pads.const_at<int64_t>(static_cast<size_t>(2 * d + k))
                            : pads.const_at<int32_t>(static_cast<size_t>(2 * d + k));
      if (v < 0 || v > (int64_t{1} << 30))
        return ctx.fail(Status::kInvalidModel, "paddings tensor %d: dim %d pad %lld out of range",
                        static_cast<int>(pads.index), static_cast<int>(d), static_cast<long long>(v));
      (k == 0 ? before : after)[d] = static_cast<int32_t>(v);
    }
  }
  return Status::kOk;
}

Status read_pad_value(PrepareContext& ctx, const TensorInfo& out, PadData* d) {
  d->pad_int = out.type == TensorType::kInt8 ? out.zero_point : 0;
  d->pad_float = 0.0f;
  const TensorInfo* v = ctx.input(2);
  if (v == nullptr) return Status::kOk;
  if (v->type != out.type || !v->is_constant() || v->shape.elements() != 1)
    return ctx.fail(Status::kUnsupported, "pad value tensor %d must be a constant %s scalar",
                    static_cast<int>(v->index), type_name(out.type));
  if (out.type == TensorType::kInt8 && (v->zero_point != out.zero_point || v->scale != out.scale))
    return ctx.fail(Status::kInvalidModel, "pad value tensor %d: quantization differs from output %d",
                    static_cast<int>(v->index), static_cast<int>(out.index));
  switch (out.type) {
    case TensorType::kInt8: d->pad_int = v->const_at<int8_t>(0); break;
    case TensorType::kInt16: d->pad_int = v->const_at<int16_t>(0); break;
    case TensorType::kInt32: d->pad_int = v->const_at<int32_t>(0); break;
    default: d->pad_float = v->const_at<float>(0); break;
  }
  return Status::kOk;
}

Status prepare(PrepareContext& ctx) {
  const TensorInfo* in = ctx.input(0);
  const TensorInfo* pads = ctx.input(1);
  const TensorInfo* out = ctx.output(0);
  if ((ctx.num_inputs() != 2 && ctx.num_inputs() != 3) || ctx.num_outputs() != 1 || !in || !pads || !out)
    return ctx.fail(Status::kInvalidModel, "needs 2 or 3 inputs and 1 output, has %d and %d", ctx.num_inputs(),
                    ctx.num_outputs());
  MOTE_RETURN_IF_ERROR(check_io_type_s8_s16_s32_f32(ctx, *in, *out));
  const TensorType t = in->type;
  int32_t before[kMaxRank] = {0}, after[kMaxRank] = {0};
  MOTE_RETURN_IF_ERROR(read_paddings(ctx, *in, *pads, before, after));
  if (out->shape.rank != in->shape.rank)
    return ctx.fail(Status::kInvalidModel, "output rank %d differs from input rank %d",
                    static_cast<int>(out->shape.rank), static_cast<int>(in->shape.rank));
  for (int32_t d = 0; d < in->shape.rank; ++d) {
    const int64_t want = int64_t{in->shape.dims[d]} + before[d] + after[d];
    if (out->shape.dims[d] != want)
      return ctx.fail(Status::kInvalidModel, "output dim %d is %d, expected %d + %d + %d = %lld", static_cast<int>(d),
                      static_cast<int>(out->shape.dims[d]), static_cast<int>(in->shape.dims[d]),
                      static_cast<int>(before[d]), static_cast<int>(after[d]), static_cast<long long>(want));
  }
  PadData d{};
  d.type = static_cast<int32_t>(t);
  MOTE_RETURN_IF_ERROR(read_pad_value(ctx, *out, &d));
  plan_pad(in->shape, before, after, &d.plan);
  ctx.request(sizeof(PadData), 0);
  if (PadData* dst = ctx.op_data<PadData>()) *dst = d;
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const PadData& d = *ctx.op_data<PadData>();
  switch (static_cast<TensorType>(d.type)) {
    case TensorType::kInt8:
      pad_s8(d.plan, ctx.input<int8_t>(0), static_cast<int8_t>(d.pad_int), ctx.output<int8_t>(0));
      break;
    case TensorType::kInt16:
      pad_s16(d.plan, ctx.input<int16_t>(0), static_cast<int16_t>(d.pad_int), ctx.output<int16_t>(0));
      break;
    case TensorType::kInt32: pad_s32(d.plan, ctx.input<int32_t>(0), d.pad_int, ctx.output<int32_t>(0)); break;
    default: pad_f32(d.plan, ctx.input<float>(0), d.pad_float, ctx.output<float>(0)); break;
  }
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::PAD, prepare, eval};

}  // namespace

const OpRegistration* op_pad() { return &kRegistration; }

}  // namespace mote
