// MEAN: average of the input over the axes listed in input 1 (constant int32, negative values
// count from the end, duplicates ignored). Output: the input shape without the reduced dims, or
// with them set to 1 when keep_dims. Types: float32, int8, int16; quantized outputs are rescaled
// from the input's scale/zero point to the output's, as the reference does.
// Options: ReducerOptions { keep_dims = 0 } (absent: false).
#include "runtime/kernels/activations_prepare.h"
#include "runtime/kernels/mean.h"
#include "runtime/kernels/quant.h"
#include "runtime/op.h"

namespace mote {
namespace {

struct MeanData {
  MeanParams p;
  int32_t type;
};

// Marks reduced dims in `reduced` from the constant axis tensor.
Status resolve_axes(PrepareContext& ctx, const TensorInfo& axis, int32_t rank, bool reduced[kMaxRank]) {
  if (axis.type != TensorType::kInt32)
    return ctx.fail(Status::kInvalidModel, "axis (tensor %d) must be int32, is %s", static_cast<int>(axis.index), type_name(axis.type));
  const int32_t n = axis.shape.elements();
  if (!axis.is_constant() && n != 0)
    return ctx.fail(Status::kUnsupported, "axis (tensor %d) must be a constant tensor", static_cast<int>(axis.index));
  for (int i = 0; i < kMaxRank; ++i) reduced[i] = false;
  for (int32_t i = 0; i < n; ++i) {
    const int32_t a = axis.const_at<int32_t>(static_cast<size_t>(i));
    const int32_t r = a < 0 ? a + rank : a;
    if (r < 0 || r >= rank)
      return ctx.fail(Status::kInvalidModel, "axis %d out of range for a rank-%d input", static_cast<int>(a),
                      static_cast<int>(rank));
    reduced[r] = true;
  }
  return Status::kOk;
}

// Drops size-1 dims, merges neighbours with the same role and assigns output strides.
void make_groups(const Shape& in, const bool reduced[kMaxRank], MeanParams* p) {
  int32_t g = -1;
  p->reduce_count = 1;
  for (int i = 0; i < in.rank; ++i) {
    if (reduced[i]) p->reduce_count *= in.dims[i];
    if (in.dims[i] == 1) continue;
    if (g >= 0 && p->reduced[g] == static_cast<int32_t>(reduced[i])) {
      p->sizes[g] *= in.dims[i];
    } else {
      ++g;
      p->sizes[g] = in.dims[i];
      p->reduced[g] = reduced[i];
    }
  }
  p->num_groups = g < 0 ? 1 : g + 1;
  if (g < 0) {
    p->sizes[0] = 1;
    p->reduced[0] = 0;
  }
  int32_t stride = 1;
  for (int32_t k = p->num_groups - 1; k >= 0; --k) {
    p->out_strides[k] = p->reduced[k] ? 0 : stride;
    if (!p->reduced[k]) stride *= p->sizes[k];
  }
  p->out_count = stride;
}

Status prepare_quant(PrepareContext& ctx, const TensorInfo& in, const TensorInfo& out, MeanParams* p) {
  if (in.num_scales == 0 || out.num_scales == 0 || !(in.scale > 0.0f) || !(out.scale > 0.0f))
    return ctx.fail(Status::kInvalidModel, "quantized %s input/output need positive scales", type_name(in.type));
  const int32_t qmin = in.type == TensorType::kInt8 ? -128 : -32768;
  const int32_t qmax = in.type == TensorType::kInt8 ? 127 : 32767;
  if (in.zero_point < qmin || in.zero_point > qmax || out.zero_point < qmin || out.zero_point > qmax)
    return ctx.fail(Status::kInvalidModel, "zero points %d (input) / %d (output) outside [%d, %d]",
                    static_cast<int>(in.zero_point), static_cast<int>(out.zero_point), static_cast<int>(qmin),
                    static_cast<int>(qmax));
  int shift = 0;
  quantize_multiplier(static_cast<double>(in.scale) / static_cast<double>(out.scale), &p->multiplier, &shift);
  p->shift = shift;
  mean_fold_count(p->reduce_count, &p->multiplier, &p->shift);
  p->input_zero_point = in.zero_point;
  p->output_zero_point = out.zero_point;
  return Status::kOk;
}

Status prepare(PrepareContext& ctx) {
  const TensorInfo* in = ctx.input(0);
  const TensorInfo* axis = ctx.input(1);
  const TensorInfo* out = ctx.output(0);
  if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1 || !in || !axis || !out)
    return ctx.fail(Status::kInvalidModel, "needs input, axis and 1 output; has %d inputs, %d outputs",
                    ctx.num_inputs(), ctx.num_outputs());
  MOTE_RETURN_IF_ERROR(check_io_type_s8_s16_f32(ctx, *in, *out));
  const TensorType t = in->type;
  if (in->shape.elements() == 0)
    return ctx.fail(Status::kUnsupported, "input (tensor %d) is empty", static_cast<int>(in->index));
  bool reduced[kMaxRank];
  MOTE_RETURN_IF_ERROR(resolve_axes(ctx, *axis, in->shape.rank, reduced));
  const bool keep_dims = ctx.options().scalar<uint8_t>(0, 0) != 0;
  Shape want;
  for (int i = 0; i < in->shape.rank; ++i) {
    if (!reduced[i]) want.dims[want.rank++] = in->shape.dims[i];
    else if (keep_dims) want.dims[want.rank++] = 1;
  }
  if (out->shape != want) {
    char s1[64], s2[64];
    format_shape(out->shape, s1, sizeof(s1));
    format_shape(want, s2, sizeof(s2));
    return ctx.fail(Status::kInvalidModel, "output (tensor %d) shape %s, expected %s", static_cast<int>(out->index), s1, s2);
  }
  MeanData d{};
  d.type = static_cast<int32_t>(t);
  make_groups(in->shape, reduced, &d.p);
  size_t scratch = 0;
  if (t != TensorType::kFloat32) {
    MOTE_RETURN_IF_ERROR(prepare_quant(ctx, *in, *out, &d.p));
    scratch = mean_scratch_bytes(d.p);
  }
  ctx.request(sizeof(MeanData), scratch);
  if (MeanData* dst = ctx.op_data<MeanData>()) *dst = d;
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const MeanData& d = *ctx.op_data<MeanData>();
  switch (static_cast<TensorType>(d.type)) {
    case TensorType::kInt8:
      mean_s8(d.p, ctx.input<int8_t>(0), ctx.output<int8_t>(0), static_cast<int32_t*>(ctx.scratch));
      break;
    case TensorType::kInt16:
      mean_s16(d.p, ctx.input<int16_t>(0), ctx.output<int16_t>(0), static_cast<int32_t*>(ctx.scratch));
      break;
    default:
      mean_f32(d.p, ctx.input<float>(0), ctx.output<float>(0));
      break;
  }
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::MEAN, prepare, eval};

}  // namespace

const OpRegistration* op_mean() { return &kRegistration; }

}  // namespace mote
