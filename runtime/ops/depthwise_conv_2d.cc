// DEPTHWISE_CONV_2D: inputs (input, filter, optional bias), one output. See
// runtime/kernels/depthwise_conv2d.h for layouts and arithmetic.
//
// Supported type combinations (input / filter / bias / output):
//   FLOAT32 / FLOAT32 / FLOAT32 / FLOAT32
//   INT8    / INT8    / INT32   / INT8      per-channel (dimension 3) or per-tensor symmetric filter
//   INT16   / INT8    / INT64   / INT16
// The depth multiplier is output_channels / input_channels; the options' depth_multiplier, when
// set, must agree. Op data: DepthwiseData, then (quantized only) int32 multipliers[out_c] and
// int32 shifts[out_c].

#include "runtime/kernels/conv_prepare.h"
#include "runtime/kernels/depthwise_conv2d.h"
#include "runtime/kernels/quant.h"
#include "runtime/op.h"

namespace mote {
namespace {

// printf-style %d takes an int; int32_t is `long` on some targets.
inline int as_int(int32_t v) { return static_cast<int>(v); }

struct DepthwiseData {
  DepthwiseConv2DParams params;
  int32_t kind;  // ConvKind (kConvF32, kConvS8 or kConvS16)
  int32_t has_bias;
};

// DepthwiseConv2DOptions field ids: padding 0, stride_w 1, stride_h 2, depth_multiplier 3,
// fused_activation_function 4, dilation_w_factor 5, dilation_h_factor 6.
constexpr ConvOptionFields kOptFields = {0, 1, 2, 4, 5, 6};
constexpr int kOptDepthMultiplier = 3;

// Channels and depth multiplier (1HWC filter), then the spatial geometry.
Status compute_geometry(PrepareContext& ctx, const ConvTensors& t, const ConvOptions& o,
                        DepthwiseConv2DParams* p) {
  ConvGeometry& g = p->geo;
  const Shape& fs = t.filter->shape;
  g.input_depth = t.input->shape.dims[3];
  g.output_depth = fs.dims[3];
  if (fs.dims[0] != 1)
    return ctx.fail(Status::kInvalidModel, "filter tensor %d must be [1,H,W,C], has first dim %d",
                    as_int(t.filter->index), as_int(fs.dims[0]));
  if (g.input_depth <= 0 || g.output_depth % g.input_depth != 0)
    return ctx.fail(Status::kInvalidModel,
                    "filter tensor %d has %d channels, not a multiple of "
                    "the input's %d",
                    as_int(t.filter->index), as_int(g.output_depth), as_int(g.input_depth));
  p->depth_multiplier = g.output_depth / g.input_depth;
  const int32_t option = ctx.options().scalar<int32_t>(kOptDepthMultiplier, 0);
  if (option != 0 && option != p->depth_multiplier)
    return ctx.fail(Status::kInvalidModel, "depth_multiplier option %d but channels give %d/%d",
                    as_int(option), as_int(g.output_depth), as_int(g.input_depth));
  if (t.bias != nullptr && t.bias->shape.elements() != g.output_depth)
    return ctx.fail(Status::kInvalidModel, "bias tensor %d has %d elements, expected %d",
                    as_int(t.bias->index), as_int(t.bias->shape.elements()),
                    as_int(g.output_depth));
  return conv_spatial_geometry(ctx, t, o, &g);
}

Status prepare(PrepareContext& ctx) {
  ConvTensors t = {};
  ConvOptions o = {};
  int32_t kind = 0;
  MOTE_RETURN_IF_ERROR(get_conv_tensors(ctx, &t));
  MOTE_RETURN_IF_ERROR(read_conv_options(ctx, kOptFields, &o));
  MOTE_RETURN_IF_ERROR(select_conv_kind(ctx, t, false, 0, &kind));
  DepthwiseConv2DParams params;
  MOTE_RETURN_IF_ERROR(compute_geometry(ctx, t, o, &params));
  if (kind != kConvF32) MOTE_RETURN_IF_ERROR(check_conv_quantization(ctx, t, kind, 3));

  request_conv_data<DepthwiseData>(ctx, t, kind, o.activation, params, 0);
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const DepthwiseData& d = *ctx.op_data<DepthwiseData>();
  const int32_t* multipliers = reinterpret_cast<const int32_t*>(&d + 1);
  const int32_t* shifts = multipliers + d.params.geo.output_depth;
  const void* bias = d.has_bias ? ctx.inputs[2] : nullptr;
  switch (d.kind) {
    case kConvF32:
      depthwise_conv2d_f32(d.params, ctx.input<float>(0), ctx.input<float>(1),
                           static_cast<const float*>(bias), ctx.output<float>(0));
      break;
    case kConvS8:
      depthwise_conv2d_s8(d.params, multipliers, shifts, ctx.input<int8_t>(0), ctx.input<int8_t>(1),
                          static_cast<const int32_t*>(bias), ctx.output<int8_t>(0));
      break;
    default:
      depthwise_conv2d_s16(d.params, multipliers, shifts, ctx.input<int16_t>(0),
                           ctx.input<int8_t>(1), static_cast<const int64_t*>(bias),
                           ctx.output<int16_t>(0));
      break;
  }
  return Status::kOk;
}

constexpr OpRegistration kRegistration = {BuiltinOp::DEPTHWISE_CONV_2D, prepare, eval};

}  // namespace

const OpRegistration* op_depthwise_conv_2d() { return &kRegistration; }

}  // namespace mote
