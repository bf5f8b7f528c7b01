// FULLY_CONNECTED: out[b][o] = act(sum_d in[b][d] * weights[o][d] + bias[o]).
// Inputs: 0 input (any rank, read as [batches, input_depth]), 1 weights [units, input_depth],
// 2 bias [units] (optional). Output [batches, units], or with keep_num_dims the input's shape with
// its last dim replaced by units.
// Types: float32; int8 with int8 weights and int32 bias; int16 with int8 weights and int64 bias
// (int64 accumulator) or int32 bias (int32 accumulator, as the reference). Weights may be
// quantized per tensor or per output unit; their zero points must be 0.
// Options: FullyConnectedOptions { fused_activation_function = 0, weights_format = 1,
// keep_num_dims = 2, asymmetric_quantize_inputs = 3, quantized_bias_type = 4 }.
#include "runtime/kernels/fully_connected.h"
#include "runtime/kernels/quant.h"
#include "runtime/op.h"

namespace mote {
namespace {

enum class FcKind : int32_t { kF32 = 0, kS8 = 1, kS16 = 2, kS16Acc32 = 3 };

// Op data: this struct, then `num_quant` int32 multipliers and `num_quant` int32 shifts, then
// (when has_row_sums) `units` int32 weight row sums.
struct FcData {
  FullyConnectedParams p;
  int32_t kind;
  int32_t has_bias;
  int32_t num_quant;
  int32_t has_row_sums;
};

// Folding the input offset needs 4 bytes of op data per output unit; the in-loop offset costs
// one 16-bit add per 8 multiply-accumulates on vector hardware. The fold is off so that op data
// stays within the reference's arena budget (ad01 has ~1700 units in 3.4 KB of arena).
constexpr bool kFoldInputOffset = false;

Status check_types(PrepareContext& ctx, const TensorInfo& in, const TensorInfo& w,
                   const TensorInfo* bias, const TensorInfo& out, FcKind* kind) {
  if (in.type != out.type)
    return ctx.fail(Status::kInvalidModel, "input type %s differs from output type %s",
                    type_name(in.type), type_name(out.type));
  const TensorType t = in.type;
  const bool ok = (t == TensorType::kFloat32 && w.type == TensorType::kFloat32) ||
                  (t == TensorType::kInt8 && w.type == TensorType::kInt8) ||
                  (t == TensorType::kInt16 && w.type == TensorType::kInt8);
  if (!ok)
    return ctx.fail(Status::kUnsupported,
                    "input %s with weights %s not supported (float32/float32, int8/int8, int16/int8)",
                    type_name(t), type_name(w.type));
  const TensorType bt = bias ? bias->type : TensorType::kFloat32;
  if (t == TensorType::kFloat32) {
    *kind = FcKind::kF32;
    if (bias && bt != TensorType::kFloat32)
      return ctx.fail(Status::kUnsupported, "bias (tensor %d) is %s, float32 model needs float32",
                      static_cast<int>(bias->index), type_name(bt));
  } else if (t == TensorType::kInt8) {
    *kind = FcKind::kS8;
    if (bias && bt != TensorType::kInt32)
      return ctx.fail(Status::kUnsupported, "bias (tensor %d) is %s, int8 model needs int32",
                      static_cast<int>(bias->index), type_name(bt));
  } else {
    if (bias && bt != TensorType::kInt32 && bt != TensorType::kInt64)
      return ctx.fail(Status::kUnsupported, "bias (tensor %d) is %s, int16 model needs int32 or int64",
                      static_cast<int>(bias->index), type_name(bt));
    // The reference accumulates in int32 when the bias is int32, or when there is no bias and
    // quantized_bias_type says INT32; otherwise in int64.
    const int8_t qbt = ctx.options().scalar<int8_t>(4, 0);
    const bool acc32 = bias ? bt == TensorType::kInt32 : qbt == static_cast<int8_t>(TensorType::kInt32);
    *kind = acc32 ? FcKind::kS16Acc32 : FcKind::kS16;
  }
  return Status::kOk;
}

// Output shape implied by the input, the weights and keep_num_dims.
Status check_shapes(PrepareContext& ctx, const TensorInfo& in, const TensorInfo& w,
                    const TensorInfo* bias, const TensorInfo& out, bool keep_num_dims,
                    FullyConnectedParams* p) {
  char s1[64], s2[64];
  if (w.shape.rank != 2 || w.shape.dims[0] <= 0 || w.shape.dims[1] <= 0) {
    format_shape(w.shape, s1, sizeof(s1));
    return ctx.fail(Status::kInvalidModel, "weights (tensor %d) must be [units, depth], is %s",
                    static_cast<int>(w.index), s1);
  }
  const int32_t units = w.shape.dims[0], depth = w.shape.dims[1];
  const int32_t n = in.shape.elements();
  if (n % depth != 0 || (keep_num_dims && (in.shape.rank < 1 || in.shape.dims[in.shape.rank - 1] != depth))) {
    format_shape(in.shape, s1, sizeof(s1));
    return ctx.fail(Status::kInvalidModel, "input (tensor %d) shape %s does not split into rows of %d",
                    static_cast<int>(in.index), s1, static_cast<int>(depth));
  }
  Shape want;
  if (keep_num_dims) {
    want = in.shape;
    want.dims[want.rank - 1] = units;
  } else {
    want.rank = 2;
    want.dims[0] = n / depth;
    want.dims[1] = units;
  }
  if (out.shape != want) {
    format_shape(out.shape, s1, sizeof(s1));
    format_shape(want, s2, sizeof(s2));
    return ctx.fail(Status::kInvalidModel, "output (tensor %d) shape %s, expected %s", static_cast<int>(out.index), s1, s2);
  }
  if (bias && bias->shape.elements() != units)
    return ctx.fail(Status::kInvalidModel, "bias (tensor %d) has %d elements, expected %d units",
                    static_cast<int>(bias->index), static_cast<int>(bias->shape.elements()), static_cast<int>(units));
  p->batches = n / depth;
  p->input_depth = depth;
  p->output_depth = units;
  return Status::kOk;
}

Status check_quant(PrepareContext& ctx, const TensorInfo& in, const TensorInfo& w,
                   const TensorInfo& out) {
  const TensorInfo* ts[3] = {&in, &w, &out};
  for (const TensorInfo* t : ts)
    if (t->num_scales == 0 || !(t->scale > 0.0f))
      return ctx.fail(Status::kInvalidModel, "tensor %d: quantized %s needs a positive scale",
                      static_cast<int>(t->index), type_name(t->type));
  for (uint32_t i = 0; i < w.num_scales; ++i)
    if (w.zero_point_at(i) != 0)
      return ctx.fail(Status::kUnsupported, "weights (tensor %d): zero point %d at %u, must be 0",
                      static_cast<int>(w.index), static_cast<int>(w.zero_point_at(i)), static_cast<unsigned>(i));
  if (w.num_scales > 1 &&
      (w.quantized_dimension != 0 || w.num_scales != static_cast<uint32_t>(w.shape.dims[0])))
    return ctx.fail(Status::kInvalidModel,
                    "weights (tensor %d): %u scales on dimension %d, expected %d on dimension 0",
                    static_cast<int>(w.index), static_cast<unsigned>(w.num_scales), static_cast<int>(w.quantized_dimension),
                    static_cast<int>(w.shape.dims[0]));
  const int32_t qmin = in.type == TensorType::kInt8 ? -128 : -32768;
  const int32_t qmax = in.type == TensorType::kInt8 ? 127 : 32767;
  if (in.zero_point < qmin || in.zero_point > qmax || out.zero_point < qmin || out.zero_point > qmax)
    return ctx.fail(Status::kInvalidModel, "zero points %d (input) / %d (output) outside [%d, %d]",
                    static_cast<int>(in.zero_point), static_cast<int>(out.zero_point),
                    static_cast<int>(qmin), static_cast<int>(qmax));
  return Status::kOk;
}

// Per-tensor multiplier exactly as the reference: the scale product is taken in float, then
// widened; a bias must carry (about) that product as its scale.
Status per_tensor_multiplier(PrepareContext& ctx, const TensorInfo& in, const TensorInfo& w,
                             const TensorInfo* bias, const TensorInfo& out, int32_t* m, int32_t* s) {
  if (bias) {
    const double product = static_cast<double>(in.scale) * static_cast<double>(w.scale);
    double diff = product - static_cast<double>(bias->scale);
    diff = diff < 0 ? -diff : diff;
    if (diff / static_cast<double>(out.scale) > 0.02)
      return ctx.fail(Status::kInvalidModel,
                      "bias (tensor %d) scale %f differs from input*weights scale %f by more than "
                      "2%% of the output scale",
                      static_cast<int>(bias->index), static_cast<double>(bias->scale), product);
  }
  const double real = static_cast<double>(in.scale * w.scale) / static_cast<double>(out.scale);
  int shift = 0;
  quantize_multiplier(real, m, &shift);
  *s = shift;
  return Status::kOk;
}

Status prepare(PrepareContext& ctx) {
  const TensorInfo* in = ctx.input(0);
  const TensorInfo* w = ctx.input(1);
  const TensorInfo* bias = ctx.input(2);
  const TensorInfo* out = ctx.output(0);
  if (ctx.num_inputs() < 2 || ctx.num_inputs() > 3 || ctx.num_outputs() != 1 || !in || !w || !out)
    return ctx.fail(Status::kInvalidModel, "needs input, weights, optional bias and 1 output; has %d inputs, %d outputs",
                    ctx.num_inputs(), ctx.num_outputs());
  const fb::Table& opt = ctx.options();
  const uint8_t act = opt.scalar<uint8_t>(0, 0);
  if (act > 3)
    return ctx.fail(Status::kUnsupported, "fused activation %u not supported", static_cast<unsigned>(act));
  if (opt.scalar<int8_t>(1, 0) != 0)
    return ctx.fail(Status::kUnsupported, "weights_format %d not supported (only DEFAULT)",
                    static_cast<int>(opt.scalar<int8_t>(1, 0)));
  FcData d{};
  FcKind kind = FcKind::kF32;
  MOTE_RETURN_IF_ERROR(check_types(ctx, *in, *w, bias, *out, &kind));
  MOTE_RETURN_IF_ERROR(check_shapes(ctx, *in, *w, bias, *out, opt.scalar<uint8_t>(2, 0) != 0, &d.p));
  d.kind = static_cast<int32_t>(kind);
  d.has_bias = bias != nullptr;
  if (kind == FcKind::kF32) {
    activation_range_float(act, &d.p.act_min_f, &d.p.act_max_f);
    ctx.request(sizeof(FcData), 0);
    if (FcData* dst = ctx.op_data<FcData>()) *dst = d;
    return Status::kOk;
  }
  MOTE_RETURN_IF_ERROR(check_quant(ctx, *in, *w, *out));
  const bool s8 = kind == FcKind::kS8;
  d.p.per_channel = w->num_scales > 1;
  d.num_quant = d.p.per_channel ? d.p.output_depth : 1;
  d.p.input_offset = -in->zero_point;
  d.p.output_offset = out->zero_point;
  activation_range_quantized(act, out->scale, out->zero_point, s8 ? -128 : -32768, s8 ? 127 : 32767,
                             &d.p.act_min, &d.p.act_max);
  int32_t m0 = 0, s0 = 0;
  if (!d.p.per_channel) MOTE_RETURN_IF_ERROR(per_tensor_multiplier(ctx, *in, *w, bias, *out, &m0, &s0));
  d.has_row_sums = kFoldInputOffset && s8 && w->is_constant() && d.p.input_offset != 0;
  const size_t quant_bytes = 8 * static_cast<size_t>(d.num_quant);
  const size_t sum_bytes = d.has_row_sums ? 4 * static_cast<size_t>(d.p.output_depth) : 0;
  ctx.request(sizeof(FcData) + quant_bytes + sum_bytes, 0);
  FcData* dst = ctx.op_data<FcData>();
  if (dst == nullptr) return Status::kOk;
  *dst = d;
  int32_t* mult = reinterpret_cast<int32_t*>(dst + 1);
  int32_t* shift = mult + d.num_quant;
  mult[0] = m0;
  shift[0] = s0;
  for (int32_t c = 0; d.p.per_channel && c < d.num_quant; ++c) {
    // Per-channel: the product is taken in double (float operands widened first).
    const double real = static_cast<double>(in->scale) * static_cast<double>(w->scale_at(c)) /
                        static_cast<double>(out->scale);
    int sh = 0;
    quantize_multiplier(real, &mult[c], &sh);
    shift[c] = sh;
  }
  if (d.has_row_sums)
    fully_connected_row_sums_s8(d.p.output_depth, d.p.input_depth,
                                reinterpret_cast<const int8_t*>(w->const_data), shift + d.num_quant);
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const FcData& d = *ctx.op_data<FcData>();
  const int32_t* mult = reinterpret_cast<const int32_t*>(&d + 1);
  const int32_t* shift = mult + d.num_quant;
  const void* bias = d.has_bias ? ctx.inputs[2] : nullptr;
  switch (static_cast<FcKind>(d.kind)) {
    case FcKind::kF32:
      fully_connected_f32(d.p, ctx.input<float>(0), ctx.input<float>(1),
                          static_cast<const float*>(bias), ctx.output<float>(0));
      break;
    case FcKind::kS8:
      fully_connected_s8(d.p, mult, shift, d.has_row_sums ? shift + d.num_quant : nullptr,
                         ctx.input<int8_t>(0), ctx.input<int8_t>(1),
                         static_cast<const int32_t*>(bias), ctx.output<int8_t>(0));
      break;
    case FcKind::kS16:
      fully_connected_s16(d.p, mult, shift, ctx.input<int16_t>(0), ctx.input<int8_t>(1),
                          static_cast<const int64_t*>(bias), ctx.output<int16_t>(0));
      break;
    case FcKind::kS16Acc32:
      fully_connected_acc32_s16(d.p, mult, shift, ctx.input<int16_t>(0), ctx.input<int8_t>(1),
                                static_cast<const int32_t*>(bias), ctx.output<int16_t>(0));
      break;
  }
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::FULLY_CONNECTED, prepare, eval};

}  // namespace

const OpRegistration* op_fully_connected() { return &kRegistration; }

}  // namespace mote
