// OpHarness — runs one operator's prepare and eval the way the interpreter does, on hand-made
// tensor descriptions and plain buffers, without a model: a measuring prepare pass, then a filling
// pass into op data of the measured size (both passes must request the same persistent and scratch
// bytes), then eval.
//
//   OpHarness h(op_add());
//   h.inputs = {tensor_info(TensorType::kInt8, {6}, 0.5f, 0, 0), tensor_info(TensorType::kInt8, {6}, 0.5f, 0, 1)};
//   h.outputs = {tensor_info(TensorType::kInt8, {6}, 0.5f, 0, 2)};
//   h.options = OptionsTable({{0, /*fused_activation_function=*/1}});
//   ASSERT_EQ(h.prepare(), Status::kOk) << h.err.message;
//   ASSERT_EQ(h.eval({a.data(), b.data()}, {out.data()}), Status::kOk);
//
// One input and one output (activations, quantize, softmax) have a shorthand:
//
//   PreparedOp p = prepare_op(op_relu(), BuiltinOp::RELU, in, out);
//   ASSERT_EQ(p.status, Status::kOk) << p.err.message;
//   eval_op(op_relu(), p, x.data(), y.data());
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "runtime/flatbuf.h"
#include "runtime/op.h"
#include "runtime/tensor.h"

namespace mote::testing {

// A tensor description: shape, byte size, and per-tensor quantization when scale != 0.
TensorInfo tensor_info(TensorType type, const std::vector<int32_t>& dims, float scale = 0.0f, int32_t zero_point = 0,
                       int32_t index = 0);

// A FlatBuffers builtin-options table whose fields are 4-byte little-endian slots (a byte field
// reads the low byte). Default-constructed: no table (ctx.options().present() is false).
struct OptionsTable {
  std::vector<uint8_t> bytes;
  size_t pos = 0;  // where the table starts (after its vtable)

  OptionsTable() = default;
  // (field id, value) pairs, e.g. {{0, act}} for AddOptions.fused_activation_function.
  explicit OptionsTable(const std::vector<std::pair<int, int32_t>>& fields);
  // One float field (SoftmaxOptions.beta, LeakyReluOptions.alpha: field 0).
  static OptionsTable with_float(int field, float value);
  fb::Table table() const;
};

class OpHarness {
 public:
  explicit OpHarness(const OpRegistration* reg) : op(reg->op), reg_(reg) {}

  BuiltinOp op;  // the builtin code prepare sees (the registration's own by default)
  std::vector<TensorInfo> inputs, outputs;
  OptionsTable options;
  Error err;

  // Both prepare passes; kOk leaves op data and scratch ready for eval.
  Status prepare();
  Status eval(std::vector<const void*> in, std::vector<void*> out) const;
  const OpRegistration* registration() const { return reg_; }
  size_t persistent_bytes() const { return persistent_; }

 private:
  const OpRegistration* reg_;
  std::vector<uint64_t> op_data_;          // 8-byte aligned
  mutable std::vector<uint64_t> scratch_;  // eval may write it
  size_t persistent_ = 0;
};

// The one-input, one-output shorthand: a prepared op, ready to eval.
struct PreparedOp {
  Status status;
  Error err;          // prepare's message
  size_t persistent;  // op data bytes requested
  OpHarness harness;
};

PreparedOp prepare_op(const OpRegistration* reg, BuiltinOp op, const TensorInfo& in, const TensorInfo& out,
                      const OptionsTable& options = OptionsTable());
// Evaluates a prepared op; fails the test unless eval returns kOk.
void eval_op(const OpRegistration* reg, const PreparedOp& p, const void* input, void* output);

}  // namespace mote::testing
