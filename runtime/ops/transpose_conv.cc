// TRANSPOSE_CONV: the gradient of CONV_2D with respect to its input — every input pixel scatters
// a filter-sized window into the (larger) output.
// Inputs (.tflite order): 0 output_shape (int32 [4]; may be a graph input, the output tensor's own
// shape is what counts), 1 filter OHWI, 2 input NHWC, 3 bias [output_depth] (optional).
// Types: float32; int8 with int8 filter and int32 bias; int16 with int8 filter and int64 (or
// int16) bias, zero points 0. Filters are quantized per tensor or per output channel, zero
// points 0. Options: TransposeConvOptions { padding = 0, stride_w = 1, stride_h = 2,
// fused_activation_function = 3, quantized_bias_type = 4 } (required).
#include "runtime/kernels/conv_prepare.h"
#include "runtime/kernels/quant.h"
#include "runtime/kernels/transpose_conv.h"
#include "runtime/op.h"

namespace mote {
namespace {

// Op data: this struct, then (quantized) output_depth int32 multipliers and as many shifts.
struct TcData {
  TransposeConvParams p;
  int32_t type;
  int32_t has_bias;
  int32_t bias16;  // int16 bias, widened to int64 in scratch at eval
};

Status check_types(PrepareContext& ctx, const TensorInfo& in, const TensorInfo& w,
                   const TensorInfo* bias, const TensorInfo& out, TcData* d) {
  if (in.type != out.type)
    return ctx.fail(Status::kInvalidModel, "input type %s differs from output type %s", type_name(in.type),
                    type_name(out.type));
  const TensorType t = in.type, bt = bias ? bias->type : t;
  const bool ok = (t == TensorType::kFloat32 && w.type == TensorType::kFloat32) ||
                  (t == TensorType::kInt8 && w.type == TensorType::kInt8) ||
                  (t == TensorType::kInt16 && w.type == TensorType::kInt8);
  if (!ok)
    return ctx.fail(Status::kUnsupported,
                    "input %s with filter %s not supported (float32/float32, int8/int8, int16/int8)",
                    type_name(t), type_name(w.type));
  const bool bias_ok = !bias || (t == TensorType::kFloat32 && bt == TensorType::kFloat32) ||
                       (t == TensorType::kInt8 && bt == TensorType::kInt32) ||
                       (t == TensorType::kInt16 && (bt == TensorType::kInt64 || bt == TensorType::kInt16));
  if (!bias_ok)
    return ctx.fail(Status::kUnsupported, "bias (tensor %d) type %s not supported with %s input",
                    static_cast<int>(bias->index), type_name(bt), type_name(t));
  d->type = static_cast<int32_t>(t);
  d->has_bias = bias != nullptr;
  d->bias16 = bias != nullptr && bt == TensorType::kInt16;
  return Status::kOk;
}

Status check_shapes(PrepareContext& ctx, const TensorInfo& shape_t, const TensorInfo& in,
                    const TensorInfo& w, const TensorInfo* bias, const TensorInfo& out) {
  char s1[64], s2[64], s3[64];
  format_shape(in.shape, s1, sizeof(s1));
  format_shape(w.shape, s2, sizeof(s2));
  format_shape(out.shape, s3, sizeof(s3));
  if (in.shape.rank != 4 || w.shape.rank != 4 || out.shape.rank != 4)
    return ctx.fail(Status::kInvalidModel, "input %s, filter %s and output %s must all be 4-D", s1, s2, s3);
  if (in.shape.dims[3] != w.shape.dims[3] || out.shape.dims[3] != w.shape.dims[0] ||
      in.shape.dims[0] != out.shape.dims[0] || w.shape.dims[0] <= 0 || w.shape.dims[1] <= 0 ||
      w.shape.dims[2] <= 0)
    return ctx.fail(Status::kInvalidModel,
                    "input %s, filter %s (OHWI), output %s: batch, input depth or output depth disagree",
                    s1, s2, s3);
  if (bias && bias->shape.elements() != w.shape.dims[0])
    return ctx.fail(Status::kInvalidModel, "bias (tensor %d) has %d elements, output depth is %d", static_cast<int>(bias->index),
                    static_cast<int>(bias->shape.elements()), static_cast<int>(w.shape.dims[0]));
  if (shape_t.type != TensorType::kInt32 || shape_t.shape.elements() != 4)
    return ctx.fail(Status::kInvalidModel, "output_shape (tensor %d) must be 4 int32 values", static_cast<int>(shape_t.index));
  if (shape_t.is_constant()) {
    for (int i = 0; i < 4; ++i)
      if (shape_t.const_at<int32_t>(i) != out.shape.dims[i])
        return ctx.fail(Status::kInvalidModel, "output_shape (tensor %d) says [%d,%d,%d,%d], output is %s",
                        static_cast<int>(shape_t.index), static_cast<int>(shape_t.const_at<int32_t>(0)),
                        static_cast<int>(shape_t.const_at<int32_t>(1)),
                        static_cast<int>(shape_t.const_at<int32_t>(2)),
                        static_cast<int>(shape_t.const_at<int32_t>(3)), s3);
  }
  return Status::kOk;
}

// Strides, padding and the forward-convolution check: convolving the output with the same filter,
// strides and padding must give the input's height and width.
Status geometry(PrepareContext& ctx, const TensorInfo& in, const TensorInfo& w, const TensorInfo& out,
                TransposeConvParams* p) {
  const fb::Table& o = ctx.options();
  if (!o.present()) return ctx.fail(Status::kInvalidModel, "TransposeConvOptions missing");
  const int8_t padding = o.scalar<int8_t>(0, 0);
  if (padding != 0 && padding != 1)
    return ctx.fail(Status::kInvalidModel, "padding %d is neither SAME nor VALID", static_cast<int>(padding));
  p->stride_w = o.scalar<int32_t>(1, 0);
  p->stride_h = o.scalar<int32_t>(2, 0);
  p->batches = in.shape.dims[0];
  p->input_h = in.shape.dims[1];
  p->input_w = in.shape.dims[2];
  p->input_depth = in.shape.dims[3];
  p->filter_h = w.shape.dims[1];
  p->filter_w = w.shape.dims[2];
  p->output_h = out.shape.dims[1];
  p->output_w = out.shape.dims[2];
  p->output_depth = out.shape.dims[3];
  const bool same = padding == 0;
  int32_t fh = 0, fw = 0;
  if (!conv_output_size(same, p->output_h, p->filter_h, p->stride_h, 1, &fh) ||
      !conv_output_size(same, p->output_w, p->filter_w, p->stride_w, 1, &fw) || fh != p->input_h ||
      fw != p->input_w)
    return ctx.fail(Status::kInvalidModel,
                    "output %dx%d with filter %dx%d, stride %dx%d, %s padding implies input %dx%d, input is %dx%d",
                    static_cast<int>(p->output_h), static_cast<int>(p->output_w), static_cast<int>(p->filter_h),
                    static_cast<int>(p->filter_w), static_cast<int>(p->stride_h), static_cast<int>(p->stride_w),
                    same ? "SAME" : "VALID", static_cast<int>(fh), static_cast<int>(fw),
                    static_cast<int>(p->input_h), static_cast<int>(p->input_w));
  p->pad_top = conv_padding_before(p->stride_h, 1, p->output_h, p->filter_h, fh);
  p->pad_left = conv_padding_before(p->stride_w, 1, p->output_w, p->filter_w, fw);
  return Status::kOk;
}

Status check_quant(PrepareContext& ctx, const TensorInfo& in, const TensorInfo& w, const TensorInfo& out) {
  const TensorInfo* ts[3] = {&in, &w, &out};
  for (const TensorInfo* t : ts)
    if (t->num_scales == 0 || !(t->scale > 0.0f))
      return ctx.fail(Status::kInvalidModel, "tensor %d: quantized %s needs a positive scale", static_cast<int>(t->index),
                      type_name(t->type));
  const uint32_t oc = static_cast<uint32_t>(w.shape.dims[0]);
  if (w.num_scales != 1 && (w.num_scales != oc || w.quantized_dimension != 0))
    return ctx.fail(Status::kInvalidModel, "filter (tensor %d): %u scales on dimension %d, expected 1 or %u on 0",
                    static_cast<int>(w.index), static_cast<unsigned>(w.num_scales), static_cast<int>(w.quantized_dimension),
                    static_cast<unsigned>(oc));
  for (uint32_t i = 0; i < w.num_scales; ++i)
    if (w.zero_point_at(i) != 0)
      return ctx.fail(Status::kUnsupported, "filter (tensor %d): zero point %d at %u, must be 0", static_cast<int>(w.index),
                      static_cast<int>(w.zero_point_at(i)), static_cast<unsigned>(i));
  if (in.type == TensorType::kInt16 && (in.zero_point != 0 || out.zero_point != 0))
    return ctx.fail(Status::kUnsupported, "int16 input/output zero points must be 0, are %d and %d",
                    static_cast<int>(in.zero_point), static_cast<int>(out.zero_point));
  if (in.type == TensorType::kInt8 &&
      (in.zero_point < -128 || in.zero_point > 127 || out.zero_point < -128 || out.zero_point > 127))
    return ctx.fail(Status::kInvalidModel, "int8 zero points %d / %d outside [-128, 127]",
                    static_cast<int>(in.zero_point), static_cast<int>(out.zero_point));
  return Status::kOk;
}

Status prepare(PrepareContext& ctx) {
  const TensorInfo* shape_t = ctx.input(0);
  const TensorInfo* w = ctx.input(1);
  const TensorInfo* in = ctx.input(2);
  const TensorInfo* bias = ctx.input(3);
  const TensorInfo* out = ctx.output(0);
  if (ctx.num_inputs() < 3 || ctx.num_inputs() > 4 || ctx.num_outputs() != 1 || !shape_t || !w || !in || !out)
    return ctx.fail(Status::kInvalidModel, "needs output_shape, filter, input, optional bias and 1 output; has %d inputs, %d outputs",
                    ctx.num_inputs(), ctx.num_outputs());
  TcData d{};
  MOTE_RETURN_IF_ERROR(check_types(ctx, *in, *w, bias, *out, &d));
  MOTE_RETURN_IF_ERROR(check_shapes(ctx, *shape_t, *in, *w, bias, *out));
  MOTE_RETURN_IF_ERROR(geometry(ctx, *in, *w, *out, &d.p));
  const uint8_t act = ctx.options().scalar<uint8_t>(3, 0);
  if (act > 3) return ctx.fail(Status::kUnsupported, "fused activation %u not supported", static_cast<unsigned>(act));
  const TensorType t = in->type;
  if (t == TensorType::kFloat32) {
    activation_range_float(act, &d.p.act_min_f, &d.p.act_max_f);
    ctx.request(sizeof(TcData), 0);
    if (TcData* dst = ctx.op_data<TcData>()) *dst = d;
    return Status::kOk;
  }
  MOTE_RETURN_IF_ERROR(check_quant(ctx, *in, *w, *out));
  const bool s8 = t == TensorType::kInt8;
  d.p.input_offset = s8 ? -in->zero_point : 0;
  d.p.output_offset = s8 ? out->zero_point : 0;
  activation_range_quantized(act, out->scale, out->zero_point, s8 ? -128 : -32768, s8 ? 127 : 32767, &d.p.act_min,
                             &d.p.act_max);
  const int32_t oc = d.p.output_depth;
  const size_t scratch = s8 ? transpose_conv_s8_scratch_bytes(d.p)
                            : transpose_conv_s16_scratch_bytes(d.p) + (d.bias16 ? 8 * static_cast<size_t>(oc) : 0);
  ctx.request(sizeof(TcData) + 8 * static_cast<size_t>(oc), scratch);
  TcData* dst = ctx.op_data<TcData>();
  if (dst == nullptr) return Status::kOk;
  *dst = d;
  int32_t* mult = reinterpret_cast<int32_t*>(dst + 1);
  conv_channel_multipliers(*in, *w, *out, oc, mult, mult + oc);
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const TcData& d = *ctx.op_data<TcData>();
  const int32_t* mult = reinterpret_cast<const int32_t*>(&d + 1);
  const int32_t* shift = mult + d.p.output_depth;
  const void* bias = d.has_bias ? ctx.inputs[3] : nullptr;
  switch (static_cast<TensorType>(d.type)) {
    case TensorType::kInt8:
      transpose_conv_s8(d.p, mult, shift, ctx.input<int8_t>(2), ctx.input<int8_t>(1),
                        static_cast<const int32_t*>(bias), ctx.output<int8_t>(0), static_cast<int32_t*>(ctx.scratch));
      break;
    case TensorType::kInt16: {
      int64_t* acc = static_cast<int64_t*>(ctx.scratch);
      const int64_t* bias64 = static_cast<const int64_t*>(bias);
      if (d.bias16) {
        int64_t* widened = acc + transpose_conv_s16_scratch_bytes(d.p) / sizeof(int64_t);
        const int16_t* b16 = static_cast<const int16_t*>(bias);
        for (int32_t c = 0; c < d.p.output_depth; ++c) widened[c] = b16[c];
        bias64 = widened;
      }
      transpose_conv_s16(d.p, mult, shift, ctx.input<int16_t>(2), ctx.input<int8_t>(1), bias64,
                         ctx.output<int16_t>(0), acc);
      break;
    }
    default:
      transpose_conv_f32(d.p, ctx.input<float>(2), ctx.input<float>(1), static_cast<const float*>(bias),
                         ctx.output<float>(0));
      break;
  }
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::TRANSPOSE_CONV, prepare, eval};

}  // namespace

const OpRegistration* op_transpose_conv() { return &kRegistration; }

}  // namespace mote
