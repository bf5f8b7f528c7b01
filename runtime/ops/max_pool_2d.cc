// MAX_POOL_2D: each output element is the largest input tap its window covers (taps in the
// padding are ignored). NHWC, input and output of the same type and quantization.
// Types: int8, int16, float32. Options: Pool2DOptions { padding = 0, stride_w = 1, stride_h = 2,
// filter_width = 3, filter_height = 4, fused_activation_function = 5 } (required).
#include "runtime/kernels/conv_common.h"
#include "runtime/kernels/pooling.h"
#include "runtime/kernels/quant.h"
#include "runtime/op.h"

namespace mote {
namespace {

struct PoolData {
  PoolParams p;
  int32_t type;
};

void shape_str(const Shape& s, char* buf, size_t cap) {
  size_t n = format_message(buf, cap, "[");
  for (int i = 0; i < s.rank && n < cap; ++i)
    n += format_message(buf + n, cap - n, i ? ",%d" : "%d", static_cast<int>(s.dims[i]));
  if (n < cap) format_message(buf + n, cap - n, "]");
}

Status check_quant(PrepareContext& ctx, const TensorInfo& in, const TensorInfo& out) {
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

// Reads the options, computes geometry and clamps, checks the output shape.
Status prepare_pool(PrepareContext& ctx, PoolData* d) {
  const TensorInfo* in = ctx.input(0);
  const TensorInfo* out = ctx.output(0);
  if (ctx.num_inputs() != 1 || ctx.num_outputs() != 1 || !in || !out)
    return ctx.fail(Status::kInvalidModel, "needs 1 input and 1 output, has %d and %d", ctx.num_inputs(),
                    ctx.num_outputs());
  if (in->type != out->type)
    return ctx.fail(Status::kInvalidModel, "input type %s differs from output type %s", type_name(in->type),
                    type_name(out->type));
  const TensorType t = in->type;
  if (t != TensorType::kInt8 && t != TensorType::kInt16 && t != TensorType::kFloat32)
    return ctx.fail(Status::kUnsupported, "type %s not supported (int8, int16, float32)", type_name(t));
  char s1[64], s2[64];
  if (in->shape.rank != 4) {
    shape_str(in->shape, s1, sizeof(s1));
    return ctx.fail(Status::kInvalidModel, "input (tensor %d) must be 4-D NHWC, is %s", static_cast<int>(in->index), s1);
  }
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
    shape_str(out->shape, s1, sizeof(s1));
    shape_str(want, s2, sizeof(s2));
    return ctx.fail(Status::kInvalidModel, "output (tensor %d) shape %s, expected %s", static_cast<int>(out->index), s1, s2);
  }
  p.pad_top = conv_padding_before(p.stride_h, 1, p.input_h, p.filter_h, p.output_h);
  p.pad_left = conv_padding_before(p.stride_w, 1, p.input_w, p.filter_w, p.output_w);
  d->type = static_cast<int32_t>(t);
  if (t == TensorType::kFloat32) {
    activation_range_float(act, &p.act_min_f, &p.act_max_f);
    return Status::kOk;
  }
  MOTE_RETURN_IF_ERROR(check_quant(ctx, *in, *out));
  const bool s8 = t == TensorType::kInt8;
  activation_range_quantized(act, out->scale, out->zero_point, s8 ? -128 : -32768, s8 ? 127 : 32767,
                             &p.act_min, &p.act_max);
  return Status::kOk;
}

Status prepare(PrepareContext& ctx) {
  PoolData d{};
  MOTE_RETURN_IF_ERROR(prepare_pool(ctx, &d));
  ctx.request(sizeof(PoolData), 0);
  if (PoolData* dst = ctx.op_data<PoolData>()) *dst = d;
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const PoolData& d = *ctx.op_data<PoolData>();
  switch (static_cast<TensorType>(d.type)) {
    case TensorType::kInt8:
      max_pool_s8(d.p, ctx.input<int8_t>(0), ctx.output<int8_t>(0));
      break;
    case TensorType::kInt16:
      max_pool_s16(d.p, ctx.input<int16_t>(0), ctx.output<int16_t>(0));
      break;
    default:
      max_pool_f32(d.p, ctx.input<float>(0), ctx.output<float>(0));
      break;
  }
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::MAX_POOL_2D, prepare, eval};

}  // namespace

const OpRegistration* op_max_pool_2d() { return &kRegistration; }

}  // namespace mote
