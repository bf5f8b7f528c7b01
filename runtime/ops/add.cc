// ADD: out = activation(in1 + in2) with NumPy broadcasting.
// Types: int8, int16 (the general rescaling path, which TensorFlow Lite Micro runs whatever
// AddOptions.pot_scale_int16 says), float32, int32 (wrapping; the reference ignores the fused
// activation for int32 and so does mote).
// Options: AddOptions { fused_activation_function = field 0, pot_scale_int16 = field 1 (unused) }.
#include "runtime/kernels/elementwise.h"
#include "runtime/kernels/elementwise_prepare.h"
#include "runtime/kernels/quant.h"
#include "runtime/op.h"

namespace mote {
namespace {

struct AddData {
  int32_t type;  // TensorType of all three tensors
  BroadcastLoop loop;
  AddSubQuantParams quant;
  FloatRange float_act;
};

Status prepare(PrepareContext& ctx) {
  const TensorInfo *a = nullptr, *b = nullptr, *out = nullptr;
  uint8_t act = 0;
  AddData d{};
  MOTE_RETURN_IF_ERROR(prepare_binary(ctx, &a, &b, &out, &act, &d.loop));
  d.type = static_cast<int32_t>(out->type);
  if (out->type == TensorType::kInt8 || out->type == TensorType::kInt16) {
    MOTE_RETURN_IF_ERROR(prepare_add_sub_quant(ctx, *a, *b, *out, act, /*subtract=*/false, &d.quant));
  } else if (out->type == TensorType::kFloat32) {
    activation_range_float(act, &d.float_act.min, &d.float_act.max);
  }
  ctx.request(sizeof(AddData), 0);
  if (AddData* dst = ctx.op_data<AddData>()) *dst = d;
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const AddData& d = *ctx.op_data<AddData>();
  switch (static_cast<TensorType>(d.type)) {
    case TensorType::kInt8:
      add_s8(d.quant, d.loop, ctx.input<int8_t>(0), ctx.input<int8_t>(1), ctx.output<int8_t>(0));
      break;
    case TensorType::kInt16:
      add_s16(d.quant, d.loop, ctx.input<int16_t>(0), ctx.input<int16_t>(1), ctx.output<int16_t>(0));
      break;
    case TensorType::kFloat32:
      add_f32(d.float_act, d.loop, ctx.input<float>(0), ctx.input<float>(1), ctx.output<float>(0));
      break;
    default:  // int32, full range
      add_s32(Int32Range(), d.loop, ctx.input<int32_t>(0), ctx.input<int32_t>(1), ctx.output<int32_t>(0));
      break;
  }
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::ADD, prepare, eval};

}  // namespace

const OpRegistration* op_add() { return &kRegistration; }

}  // namespace mote
