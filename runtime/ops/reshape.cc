// RESHAPE: same bytes, new shape. The output tensor's shape (from the model) is authoritative;
// the optional shape input (1) and ReshapeOptions.new_shape are not read, as in the reference.
// Prepare checks that the types agree and the element counts match. The interpreter may place the
// output on the input's bytes: eval then does nothing; otherwise it copies.
#include <string.h>

#include "runtime/op.h"

namespace mote {
namespace {

struct ReshapeData {
  uint32_t bytes;
};

Status prepare(PrepareContext& ctx) {
  const TensorInfo* in = ctx.input(0);
  const TensorInfo* out = ctx.output(0);
  if ((ctx.num_inputs() != 1 && ctx.num_inputs() != 2) || ctx.num_outputs() != 1 || !in || !out)
    return ctx.fail(Status::kInvalidModel, "needs 1 or 2 inputs and 1 output, has %d and %d", ctx.num_inputs(),
                    ctx.num_outputs());
  if (in->type != out->type)
    return ctx.fail(Status::kInvalidModel, "input type %s differs from output type %s", type_name(in->type),
                    type_name(out->type));
  for (int32_t i = 0; i < out->shape.rank; ++i) {
    if (out->shape.dims[i] < 0)
      return ctx.fail(Status::kInvalidModel, "output tensor %d dim %d is %d (shape must be static)",
                      static_cast<int>(out->index), static_cast<int>(i), static_cast<int>(out->shape.dims[i]));
  }
  if (in->shape.elements() != out->shape.elements() || in->bytes != out->bytes)
    return ctx.fail(Status::kInvalidModel, "input tensor %d has %d elements, output tensor %d has %d",
                    static_cast<int>(in->index), static_cast<int>(in->shape.elements()), static_cast<int>(out->index),
                    static_cast<int>(out->shape.elements()));
  ctx.request(sizeof(ReshapeData), 0);
  if (ReshapeData* d = ctx.op_data<ReshapeData>()) d->bytes = static_cast<uint32_t>(in->bytes);
  return Status::kOk;
}

Status eval(const EvalContext& ctx) {
  const ReshapeData& d = *ctx.op_data<ReshapeData>();
  const void* src = ctx.inputs[0];
  void* dst = ctx.outputs[0];
  if (src != dst && d.bytes != 0) memmove(dst, src, d.bytes);
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::RESHAPE, prepare, eval};

}  // namespace

const OpRegistration* op_reshape() { return &kRegistration; }

}  // namespace mote
