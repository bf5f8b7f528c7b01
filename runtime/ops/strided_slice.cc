// STRIDED_SLICE: out = in[begin:end:strides] (see runtime/kernels/strided_slice.h).
// Inputs: 0 data (int8, int16, int32, float32; rank <= 5); 1 begin, 2 end, 3 strides: constant
// int32 (or int64) vectors of length rank. Options: StridedSliceOptions { begin_mask = 0,
// end_mask = 1, ellipsis_mask = 2, new_axis_mask = 3, shrink_axis_mask = 4, offset = 5 };
// ellipsis_mask, new_axis_mask and offset must be 0 (the reference ignores them, so a model that
// sets them cannot be run faithfully).
#include "runtime/kernels/strided_slice.h"

#include "runtime/kernels/activations_prepare.h"
#include "runtime/op.h"

namespace mote {
namespace {

struct StridedSliceData {
  int32_t type;
  StridedSlicePlan plan;
};

Status read_indices(PrepareContext& ctx, int input, const char* what, int32_t rank, int32_t* out) {
  const TensorInfo* t = ctx.input(input);
  if (t == nullptr) return ctx.fail(Status::kInvalidModel, "%s input is missing", what);
  if (t->type != TensorType::kInt32 && t->type != TensorType::kInt64)
    return ctx.fail(Status::kUnsupported, "%s tensor %d has type %s (int32 or int64 expected)", what,
                    static_cast<int>(t->index), type_name(t->type));
  if (!t->is_constant())
    return ctx.fail(Status::kUnsupported, "%s tensor %d must be constant", what, static_cast<int>(t->index));
  if (t->shape.rank != 1 || t->shape.dims[0] != rank)
    return ctx.fail(Status::kInvalidModel, "%s tensor %d must be a vector of %d values", what,
                    static_cast<int>(t->index), static_cast<int>(rank));
  for (int32_t i = 0; i < rank; ++i) {
    const int64_t v = t->type == TensorType::kInt64 ? t->const_at<int64_t>(static_cast<size_t>(i))
                                                    : t->const_at<int32_t>(static_cast<size_t>(i));
    if (v < INT32_MIN || v > INT32_MAX)
      return ctx.fail(Status::kInvalidModel, "%s tensor %d value %lld out of int32 range", what,
                      static_cast<int>(t->index), static_cast<long long>(v));
    out[i] = static_cast<int32_t>(v);
  }
  return Status::kOk;
}

Status read_masks(PrepareContext& ctx, StridedSliceMasks* m) {
  const fb::Table& o = ctx.options();
  m->begin = static_cast<uint32_t>(o.scalar<int32_t>(0, 0));
  m->end = static_cast<uint32_t>(o.scalar<int32_t>(1, 0));
  const int32_t ellipsis = o.scalar<int32_t>(2, 0), new_axis = o.scalar<int32_t>(3, 0);
  m->shrink_axis = static_cast<uint32_t>(o.scalar<int32_t>(4, 0));
  const uint8_t offset = o.scalar<uint8_t>(5, 0);
  if (ellipsis != 0 || new_axis != 0 || offset != 0)
    return ctx.fail(Status::kUnsupported, "ellipsis_mask %d, new_axis_mask %d, offset %u not supported (must be 0)",
                    static_cast<int>(ellipsis), static_cast<int>(new_axis), static_cast<unsigned>(offset));
  return Status::kOk;
}

Status plan(PrepareContext& ctx, const TensorInfo& in, const TensorInfo& out, StridedSlicePlan* p) {
  const int32_t rank = in.shape.rank;
  int32_t begin[kStridedSliceMaxRank], end[kStridedSliceMaxRank], strides[kStridedSliceMaxRank];
  MOTE_RETURN_IF_ERROR(read_indices(ctx, 1, "begin", rank, begin));
  MOTE_RETURN_IF_ERROR(read_indices(ctx, 2, "end", rank, end));
  MOTE_RETURN_IF_ERROR(read_indices(ctx, 3, "strides", rank, strides));
  StridedSliceMasks masks;
  MOTE_RETURN_IF_ERROR(read_masks(ctx, &masks));
  Shape expect;
  int32_t axis = 0;
  switch (plan_strided_slice(in.shape, begin, end, strides, masks, p, &expect, &axis)) {
    case StridedSliceError::kOk: break;
    case StridedSliceError::kZeroStride:
      return ctx.fail(Status::kInvalidModel, "axis %d has stride 0", static_cast<int>(axis));
    case StridedSliceError::kShrinkOutOfRange:
      return ctx.fail(Status::kInvalidModel, "shrink axis %d: begin %d outside [0, %d)", static_cast<int>(axis),
                      static_cast<int>(begin[axis]), static_cast<int>(in.shape.dims[axis]));
    case StridedSliceError::kShrinkNegative:
      return ctx.fail(Status::kUnsupported, "shrink axis %d has negative stride %d", static_cast<int>(axis),
                      static_cast<int>(strides[axis]));
  }
  if (expect != out.shape) {
    char se[48], so[48];
    format_shape(expect, se, sizeof(se));
    format_shape(out.shape, so, sizeof(so));
    return ctx.fail(Status::kInvalidModel, "output tensor %d has shape %s, the slice gives %s",
                    static_cast<int>(out.index), so, se);
  }
  return Status::kOk;
}

Status prepare(PrepareContext& ctx) {
  const TensorInfo* in = ctx.input(0);
  const TensorInfo* out = ctx.output(0);
  if (ctx.num_inputs() != 4 || ctx.num_outputs() != 1 || !in || !out)
    return ctx.fail(Status::kInvalidModel, "needs 4 inputs and 1 output, has %d and %d", ctx.num_inputs(),
                    ctx.num_outputs());
  MOTE_RETURN_IF_ERROR(check_io_type_s8_s16_s32_f32(ctx, *in, *out));
  const TensorType t = in->type;
  if (in->shape.rank > kStridedSliceMaxRank)
    return ctx.fail(Status::kUnsupported, "input rank %d exceeds %d", static_cast<int>(in->shape.rank),
                    kStridedSliceMaxRank);
  StridedSliceData d{};
  d.type = static_cast<int32_t>(t);
  MOTE_RETURN_IF_ERROR(plan(ctx, *in, *out, &d.plan));
  ctx.request(sizeof(StridedSliceData), 0);
  if (StridedSliceData* dst = ctx.op_data<StridedSliceData>()) *dst = d;
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const StridedSliceData& d = *ctx.op_data<StridedSliceData>();
  switch (static_cast<TensorType>(d.type)) {
    case TensorType::kInt8: strided_slice_s8(d.plan, ctx.input<int8_t>(0), ctx.output<int8_t>(0)); break;
    case TensorType::kInt16: strided_slice_s16(d.plan, ctx.input<int16_t>(0), ctx.output<int16_t>(0)); break;
    case TensorType::kInt32: strided_slice_s32(d.plan, ctx.input<int32_t>(0), ctx.output<int32_t>(0)); break;
    default: strided_slice_f32(d.plan, ctx.input<float>(0), ctx.output<float>(0)); break;
  }
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::STRIDED_SLICE, prepare, eval};

}  // namespace

const OpRegistration* op_strided_slice() { return &kRegistration; }

}  // namespace mote
