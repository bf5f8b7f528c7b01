// SUB: out = activation(in1 - in2) with NumPy broadcasting.
// Types: int8, int16 (the general rescaling path, which TensorFlow Lite Micro runs whatever
// SubOptions.pot_scale_int16 says), float32, int32 (wrapping; the fused
// activation range is applied to int32 too, as the reference does).
// Options: SubOptions { fused_activation_function = field 0, pot_scale_int16 = field 1 (unused) }.
#include "runtime/kernels/elementwise.h"
#include "runtime/kernels/elementwise_prepare.h"
#include "runtime/kernels/quant.h"
#include "runtime/op.h"

namespace mote {
namespace {

struct SubData {
  int32_t type;  // TensorType of all three tensors
  BroadcastLoop loop;
  AddSubQuantParams quant;
  FloatRange float_act;
  Int32Range int_act;
};

Status prepare(PrepareContext& ctx) {
  const TensorInfo *a = nullptr, *b = nullptr, *out = nullptr;
  uint8_t act = 0;
  SubData d{};
  MOTE_RETURN_IF_ERROR(prepare_binary(ctx, &a, &b, &out, &act, &d.loop));
  d.type = static_cast<int32_t>(out->type);
  if (out->type == TensorType::kInt8 || out->type == TensorType::kInt16) {
    MOTE_RETURN_IF_ERROR(prepare_add_sub_quant(ctx, *a, *b, *out, act, /*subtract=*/true, &d.quant));
  } else if (out->type == TensorType::kFloat32) {
    activation_range_float(act, &d.float_act.min, &d.float_act.max);
  } else {
    d.int_act = activation_range_int32(act);
  }
  ctx.request(sizeof(SubData), 0);
  if (SubData* dst = ctx.op_data<SubData>()) *dst = d;
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const SubData& d = *ctx.op_data<SubData>();
  switch (static_cast<TensorType>(d.type)) {
    case TensorType::kInt8:
      sub_s8(d.quant, d.loop, ctx.input<int8_t>(0), ctx.input<int8_t>(1), ctx.output<int8_t>(0));
      break;
    case TensorType::kInt16:
      sub_s16(d.quant, d.loop, ctx.input<int16_t>(0), ctx.input<int16_t>(1), ctx.output<int16_t>(0));
      break;
    case TensorType::kFloat32:
      sub_f32(d.float_act, d.loop, ctx.input<float>(0), ctx.input<float>(1), ctx.output<float>(0));
      break;
    default:  // int32
      sub_s32(d.int_act, d.loop, ctx.input<int32_t>(0), ctx.input<int32_t>(1), ctx.output<int32_t>(0));
      break;
  }
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::SUB, prepare, eval};

}  // namespace

const OpRegistration* op_sub() { return &kRegistration; }

}  // namespace mote
