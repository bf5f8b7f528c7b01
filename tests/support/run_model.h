// run_model — load, plan, prepare (arena of exactly the planned size) and invoke a model in one
// call, for tests. Every stage's status and message are kept, so a test can assert where and why
// a model was refused.
//
//   RunResult r = run_model(builder.finish(), {bytes_of(input)});
//   ASSERT_EQ(r.status, Status::kOk) << r.message;
//   EXPECT_EQ(r.outputs[0], expected_bytes);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/interpreter.h"
#include "runtime/op_resolver.h"
#include "runtime/status.h"

namespace mote::testing {

enum class Stage { kLoad, kPlan, kPrepare, kInvoke, kDone };

struct RunResult {
  Status status = Status::kOk;
  Stage stage = Stage::kLoad;   // the stage that failed, or kDone
  std::string message;
  ArenaPlan plan;
  std::vector<std::vector<uint8_t>> outputs;  // bytes of every output tensor after invoke
};

// Inputs are raw bytes per graph input; each must have the tensor's byte size. All ops are
// registered unless `resolver` is given.
RunResult run_model(const std::vector<uint8_t>& model_bytes, const std::vector<std::vector<uint8_t>>& inputs,
                    const OpResolver* resolver = nullptr);

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  for (size_t i = 0; i < b.size(); ++i) b[i] = reinterpret_cast<const uint8_t*>(v.data())[i];
  return b;
}

}  // namespace mote::testing
