// mote — prepare-time checks shared by the windowed ops: CONV_2D, DEPTHWISE_CONV_2D,
// TRANSPOSE_CONV (per-channel multipliers) and AVERAGE_POOL_2D / MAX_POOL_2D
// (runtime/ops/<stem>.cc).
//
// Not a kernel: these run once per op instance in prepare and report failures through the
// PrepareContext, naming the tensor, the rule and the numbers. The geometry rules they apply are
// conv_common.h's; the kernels are in conv2d.h, depthwise_conv2d.h, transpose_conv.h, pooling.h.
//
// A convolution's prepare, in order (each step fails with a message, or fills its part):
//   ConvTensors t;   MOTE_RETURN_IF_ERROR(get_conv_tensors(ctx, &t));        // 2-3 in, 1 out, 4-D
//   ConvOptions o;   MOTE_RETURN_IF_ERROR(read_conv_options(ctx, kFields, &o));
//   int32_t kind;    MOTE_RETURN_IF_ERROR(select_conv_kind(ctx, t, acc32_ok, qbt, &kind));
//   ...channels: geo.input_depth, geo.output_depth...
//   MOTE_RETURN_IF_ERROR(conv_spatial_geometry(ctx, t, o, &geo));           // sizes, padding
//   if (kind != kConvF32) MOTE_RETURN_IF_ERROR(check_conv_quantization(ctx, t, kind, channel_dim));
//   request_conv_data<OpData>(ctx, t, kind, o.activation, params, scratch_bytes);
//
// The pooling ops share their whole prepare: register prepare_pool_2d and read PoolOpData in eval.
#pragma once

#include <stdint.h>

#include "runtime/kernels/conv_common.h"
#include "runtime/kernels/pooling.h"
#include "runtime/kernels/quant.h"
#include "runtime/op.h"

namespace mote {

// Kernel choice of CONV_2D and DEPTHWISE_CONV_2D from the type combination; stored in op data.
enum ConvKind : int32_t { kConvF32 = 0, kConvS8 = 1, kConvS16 = 2, kConvS16Acc32 = 3 };

struct ConvTensors {
  const TensorInfo* input;
  const TensorInfo* filter;
  const TensorInfo* bias;  // nullptr when omitted
  const TensorInfo* output;
};

// Options table field ids of the entries every convolution has.
struct ConvOptionFields {
  int padding, stride_w, stride_h, activation, dilation_w, dilation_h;
};

struct ConvOptions {
  bool same;  // SAME padding (else VALID)
  int32_t stride_w, stride_h, dilation_w, dilation_h;
  uint8_t activation;
};

// Inputs (input, filter, optional bias) and one output; input, filter and output 4-D.
Status get_conv_tensors(PrepareContext& ctx, ConvTensors* t);
// Padding SAME or VALID, strides and dilations >= 1 (dilations default to 1), fused activation
// none, RELU, RELU_N1_TO_1 or RELU6.
Status read_conv_options(PrepareContext& ctx, const ConvOptionFields& f, ConvOptions* o);
// FLOAT32 throughout, INT8 with INT8 filter and INT32 bias, INT16 with INT8 filter and INT64 bias;
// with `allow_acc32` also INT16 with INT32 bias, or with no bias when `quantized_bias_type` is
// INT32 (kConvS16Acc32). Input and output types must agree.
Status select_conv_kind(PrepareContext& ctx, const ConvTensors& t, bool allow_acc32,
                        int8_t quantized_bias_type, int32_t* kind);
// Fills g's batches, input and filter height/width, strides, dilations, output size and padding,
// and checks the output tensor against [batches, out_h, out_w, g->output_depth] (set by the caller).
Status conv_spatial_geometry(PrepareContext& ctx, const ConvTensors& t, const ConvOptions& o,
                             ConvGeometry* g);
// Integer kinds: input, filter and output quantized, positive activation scales, one filter scale
// or one per output channel along `channel_dim` (0 OHWI, 3 depthwise 1HWC), filter zero points 0,
// activation zero points within int8 (kConvS8) or 0 (int16), and every channel's multiplier
// shift small enough for its kernel (<= 14 for kConvS16's 64-bit form, else <= 30).
Status check_conv_quantization(PrepareContext& ctx, const ConvTensors& t, int32_t kind,
                               int32_t channel_dim);

// multipliers[c], shifts[c] for c < channels: conv_channel_multiplier of the input scale, filter
// scale c (or the only one) and the output scale.
void conv_channel_multipliers(const TensorInfo& input, const TensorInfo& filter,
                              const TensorInfo& output, int32_t channels, int32_t* multipliers,
                              int32_t* shifts);

// The end of a convolution's prepare. Requests op data: a Data { Params params; int32_t kind;
// int32_t has_bias; } then, for the integer kinds, int32 multipliers[out_c] and shifts[out_c]; and
// `scratch` bytes. In the filling pass stores params, kind and has_bias, and the float clamp of
// the fused activation, or the per-channel multipliers, the input and output offsets and the clamp
// in int8 (kConvS8) or int16 units.
template <typename Data, typename Params>
void request_conv_data(PrepareContext& ctx, const ConvTensors& t, int32_t kind, uint8_t activation,
                       const Params& params, size_t scratch) {
  const int32_t channels = params.geo.output_depth;
  const size_t per_channel =
      kind == kConvF32 ? 0 : 2 * sizeof(int32_t) * static_cast<size_t>(channels);
  ctx.request(sizeof(Data) + per_channel, scratch);
  Data* d = ctx.op_data<Data>();
  if (d == nullptr) return;  // measuring pass
  d->params = params;
  d->kind = kind;
  d->has_bias = t.bias != nullptr ? 1 : 0;
  Params& p = d->params;
  if (kind == kConvF32) {
    activation_range_float(activation, &p.act_min_f, &p.act_max_f);
    return;
  }
  int32_t* multipliers = reinterpret_cast<int32_t*>(d + 1);
  conv_channel_multipliers(*t.input, *t.filter, *t.output, channels, multipliers,
                           multipliers + channels);
  p.input_offset = -t.input->zero_point;
  p.output_offset = t.output->zero_point;
  const int32_t qmin = kind == kConvS8 ? -128 : -32768, qmax = kind == kConvS8 ? 127 : 32767;
  activation_range_quantized(activation, t.output->scale, t.output->zero_point, qmin, qmax,
                             &p.act_min, &p.act_max);
}

// ---- AVERAGE_POOL_2D / MAX_POOL_2D ----------------------------------------------------------

// Op data of both pooling ops. `type`: the TensorType of input and output.
struct PoolOpData {
  PoolParams p;
  int32_t type;
};

// The whole prepare of a pooling op: one 4-D NHWC input and one output of the same type (int8,
// int16, float32; quantized ones sharing scale and zero point), Pool2DOptions { padding = 0,
// stride_w = 1, stride_h = 2, filter_width = 3, filter_height = 4, fused_activation_function = 5 }
// (required), the output shape the window gives. Requests and fills a PoolOpData.
Status prepare_pool_2d(PrepareContext& ctx);

}  // namespace mote
