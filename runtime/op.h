// mote runtime — the contract between the interpreter and one operator.
//
// Every op lives in runtime/ops/<stem>.cc and exports one function, op_<stem>(), returning its
// OpRegistration. An op has two phases:
//
//   prepare(PrepareContext&)  runs once per op instance, in two passes:
//     1. measuring pass: ctx.op_data() == nullptr. Validate types, shapes and quantization, then
//        call ctx.request(persistent_bytes, scratch_bytes). Nothing may be written.
//     2. filling pass: ctx.op_data() points at `persistent_bytes` of arena (aligned to 8). Compute
//        everything eval needs — shapes, multipliers, padding, clamps — and store it there.
//     Both passes see identical inputs and must make identical requests. Op data must hold no
//     pointers (the arena size must not depend on the pointer width); tensors are reached through
//     the EvalContext instead.
//   eval(const EvalContext&)  runs on every invoke: read op data, call a kernel. No validation, no
//     parsing, no allocation.
//
// Example (sketch of an elementwise op):
//
//   struct ReluData { int32_t count; int32_t lo, hi; };
//   Status prepare(PrepareContext& ctx) {
//     const TensorInfo* in = ctx.input(0);  const TensorInfo* out = ctx.output(0);
//     if (in == nullptr || out == nullptr) return ctx.fail(Status::kInvalidModel, "needs 1 input");
//     ctx.request(sizeof(ReluData), 0);
//     if (ReluData* d = ctx.op_data<ReluData>()) { d->count = in->shape.elements(); ... }
//     return Status::kOk;
//   }
//   Status eval(const EvalContext& ctx) {
//     const ReluData& d = *ctx.op_data<ReluData>();
//     relu_s8(d.count, ctx.input<int8_t>(0), ctx.output<int8_t>(0), d.lo, d.hi);
//     return Status::kOk;
//   }
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "runtime/flatbuf.h"
#include "runtime/status.h"
#include "runtime/tensor.h"

namespace mote {

// Supported operators; values are the .tflite BuiltinOperator codes. Generated from ops.inc.
enum class BuiltinOp : int32_t {
#define MOTE_OP(NAME, CODE, STEM) NAME = CODE,
#include "runtime/ops.inc"
#undef MOTE_OP
};

// Name of any .tflite builtin code ("CONV_2D"), supported or not; nullptr for codes the schema
// does not define.
const char* builtin_op_name(int32_t code);
// True if `code` is in ops.inc.
bool is_supported_op(int32_t code);

// Fused activation functions (ActivationFunctionType in the schema).
enum class Activation : uint8_t { kNone = 0, kRelu = 1, kReluN1To1 = 2, kRelu6 = 3, kTanh = 4, kSignBit = 5 };
// Padding in the schema.
enum class Padding : uint8_t { kSame = 0, kValid = 1 };

// Everything prepare may know about one tensor, decoded from the verified model.
struct TensorInfo {
  int32_t index = -1;               // tensor index in the subgraph
  TensorType type = TensorType::kFloat32;
  Shape shape;
  size_t bytes = 0;                 // elements × type_size
  const uint8_t* const_data = nullptr;  // constant tensors: their bytes in the model; else nullptr
  bool is_variable = false;
  // Quantization. num_scales == 0: not quantized. scale/zero_point are element 0 for convenience.
  uint32_t num_scales = 0;
  float scale = 0.0f;
  int32_t zero_point = 0;
  int32_t quantized_dimension = 0;
  fb::Vector scales;                // float32 per channel (count == num_scales)
  fb::Vector zero_points;           // int64 per channel (count == num_scales or 0)
  const char* name = nullptr;       // NUL-terminated, may be nullptr

  bool is_constant() const { return const_data != nullptr; }
  float scale_at(uint32_t i) const { return scales.at<float>(i); }
  int64_t zero_point_at(uint32_t i) const { return zero_points.count ? zero_points.at<int64_t>(i) : 0; }
  template <typename T>
  T const_at(size_t i) const {  // element i of a constant tensor (unaligned-safe)
    return fb::load<T>(const_data + i * sizeof(T));
  }
};

class PrepareContext {
 public:
  int op_index() const { return op_index_; }
  BuiltinOp op() const { return op_; }
  int op_version() const { return op_version_; }
  // Builtin options table of the operator (absent if the model has none). Read fields with
  // options().scalar<T>(field_id, default) — every read is bounds-checked.
  const fb::Table& options() const { return options_; }

  int num_inputs() const { return num_inputs_; }
  int num_outputs() const { return num_outputs_; }
  // nullptr for an omitted optional input (index -1) or i out of range.
  const TensorInfo* input(int i) const { return (i >= 0 && i < num_inputs_) ? inputs_[i] : nullptr; }
  const TensorInfo* output(int i) const { return (i >= 0 && i < num_outputs_) ? outputs_[i] : nullptr; }

  // Declare the persistent op data and scratch bytes this op needs. Call exactly once per pass.
  void request(size_t persistent_bytes, size_t scratch_bytes) {
    persistent_request_ = persistent_bytes;
    scratch_request_ = scratch_bytes;
  }
  // nullptr in the measuring pass.
  void* op_data() const { return op_data_; }
  template <typename T>
  T* op_data() const { return static_cast<T*>(op_data_); }

  // Fails with a message prefixed by "op <index> (<NAME>): ".
  Status fail(Status code, const char* fmt, ...) const
#if defined(__GNUC__)
      __attribute__((format(printf, 3, 4)))
#endif
      ;

  // Set by the interpreter; ops only read the accessors above.
  struct Init {
    int op_index;
    BuiltinOp op;
    int op_version;
    fb::Table options;
    const TensorInfo* const* inputs;
    int num_inputs;
    const TensorInfo* const* outputs;
    int num_outputs;
    void* op_data;
    Error* err;
  };
  explicit PrepareContext(const Init& in)
      : op_index_(in.op_index), op_(in.op), op_version_(in.op_version), options_(in.options),
        inputs_(in.inputs), num_inputs_(in.num_inputs), outputs_(in.outputs),
        num_outputs_(in.num_outputs), op_data_(in.op_data), err_(in.err) {}
  size_t persistent_request() const { return persistent_request_; }
  size_t scratch_request() const { return scratch_request_; }

 private:
  int op_index_;
  BuiltinOp op_;
  int op_version_;
  fb::Table options_;
  const TensorInfo* const* inputs_;
  int num_inputs_;
  const TensorInfo* const* outputs_;
  int num_outputs_;
  void* op_data_;
  Error* err_;
  size_t persistent_request_ = 0;
  size_t scratch_request_ = 0;
};

struct EvalContext {
  const void* data;        // persistent op data filled by prepare
  void* const* inputs;     // data pointer per op input (nullptr for an omitted optional input)
  void* const* outputs;    // data pointer per op output
  void* scratch;           // scratch_bytes requested by prepare, or nullptr

  template <typename T>
  const T* op_data() const { return static_cast<const T*>(data); }
  template <typename T>
  const T* input(int i) const { return static_cast<const T*>(inputs[i]); }
  template <typename T>
  T* output(int i) const { return static_cast<T*>(outputs[i]); }
};

struct OpRegistration {
  BuiltinOp op;
  Status (*prepare)(PrepareContext& ctx);
  Status (*eval)(const EvalContext& ctx);
};

// One declaration per op in ops.inc.
#define MOTE_OP(NAME, CODE, STEM) const OpRegistration* op_##STEM();
#include "runtime/ops.inc"
#undef MOTE_OP

}  // namespace mote
