// MUL: out = activation(in1 * in2) with NumPy broadcasting.
// Types: int8, int16 (all zero points 0, as the reference requires), float32, int32 (wrapping,
// clamped to the fused activation range). Options: MulOptions { fused_activation_function = 0 }.
#include "runtime/kernels/elementwise.h"
#include "runtime/kernels/elementwise_prepare.h"
#include "runtime/kernels/quant.h"
#include "runtime/op.h"

namespace mote {
namespace {

struct MulData {
  int32_t type;  // TensorType of all three tensors
  BroadcastLoop loop;
  MulQuantParams quant;
  FloatRange float_act;
  Int32Range int_act;
};

Status prepare_quant(PrepareContext& ctx, const TensorInfo& a, const TensorInfo& b, const TensorInfo& out, uint8_t act,
                     MulQuantParams* p) {
  const TensorInfo* ts[3] = {&a, &b, &out};
  for (const TensorInfo* t : ts) {
    MOTE_RETURN_IF_ERROR(check_quantized(ctx, *t));
    if (t->type == TensorType::kInt16 && t->zero_point != 0)
      return ctx.fail(Status::kInvalidModel, "tensor %d: int16 MUL needs zero point 0, has %d",
                      static_cast<int>(t->index), static_cast<int>(t->zero_point));
  }
  const double real = static_cast<double>(a.scale) * static_cast<double>(b.scale) / static_cast<double>(out.scale);
  int shift = 0;
  quantize_multiplier(real, &p->output_multiplier, &shift);
  if (p->output_multiplier == 0 || shift > 30)
    return ctx.fail(Status::kInvalidModel,
                    "scales %f (tensor %d) * %f (tensor %d) / %f (tensor %d) = %f cannot be represented",
                    static_cast<double>(a.scale), static_cast<int>(a.index), static_cast<double>(b.scale),
                    static_cast<int>(b.index), static_cast<double>(out.scale), static_cast<int>(out.index), real);
  p->output_shift = shift;
  p->input1_offset = -a.zero_point;
  p->input2_offset = -b.zero_point;
  p->output_offset = out.zero_point;
  quantized_activation_range(out, act, &p->act_min, &p->act_max);
  return Status::kOk;
}

Status prepare(PrepareContext& ctx) {
  const TensorInfo *a = nullptr, *b = nullptr, *out = nullptr;
  uint8_t act = 0;
  MulData d{};
  MOTE_RETURN_IF_ERROR(prepare_binary(ctx, &a, &b, &out, &act, &d.loop));
  d.type = static_cast<int32_t>(out->type);
  if (out->type == TensorType::kInt8 || out->type == TensorType::kInt16) {
    MOTE_RETURN_IF_ERROR(prepare_quant(ctx, *a, *b, *out, act, &d.quant));
  } else if (out->type == TensorType::kFloat32) {
    activation_range_float(act, &d.float_act.min, &d.float_act.max);
  } else {
    d.int_act = activation_range_int32(act);
  }
  ctx.request(sizeof(MulData), 0);
  if (MulData* dst = ctx.op_data<MulData>()) *dst = d;
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const MulData& d = *ctx.op_data<MulData>();
  switch (static_cast<TensorType>(d.type)) {
    case TensorType::kInt8:
      mul_s8(d.quant, d.loop, ctx.input<int8_t>(0), ctx.input<int8_t>(1), ctx.output<int8_t>(0));
      break;
    case TensorType::kInt16:
      mul_s16(d.quant, d.loop, ctx.input<int16_t>(0), ctx.input<int16_t>(1), ctx.output<int16_t>(0));
      break;
    case TensorType::kFloat32:
      mul_f32(d.float_act, d.loop, ctx.input<float>(0), ctx.input<float>(1), ctx.output<float>(0));
      break;
    default:  // int32
      mul_s32(d.int_act, d.loop, ctx.input<int32_t>(0), ctx.input<int32_t>(1), ctx.output<int32_t>(0));
      break;
  }
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::MUL, prepare, eval};

}  // namespace

const OpRegistration* op_mul() { return &kRegistration; }

}  // namespace mote
