// mote runtime — plan, prepare and run a verified model inside one caller-provided arena.
//
//   static mote::Model model;                 // verified view of the .tflite bytes
//   static mote::OpResolver resolver;         // the ops this firmware links
//   static mote::Interpreter interp;
//   alignas(16) static uint8_t arena[24000];  // size from `mote inspect` / the exported header
//
//   mote::Error err;
//   model.load(model_data, model_size, &err);
//   resolver.add(mote::op_conv_2d()); ...
//   if (interp.prepare(model, resolver, arena, sizeof(arena), &err) != mote::Status::kOk) {
//     // e.g. "arena too small: 20000 bytes given, 23456 needed (activations 17920, ...)"
//   }
//   interp.set_input_float(0, features, n, &err);   // quantized with the input's scale/zero point
//   interp.invoke(&err);
//   int label = interp.argmax_output(0);
//
// Lifecycle: load (Model, verify) → plan (exact arena bytes, no arena needed) → prepare (lay out
// the arena, run every op's prepare once) → invoke (kernels only, any number of times).
//
// Arena layout after prepare (offsets grow to the right):
//
//   | activation region                   | tables                          | op data           |
//   | planned tensors + scratch buffers   | op records, I/O pointer lists,  | per-op persistent |
//   | (also the planning workspace while  | tensor offsets                  | parameters        |
//   |  prepare runs)                      |                                 | (multipliers...)  |
//
// The activation region is max(planned peak, planning workspace) bytes. Everything is inside the
// arena: the Interpreter object itself holds only a few pointers and counts. Ownership: the model
// bytes, the Model, the OpResolver and the arena must outlive the Interpreter; the Interpreter
// never allocates and never frees.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "runtime/model.h"
#include "runtime/op.h"
#include "runtime/op_resolver.h"
#include "runtime/status.h"

namespace mote {

// Every figure is in bytes.
struct ArenaPlan {
  size_t activation_bytes = 0;        // peak of the planned activation + scratch buffers
  size_t activation_lower_bound = 0;  // largest set of buffers alive at one op (no plan does better)
  size_t workspace_bytes = 0;         // temporary need while preparing (shares the activation region)
  size_t table_bytes = 0;             // op records, I/O pointer lists, tensor offsets
  size_t op_data_bytes = 0;           // persistent per-op data
  size_t total_bytes = 0;             // the arena size prepare() requires
  uint32_t num_buffers = 0;           // activation + scratch buffers planned
};

// A tensor as the application sees it.
struct TensorRef {
  int32_t index = -1;
  TensorType type = TensorType::kFloat32;
  Shape shape;
  void* data = nullptr;  // inside the arena (or the model, for constants: do not write)
  size_t bytes = 0;
  float scale = 0.0f;    // 0 when not quantized
  int32_t zero_point = 0;
  const char* name = nullptr;
};

class Interpreter {
 public:
  static constexpr uint32_t kAlignment = 8;        // every arena block starts at a multiple of 8
  static constexpr int kMaxOpTensors = 16;         // inputs + outputs of one operator
  static constexpr int32_t kMaxTensors = 65535;
  static constexpr int32_t kMaxOps = 65535;

  // Workspace bytes plan() needs for `model`.
  static size_t workspace_bytes(const Model& model);
  // Computes the exact arena plan without an arena; `work` (8-byte aligned, workspace_bytes(model)
  // long) is scratch. Runs every op's validation, so unsupported ops and inconsistent shapes are
  // reported here.
  static Status plan(const Model& model, const OpResolver& resolver, void* work, size_t work_bytes, ArenaPlan* plan,
                     Error* err);

  // Plans into the arena, refuses an arena smaller than the plan (kArenaTooSmall, both numbers in
  // the message), then prepares every op. On failure the interpreter stays unprepared.
  Status prepare(const Model& model, const OpResolver& resolver, void* arena, size_t arena_bytes, Error* err);
  bool prepared() const { return records_ != nullptr; }
  const ArenaPlan& arena_plan() const { return plan_; }

  // Runs all ops in order.
  Status invoke(Error* err = nullptr);
  // Runs op `index` only (per-layer profiling). Ops must be run in order 0..num_ops()-1.
  Status invoke_op(int index, Error* err = nullptr);

  int num_ops() const { return num_ops_; }
  int num_inputs() const { return model_ ? model_->num_inputs() : 0; }
  int num_outputs() const { return model_ ? model_->num_outputs() : 0; }
  TensorRef input(int i) const;
  TensorRef output(int i) const;
  // Any tensor; activations hold valid data only while alive (from the op that writes them to the
  // last op that reads them). data is nullptr for unused tensors.
  TensorRef tensor(int32_t index) const;

  // Writes `count` floats into input i: copied for float32 inputs, quantized with the tensor's own
  // scale and zero point (rounded half away from zero, saturated) for int8/int16 inputs.
  Status set_input_float(int i, const float* values, size_t count, Error* err = nullptr);
  // Reads output i as floats: copied, or dequantized with its scale and zero point.
  Status get_output_float(int i, float* values, size_t count, Error* err = nullptr) const;
  // Index of the largest element of output i (first one on ties); -1 if unprepared or empty.
  int argmax_output(int i) const;

  // Internal: one per op in the arena (eval function + its prepared context).
  struct OpRecord;

 private:
  const Model* model_ = nullptr;
  uint8_t* arena_ = nullptr;
  OpRecord* records_ = nullptr;
  uint32_t* tensor_offsets_ = nullptr;
  int num_ops_ = 0;
  ArenaPlan plan_;
};

}  // namespace mote
