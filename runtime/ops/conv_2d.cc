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
#include "runtime/kernels/conv_prepare.h"
#include "runtime/kernels/quant.h"
#include "runtime/op.h"

namespace mote {
namespace {

// printf-style %d takes an int; int32_t is `long` on some targets.
inline int as_int(int32_t v) { return static_cast<int>(v); }

struct ConvData {
  Conv2DParams params;
  int32_t kind;  // ConvKind
  int32_t has_bias;
};

// Conv2DOptions field ids: padding 0, stride_w 1, stride_h 2, fused_activation_function 3,
// dilation_w_factor 4, dilation_h_factor 5, quantized_bias_type 6.
constexpr ConvOptionFields kOptFields = {0, 1, 2, 3, 4, 5};
constexpr int kOptQuantizedBiasType = 6;

// Channels and groups (OHWI filter: dim 0 output channels, dim 3 input channels per group), then
// the spatial geometry and the bias size.
Status compute_geometry(PrepareContext& ctx, const ConvTensors& t, const ConvOptions& o,
                        Conv2DParams* p) {
  ConvGeometry& g = p->geo;
  g.input_depth = t.input->shape.dims[3];
  g.output_depth = t.filter->shape.dims[0];
  p->filter_depth = t.filter->shape.dims[3];
  if (p->filter_depth <= 0 || g.input_depth % p->filter_depth != 0)
    return ctx.fail(Status::kInvalidModel,
                    "filter tensor %d has %d input channels, which does not "
                    "divide the input's %d",
                    as_int(t.filter->index), as_int(p->filter_depth), as_int(g.input_depth));
  const int32_t groups = g.input_depth / p->filter_depth;
  if (groups == 0 || g.output_depth % groups != 0)
    return ctx.fail(Status::kInvalidModel, "%d output channels cannot be split into %d groups",
                    as_int(g.output_depth), as_int(groups));
  MOTE_RETURN_IF_ERROR(conv_spatial_geometry(ctx, t, o, &g));
  if (t.bias != nullptr && t.bias->shape.elements() != g.output_depth)
    return ctx.fail(Status::kInvalidModel, "bias tensor %d has %d elements, expected %d",
                    as_int(t.bias->index), as_int(t.bias->shape.elements()),
                    as_int(g.output_depth));
  return Status::kOk;
}

Status prepare(PrepareContext& ctx) {
  ConvTensors t = {};
  ConvOptions o = {};
  int32_t kind = 0;
  MOTE_RETURN_IF_ERROR(get_conv_tensors(ctx, &t));
  MOTE_RETURN_IF_ERROR(read_conv_options(ctx, kOptFields, &o));
  const int8_t quantized_bias_type = ctx.options().scalar<int8_t>(kOptQuantizedBiasType, 0);
  MOTE_RETURN_IF_ERROR(select_conv_kind(ctx, t, true, quantized_bias_type, &kind));
  Conv2DParams params;
  MOTE_RETURN_IF_ERROR(compute_geometry(ctx, t, o, &params));
  if (kind != kConvF32) MOTE_RETURN_IF_ERROR(check_conv_quantization(ctx, t, kind, 0));

  const size_t scratch = kind == kConvS8 ? conv2d_s8_scratch_bytes(params) : 0;
  request_conv_data<ConvData>(ctx, t, kind, o.activation, params, scratch);
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
