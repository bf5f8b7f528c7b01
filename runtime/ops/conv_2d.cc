// CONV_2D: inputs (input, filter, optional bias), one output. See runtime/kernels/conv2d.h for
// layouts and arithmetic.
//
// Supported type combinations (input / filter / bias / output):
//   FLOAT32 / FLOAT32 / FLOAT32 / FLOAT32
//   INT8    / INT8    / INT32   / INT8      per-channel or per-tensor symmetric filter
//   INT16   / INT8    / INT64   / INT16     64-bit accumulator
//   INT16   / INT8    / INT32   / INT16     32-bit accumulator (also without bias when the
//                                           options' quantized_bias_type is INT32)
// Op data: ConvData, then (quantized only) int32 multipliers[out_c] and int32 shifts[out_c].

#include "runtime/kernels/conv2d.h"
#include "runtime/kernels/conv_common.h"
#include "runtime/kernels/quant.h"
#include "runtime/op.h"

namespace mote {
namespace {

// printf-style %d takes an int; int32_t is `long` on some targets.
inline int as_int(int32_t v) { return static_cast<int>(v); }

enum ConvKind : int32_t { kConvF32 = 0, kConvS8 = 1, kConvS16 = 2, kConvS16Acc32 = 3 };

struct ConvData {
  Conv2DParams params;
  int32_t kind;
  int32_t has_bias;
};

// Conv2DOptions field ids.
constexpr int kOptPadding = 0, kOptStrideW = 1, kOptStrideH = 2, kOptActivation = 3,
              kOptDilationW = 4, kOptDilationH = 5, kOptQuantizedBiasType = 6;

struct Tensors {
  const TensorInfo* input;
  const TensorInfo* filter;
  const TensorInfo* bias;  // nullptr when omitted
  const TensorInfo* output;
};

struct Options {
  bool same;
  int32_t stride_w, stride_h, dilation_w, dilation_h;
  uint8_t activation;
  int8_t quantized_bias_type;
};

Status get_tensors(PrepareContext& ctx, Tensors* t) {
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

// Picks the kernel from the type combination.
Status select_kind(PrepareContext& ctx, const Tensors& t, const Options& o, int32_t* kind) {
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
             (!has_bias || b == TensorType::kInt64 || b == TensorType::kInt32)) {
    const bool acc32 = has_bias ? b == TensorType::kInt32
                                : o.quantized_bias_type == static_cast<int8_t>(TensorType::kInt32);
    *kind = acc32 ? kConvS16Acc32 : kConvS16;
  } else {
    return ctx.fail(Status::kUnsupported, "unsupported types: input %s, filter %s, bias %s",
                    type_name(in), type_name(w), has_bias ? type_name(b) : "none");
  }
  return Status::kOk;
}

Status read_options(PrepareContext& ctx, Options* o) {
  const fb::Table& opt = ctx.options();
  const int8_t padding = opt.scalar<int8_t>(kOptPadding, 0);
  o->stride_w = opt.scalar<int32_t>(kOptStrideW, 0);
  o->stride_h = opt.scalar<int32_t>(kOptStrideH, 0);
  o->dilation_w = opt.scalar<int32_t>(kOptDilationW, 1);
  o->dilation_h = opt.scalar<int32_t>(kOptDilationH, 1);
  o->activation = opt.scalar<uint8_t>(kOptActivation, 0);
  o->quantized_bias_type = opt.scalar<int8_t>(kOptQuantizedBiasType, 0);
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

// Shapes, groups, output size and padding.
Status compute_geometry(PrepareContext& ctx, const Tensors& t, const Options& o, Conv2DParams* p) {
  const Shape& is = t.input->shape;
  const Shape& fs = t.filter->shape;
  const Shape& os = t.output->shape;
  ConvGeometry& g = p->geo;
  g.batches = is.dims[0];
  g.input_height = is.dims[1];
  g.input_width = is.dims[2];
  g.input_depth = is.dims[3];
  g.output_depth = fs.dims[0];
  g.filter_height = fs.dims[1];
  g.filter_width = fs.dims[2];
  p->filter_depth = fs.dims[3];
  if (p->filter_depth <= 0 || g.input_depth % p->filter_depth != 0)
    return ctx.fail(Status::kInvalidModel,
                    "filter tensor %d has %d input channels, which does not "
                    "divide the input's %d",
                    as_int(t.filter->index), as_int(p->filter_depth), as_int(g.input_depth));
  const int32_t groups = g.input_depth / p->filter_depth;
  if (groups == 0 || g.output_depth % groups != 0)
    return ctx.fail(Status::kInvalidModel, "%d output channels cannot be split into %d groups",
                    as_int(g.output_depth), as_int(groups));
  g.stride_height = o.stride_h;
  g.stride_width = o.stride_w;
  g.dilation_height = o.dilation_h;
  g.dilation_width = o.dilation_w;
  int32_t oh = 0, ow = 0;
  if (!conv_output_size(o.same, g.input_height, g.filter_height, o.stride_h, o.dilation_h, &oh) ||
      !conv_output_size(o.same, g.input_width, g.filter_width, o.stride_w, o.dilation_w, &ow))
    return ctx.fail(Status::kInvalidModel, "%dx%d filter (dilation %d,%d) does not fit %dx%d input",
                    as_int(g.filter_height), as_int(g.filter_width), as_int(o.dilation_h),
                    as_int(o.dilation_w), as_int(g.input_height), as_int(g.input_width));
  if (os.dims[0] != g.batches || os.dims[1] != oh || os.dims[2] != ow ||
      os.dims[3] != g.output_depth)
    return ctx.fail(Status::kInvalidModel,
                    "output tensor %d is [%d,%d,%d,%d] but the op gives "
                    "[%d,%d,%d,%d]",
                    as_int(t.output->index), as_int(os.dims[0]), as_int(os.dims[1]),
                    as_int(os.dims[2]), as_int(os.dims[3]), as_int(g.batches), as_int(oh),
                    as_int(ow), as_int(g.output_depth));
  g.output_height = oh;
  g.output_width = ow;
  g.pad_top = conv_padding_before(o.stride_h, o.dilation_h, g.input_height, g.filter_height, oh);
  g.pad_left = conv_padding_before(o.stride_w, o.dilation_w, g.input_width, g.filter_width, ow);
  if (t.bias != nullptr && t.bias->shape.elements() != g.output_depth)
    return ctx.fail(Status::kInvalidModel, "bias tensor %d has %d elements, expected %d",
                    as_int(t.bias->index), as_int(t.bias->shape.elements()),
                    as_int(g.output_depth));
  return Status::kOk;
}

// Quantization parameters of input, filter and output for the integer kinds.
Status check_quantization(PrepareContext& ctx, const Tensors& t, int32_t kind) {
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
  const int32_t out_c = f.shape.dims[0];
  if (f.num_scales != 1 && f.num_scales != static_cast<uint32_t>(out_c))
    return ctx.fail(Status::kInvalidModel, "filter tensor %d has %u scales for %d output channels",
                    as_int(f.index), static_cast<unsigned>(f.num_scales), as_int(out_c));
  if (f.num_scales > 1 && f.quantized_dimension != 0)
    return ctx.fail(Status::kInvalidModel,
                    "filter tensor %d is quantized along dimension %d, not 0", as_int(f.index),
                    as_int(f.quantized_dimension));
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
Status check_multipliers(PrepareContext& ctx, const Tensors& t, int32_t kind) {
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

void fill_quantized(const Tensors& t, int32_t kind, ConvData* d, int32_t* multipliers,
                    int32_t* shifts, uint8_t activation) {
  Conv2DParams& p = d->params;
  const TensorInfo& f = *t.filter;
  for (int32_t c = 0; c < p.geo.output_depth; ++c) {
    const float fscale = f.scale_at(f.num_scales > 1 ? static_cast<uint32_t>(c) : 0);
    conv_channel_multiplier(t.input->scale, fscale, t.output->scale, &multipliers[c], &shifts[c]);
  }
  p.input_offset = -t.input->zero_point;
  p.output_offset = t.output->zero_point;
  const int32_t qmin = kind == kConvS8 ? -128 : -32768, qmax = kind == kConvS8 ? 127 : 32767;
  activation_range_quantized(activation, t.output->scale, t.output->zero_point, qmin, qmax,
                             &p.act_min, &p.act_max);
}

Status prepare(PrepareContext& ctx) {
  Tensors t = {};
  Options o = {};
  int32_t kind = 0;
  MOTE_RETURN_IF_ERROR(get_tensors(ctx, &t));
  MOTE_RETURN_IF_ERROR(read_options(ctx, &o));
  MOTE_RETURN_IF_ERROR(select_kind(ctx, t, o, &kind));
  Conv2DParams params;
  MOTE_RETURN_IF_ERROR(compute_geometry(ctx, t, o, &params));
  if (kind != kConvF32) {
    MOTE_RETURN_IF_ERROR(check_quantization(ctx, t, kind));
    MOTE_RETURN_IF_ERROR(check_multipliers(ctx, t, kind));
  }

  const int32_t channels = params.geo.output_depth;
  const size_t per_channel =
      kind == kConvF32 ? 0 : 2 * sizeof(int32_t) * static_cast<size_t>(channels);
  const size_t scratch = kind == kConvS8 ? conv2d_s8_scratch_bytes(params) : 0;
  ctx.request(sizeof(ConvData) + per_channel, scratch);
  ConvData* d = ctx.op_data<ConvData>();
  if (d == nullptr) return Status::kOk;  // measuring pass

  d->params = params;
  d->kind = kind;
  d->has_bias = t.bias != nullptr ? 1 : 0;
  if (kind == kConvF32) {
    activation_range_float(o.activation, &d->params.act_min_f, &d->params.act_max_f);
  } else {
    int32_t* multipliers = reinterpret_cast<int32_t*>(d + 1);
    fill_quantized(t, kind, d, multipliers, multipliers + channels, o.activation);
  }
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const ConvData& d = *ctx.op_data<ConvData>();
  const int32_t* multipliers = reinterpret_cast<const int32_t*>(&d + 1);
  const int32_t* shifts = multipliers + d.params.geo.output_depth;
  const void* bias = d.has_bias ? ctx.inputs[2] : nullptr;
  switch (d.kind) {
    case kConvF32:
      conv2d_f32(d.params, ctx.input<float>(0), ctx.input<float>(1),
                 static_cast<const float*>(bias), ctx.output<float>(0));
      break;
    case kConvS8:
      conv2d_s8(d.params, multipliers, shifts, ctx.input<int8_t>(0), ctx.input<int8_t>(1),
                static_cast<const int32_t*>(bias), ctx.output<int8_t>(0), ctx.scratch);
      break;
    case kConvS16:
      conv2d_s16(d.params, multipliers, shifts, ctx.input<int16_t>(0), ctx.input<int8_t>(1),
                 static_cast<const int64_t*>(bias), ctx.output<int16_t>(0));
      break;
    default:
      conv2d_s16_acc32(d.params, multipliers, shifts, ctx.input<int16_t>(0), ctx.input<int8_t>(1),
                       static_cast<const int32_t*>(bias), ctx.output<int16_t>(0));
      break;
  }
  return Status::kOk;
}

constexpr OpRegistration kRegistration = {BuiltinOp::CONV_2D, prepare, eval};

}  // namespace

const OpRegistration* op_conv_2d() { return &kRegistration; }

}  // namespace mote
