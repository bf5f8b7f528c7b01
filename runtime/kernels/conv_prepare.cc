#include "runtime/kernels/conv_prepare.h"

#include "runtime/kernels/activations_prepare.h"

namespace mote {

namespace {
// printf-style %d takes an int; int32_t is `long` on some targets.
inline int as_int(int32_t v) { return static_cast<int>(v); }
}  // namespace

Status get_conv_tensors(PrepareContext& ctx, ConvTensors* t) {
  if (ctx.num_inputs() < 2 || ctx.num_inputs() > 3 || ctx.num_outputs() != 1)
    return ctx.fail(Status::kInvalidModel, "needs 2 or 3 inputs and 1 output, has %d and %d",
                    as_int(ctx.num_inputs()), as_int(ctx.num_outputs()));
  t->input = ctx.input(0);
  t->filter = ctx.input(1);
  t->bias = ctx.input(2);
  t->output = ctx.output(0);
  if (t->input == nullptr || t->filter == nullptr || t->output == nullptr)
    return ctx.fail(Status::kInvalidModel, "input, filter and output tensors are required");
  const TensorInfo* four_d[3] = {t->input, t->filter, t->output};
  for (const TensorInfo* ti : four_d) {
    if (ti->shape.rank != 4)
      return ctx.fail(Status::kInvalidModel, "tensor %d must be 4-D, has rank %d",
                      as_int(ti->index), as_int(ti->shape.rank));
  }
  return Status::kOk;
}

Status read_conv_options(PrepareContext& ctx, const ConvOptionFields& f, ConvOptions* o) {
  const fb::Table& opt = ctx.options();
  const int8_t padding = opt.scalar<int8_t>(f.padding, 0);
  o->stride_w = opt.scalar<int32_t>(f.stride_w, 0);
  o->stride_h = opt.scalar<int32_t>(f.stride_h, 0);
  o->dilation_w = opt.scalar<int32_t>(f.dilation_w, 1);
  o->dilation_h = opt.scalar<int32_t>(f.dilation_h, 1);
  o->activation = opt.scalar<uint8_t>(f.activation, 0);
  if (padding != 0 && padding != 1)
    return ctx.fail(Status::kInvalidModel, "padding %d is neither SAME (0) nor VALID (1)",
                    as_int(padding));
  o->same = padding == 0;
  if (o->stride_w < 1 || o->stride_h < 1)
    return ctx.fail(Status::kInvalidModel, "strides must be >= 1, got stride_w %d stride_h %d",
                    as_int(o->stride_w), as_int(o->stride_h));
  if (o->dilation_w < 1 || o->dilation_h < 1)
    return ctx.fail(Status::kInvalidModel, "dilations must be >= 1, got w %d h %d",
                    as_int(o->dilation_w), as_int(o->dilation_h));
  if (o->activation > 3)
    return ctx.fail(Status::kUnsupported,
                    "fused activation %d is not supported (only NONE, RELU, "
                    "RELU_N1_TO_1, RELU6)",
                    as_int(o->activation));
  return Status::kOk;
}

Status select_conv_kind(PrepareContext& ctx, const ConvTensors& t, bool allow_acc32,
                        int8_t quantized_bias_type, int32_t* kind) {
  const TensorType in = t.input->type, w = t.filter->type, out = t.output->type;
  const bool has_bias = t.bias != nullptr;
  const TensorType b = has_bias ? t.bias->type : TensorType::kFloat32;
  if (in != out)
    return ctx.fail(Status::kInvalidModel, "input tensor %d is %s but output tensor %d is %s",
                    as_int(t.input->index), type_name(in), as_int(t.output->index), type_name(out));
  if (in == TensorType::kFloat32 && w == TensorType::kFloat32 &&
      (!has_bias || b == TensorType::kFloat32)) {
    *kind = kConvF32;
  } else if (in == TensorType::kInt8 && w == TensorType::kInt8 &&
             (!has_bias || b == TensorType::kInt32)) {
    *kind = kConvS8;
  } else if (in == TensorType::kInt16 && w == TensorType::kInt8 &&
             (!has_bias || b == TensorType::kInt64 || (allow_acc32 && b == TensorType::kInt32))) {
    const bool acc32 =
        allow_acc32 && (has_bias ? b == TensorType::kInt32
                                 : quantized_bias_type == static_cast<int8_t>(TensorType::kInt32));
    *kind = acc32 ? kConvS16Acc32 : kConvS16;
  } else {
    return ctx.fail(Status::kUnsupported, "unsupported types: input %s, filter %s, bias %s",
                    type_name(in), type_name(w), has_bias ? type_name(b) : "none");
  }
  return Status::kOk;
}

Status conv_spatial_geometry(PrepareContext& ctx, const ConvTensors& t, const ConvOptions& o,
                             ConvGeometry* g) {
  const Shape& is = t.input->shape;
  const Shape& os = t.output->shape;
  g->batches = is.dims[0];
  g->input_height = is.dims[1];
  g->input_width = is.dims[2];
  g->filter_height = t.filter->shape.dims[1];
  g->filter_width = t.filter->shape.dims[2];
  g->stride_height = o.stride_h;
  g->stride_width = o.stride_w;
  g->dilation_height = o.dilation_h;
  g->dilation_width = o.dilation_w;
  int32_t oh = 0, ow = 0;
  if (!conv_output_size(o.same, g->input_height, g->filter_height, o.stride_h, o.dilation_h, &oh) ||
      !conv_output_size(o.same, g->input_width, g->filter_width, o.stride_w, o.dilation_w, &ow))
    return ctx.fail(Status::kInvalidModel, "%dx%d filter (dilation %d,%d) does not fit %dx%d input",
                    as_int(g->filter_height), as_int(g->filter_width), as_int(o.dilation_h),
                    as_int(o.dilation_w), as_int(g->input_height), as_int(g->input_width));
  if (os.dims[0] != g->batches || os.dims[1] != oh || os.dims[2] != ow ||
      os.dims[3] != g->output_depth)
    return ctx.fail(Status::kInvalidModel,
                    "output tensor %d is [%d,%d,%d,%d] but the op gives "
                    "[%d,%d,%d,%d]",
                    as_int(t.output->index), as_int(os.dims[0]), as_int(os.dims[1]),
                    as_int(os.dims[2]), as_int(os.dims[3]), as_int(g->batches), as_int(oh),
                    as_int(ow), as_int(g->output_depth));
  g->output_height = oh;
  g->output_width = ow;
  g->pad_top =
      conv_padding_before(o.stride_h, o.dilation_h, g->input_height, g->filter_height, oh);
  g->pad_left = conv_padding_before(o.stride_w, o.dilation_w, g->input_width, g->filter_width, ow);
  return Status::kOk;
}

namespace {

// Scales, filter scale count and axis, zero points.
Status check_conv_scales(PrepareContext& ctx, const ConvTensors& t, int32_t kind,
                         int32_t channel_dim) {
  const TensorInfo* need[3] = {t.input, t.filter, t.output};
  for (const TensorInfo* ti : need) {
    if (ti->num_scales == 0)
      return ctx.fail(Status::kInvalidModel, "tensor %d has no quantization parameters",
                      as_int(ti->index));
  }
  if (!(t.input->scale > 0.0f) || !(t.output->scale > 0.0f))
    return ctx.fail(Status::kInvalidModel, "input scale %f and output scale %f must be positive",
                    static_cast<double>(t.input->scale), static_cast<double>(t.output->scale));
  const TensorInfo& f = *t.filter;
  const int32_t out_c = f.shape.dims[channel_dim];
  if (f.num_scales != 1 && f.num_scales != static_cast<uint32_t>(out_c))
    return ctx.fail(Status::kInvalidModel, "filter tensor %d has %u scales for %d output channels",
                    as_int(f.index), static_cast<unsigned>(f.num_scales), as_int(out_c));
  if (f.num_scales > 1 && f.quantized_dimension != channel_dim)
    return ctx.fail(Status::kInvalidModel, "filter tensor %d is quantized along dimension %d, not %d",
                    as_int(f.index), as_int(f.quantized_dimension), as_int(channel_dim));
  for (uint32_t i = 0; i < f.zero_points.count; ++i) {
    if (f.zero_point_at(i) != 0)
      return ctx.fail(Status::kUnsupported,
                      "filter tensor %d zero point %lld (channel %u) is not 0", as_int(f.index),
                      static_cast<long long>(f.zero_point_at(i)), static_cast<unsigned>(i));
  }
  const int32_t lo = kind == kConvS8 ? -128 : 0, hi = kind == kConvS8 ? 127 : 0;
  const TensorInfo* act[2] = {t.input, t.output};
  for (const TensorInfo* ti : act) {
    if (ti->zero_point < lo || ti->zero_point > hi)
      return ctx.fail(Status::kUnsupported, "tensor %d zero point %d is outside [%d, %d]",
                      as_int(ti->index), as_int(ti->zero_point), as_int(lo), as_int(hi));
  }
  return Status::kOk;
}

// The requantization shift must stay in the range the kernels' shifts are defined for (a left
// shift of the int32 accumulator below 31 bits; 15 - shift >= 1 for the int16 kernels' 64-bit
// form). Only absurd scales (input_scale * filter_scale / output_scale >= 2^15 or 2^30) fail.
Status check_conv_multipliers(PrepareContext& ctx, const ConvTensors& t, int32_t kind) {
  const TensorInfo& f = *t.filter;
  const int32_t max_shift = kind == kConvS16 ? 14 : 30;
  for (uint32_t c = 0; c < f.num_scales; ++c) {
    int32_t multiplier = 0, shift = 0;
    conv_channel_multiplier(t.input->scale, f.scale_at(c), t.output->scale, &multiplier, &shift);
    if (shift > max_shift)
      return ctx.fail(Status::kUnsupported,
                      "channel %u: multiplier input_scale * filter_scale / output_scale = %f is "
                      "too large (shift %d > %d)",
                      static_cast<unsigned>(c),
                      static_cast<double>(t.input->scale) * f.scale_at(c) / t.output->scale,
                      as_int(shift), as_int(max_shift));
  }
  return Status::kOk;
}

}  // namespace

Status check_conv_quantization(PrepareContext& ctx, const ConvTensors& t, int32_t kind,
                               int32_t channel_dim) {
  MOTE_RETURN_IF_ERROR(check_conv_scales(ctx, t, kind, channel_dim));
  return check_conv_multipliers(ctx, t, kind);
}

void conv_channel_multipliers(const TensorInfo& input, const TensorInfo& filter,
                              const TensorInfo& output, int32_t channels, int32_t* multipliers,
                              int32_t* shifts) {
  for (int32_t c = 0; c < channels; ++c) {
    const float fscale = filter.scale_at(filter.num_scales > 1 ? static_cast<uint32_t>(c) : 0);
    conv_channel_multiplier(input.scale, fscale, output.scale, &multipliers[c], &shifts[c]);
  }
}

// ---- AVERAGE_POOL_2D / MAX_POOL_2D ----------------------------------------------------------

namespace {

Status check_pool_quantization(PrepareContext& ctx, const TensorInfo& in, const TensorInfo& out) {
  if (in.num_scales == 0 || out.num_scales == 0 || !(in.scale > 0.0f))
    return ctx.fail(Status::kInvalidModel, "quantized %s input/output need scales", type_name(in.type));
  float diff = in.scale - out.scale;
  diff = diff < 0 ? -diff : diff;
  if (static_cast<double>(diff) > 1.0e-6 || in.zero_point != out.zero_point)
    return ctx.fail(Status::kInvalidModel,
                    "input (scale %f, zero point %d) and output (scale %f, zero point %d) must share quantization",
                    static_cast<double>(in.scale), static_cast<int>(in.zero_point),
                    static_cast<double>(out.scale), static_cast<int>(out.zero_point));
  return Status::kOk;
}

// Tensor count, types and the input's rank.
Status check_pool_tensors(PrepareContext& ctx, const TensorInfo* in, const TensorInfo* out) {
  if (ctx.num_inputs() != 1 || ctx.num_outputs() != 1 || !in || !out)
    return ctx.fail(Status::kInvalidModel, "needs 1 input and 1 output, has %d and %d", ctx.num_inputs(),
                    ctx.num_outputs());
  MOTE_RETURN_IF_ERROR(check_io_type_s8_s16_f32(ctx, *in, *out));
  if (in->shape.rank != 4) {
    char s[64];
    format_shape(in->shape, s, sizeof(s));
    return ctx.fail(Status::kInvalidModel, "input (tensor %d) must be 4-D NHWC, is %s", static_cast<int>(in->index), s);
  }
  return Status::kOk;
}

// Reads the options, computes geometry and clamps, checks the output shape.
Status prepare_pool(PrepareContext& ctx, PoolOpData* d) {
  const TensorInfo* in = ctx.input(0);
  const TensorInfo* out = ctx.output(0);
  MOTE_RETURN_IF_ERROR(check_pool_tensors(ctx, in, out));
  const TensorType t = in->type;
  const fb::Table& o = ctx.options();
  if (!o.present()) return ctx.fail(Status::kInvalidModel, "Pool2DOptions missing");
  const int8_t padding = o.scalar<int8_t>(0, 0);
  const uint8_t act = o.scalar<uint8_t>(5, 0);
  PoolParams& p = d->p;
  p.stride_w = o.scalar<int32_t>(1, 0);
  p.stride_h = o.scalar<int32_t>(2, 0);
  p.filter_w = o.scalar<int32_t>(3, 0);
  p.filter_h = o.scalar<int32_t>(4, 0);
  if (padding != 0 && padding != 1)
    return ctx.fail(Status::kInvalidModel, "padding %d is neither SAME nor VALID", static_cast<int>(padding));
  if (act > 3)
    return ctx.fail(Status::kUnsupported, "fused activation %u not supported", static_cast<unsigned>(act));
  p.batches = in->shape.dims[0];
  p.input_h = in->shape.dims[1];
  p.input_w = in->shape.dims[2];
  p.depth = in->shape.dims[3];
  const bool same = padding == 0;
  if (!conv_output_size(same, p.input_h, p.filter_h, p.stride_h, 1, &p.output_h) ||
      !conv_output_size(same, p.input_w, p.filter_w, p.stride_w, 1, &p.output_w) || p.output_h == 0 ||
      p.output_w == 0)
    return ctx.fail(Status::kInvalidModel, "filter %dx%d, stride %dx%d do not fit input %dx%d",
                    static_cast<int>(p.filter_h), static_cast<int>(p.filter_w), static_cast<int>(p.stride_h),
                    static_cast<int>(p.stride_w), static_cast<int>(p.input_h), static_cast<int>(p.input_w));
  Shape want = in->shape;
  want.dims[1] = p.output_h;
  want.dims[2] = p.output_w;
  if (out->shape != want) {
    char s1[64], s2[64];
    format_shape(out->shape, s1, sizeof(s1));
    format_shape(want, s2, sizeof(s2));
    return ctx.fail(Status::kInvalidModel, "output (tensor %d) shape %s, expected %s", static_cast<int>(out->index), s1, s2);
  }
  p.pad_top = conv_padding_before(p.stride_h, 1, p.input_h, p.filter_h, p.output_h);
  p.pad_left = conv_padding_before(p.stride_w, 1, p.input_w, p.filter_w, p.output_w);
  d->type = static_cast<int32_t>(t);
  if (t == TensorType::kFloat32) {
    activation_range_float(act, &p.act_min_f, &p.act_max_f);
    return Status::kOk;
  }
  MOTE_RETURN_IF_ERROR(check_pool_quantization(ctx, *in, *out));
  const bool s8 = t == TensorType::kInt8;
  activation_range_quantized(act, out->scale, out->zero_point, s8 ? -128 : -32768, s8 ? 127 : 32767,
                             &p.act_min, &p.act_max);
  return Status::kOk;
}

}  // namespace

Status prepare_pool_2d(PrepareContext& ctx) {
  PoolOpData d{};
  MOTE_RETURN_IF_ERROR(prepare_pool(ctx, &d));
  ctx.request(sizeof(PoolOpData), 0);
  if (PoolOpData* dst = ctx.op_data<PoolOpData>()) *dst = d;
  return Status::kOk;
}

}  // namespace mote
