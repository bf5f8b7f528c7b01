// run_model — load, plan, prepare (arena of exactly the planned size) and invoke a model in one
// call, for tests. Every stage's status and message are kept, so a test can assert where and why
// a model was refused.
//
//   RunResult r = run_model(builder.finish(), {bytes_of(input)});
//   ASSERT_EQ(r.status, Status::kOk) << r.message;
//   EXPECT_EQ(r.output(), expected_bytes);
//   EXPECT_EQ(values_of<int8_t>(r.output()), expected_values);
//
// A test that registers only the op under test (so the model must need nothing else) passes the
// ops: run_model(bytes, inputs, {op_pad()}).
//
// PreparedModel keeps one prepared interpreter for several invokes (the same arena each time):
//
//   PreparedModel m(bytes);
//   ASSERT_TRUE(m.ok()) << m.result().message;
//   for (...) { RunResult r = m.invoke({sample}); ... }
#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"
#include "runtime/status.h"
#include "tests/support/model_builder.h"

namespace mote::testing {

enum class Stage { kLoad, kPlan, kPrepare, kInvoke, kDone };

struct RunResult {
  Status status = Status::kOk;
  Stage stage = Stage::kLoad;  // the stage that failed; kDone after an invoke, kInvoke after prepare only
  std::string message;
  ArenaPlan plan;
  std::vector<std::vector<uint8_t>> outputs;  // bytes of every output tensor after invoke
  std::vector<Shape> output_shapes;           // and their shapes

  // Output i's bytes; empty when the run stopped before producing them.
  const std::vector<uint8_t>& output(size_t i = 0) const;
};

// A resolver with only these ops registered.
OpResolver only_ops(std::initializer_list<const OpRegistration*> ops);

// Load, plan and prepare once; invoke as often as wanted.
class PreparedModel {
 public:
  // All ops are registered unless `resolver` is given. The model bytes are copied `misalign` bytes
  // past a 16-byte boundary (0: 16-byte aligned, as the loader prefers).
  explicit PreparedModel(const std::vector<uint8_t>& model_bytes, const OpResolver* resolver = nullptr,
                         size_t misalign = 0);
  PreparedModel(const PreparedModel&) = delete;
  PreparedModel& operator=(const PreparedModel&) = delete;

  bool ok() const { return result_.status == Status::kOk; }
  // Status, stage, message and plan of load → plan → prepare.
  const RunResult& result() const { return result_; }
  // Inputs are raw bytes per graph input; each must have the tensor's byte size (otherwise the
  // result is kInvalidArgument at Stage::kInvoke, naming the input and both sizes).
  RunResult invoke(const std::vector<std::vector<uint8_t>>& inputs);
  Interpreter& interpreter() { return interp_; }

 private:
  AlignedModel bytes_;
  Model model_;
  OpResolver resolver_;
  std::vector<uint64_t> arena_;
  Interpreter interp_;
  RunResult result_;
};

RunResult run_model(const std::vector<uint8_t>& model_bytes, const std::vector<std::vector<uint8_t>>& inputs,
                    const OpResolver* resolver = nullptr);
// Load, plan and prepare only (for models a test expects to be refused): status, stage, message.
RunResult prepare_model(const std::vector<uint8_t>& model_bytes, std::initializer_list<const OpRegistration*> ops);
RunResult run_model(const std::vector<uint8_t>& model_bytes, const std::vector<std::vector<uint8_t>>& inputs,
                    std::initializer_list<const OpRegistration*> ops);

// Sample k of a conformance case directory (model.tflite, input_<k>_<i>.bin for every graph input);
// compare r.output(j) with read_file(dir + "/output_<k>_<j>.bin").
RunResult run_case(const std::string& dir, int k, const OpResolver* resolver = nullptr, size_t misalign = 0);

// Runs every seanet case of `op` (../shared/conformance/core/seanet/<op>/<op>0, 1, ...) with only
// `ops` registered and expects output 0 to equal the golden bytes TensorFlow Lite Micro produced.
// Returns the number of cases run (0 when the shared data is absent: check shared_dir() first).
int check_seanet_cases(const std::string& op, std::initializer_list<const OpRegistration*> ops, size_t misalign = 0);

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  if (!b.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// The inverse of bytes_of: little-endian bytes read back as values (a trailing partial value is
// dropped).
template <typename T>
std::vector<T> values_of(const std::vector<uint8_t>& b) {
  std::vector<T> v(b.size() / sizeof(T));
  if (!v.empty()) std::memcpy(v.data(), b.data(), v.size() * sizeof(T));
  return v;
}

}  // namespace mote::testing
