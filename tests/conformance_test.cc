// Conformance: every model in ../shared/conformance/core (and the seanet per-op models) runs
// through load → plan → prepare → invoke, and its outputs are compared with the golden outputs
// TensorFlow Lite Micro's reference kernels produced:
//   - int8 / int16 / int32 outputs: byte-identical;
//   - float32 outputs: |mote - golden| <= 1e-4 * max(|golden|, 1e-2) per element
//     (relative 1e-4, with values below 0.01 held to an absolute 1e-6).
// Each sample runs on a freshly prepared interpreter in an arena of exactly the planned size; the
// planned size must not exceed TensorFlow Lite Micro's arena for the same model, and one byte less
// must be refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"
#include "tests/support/model_builder.h"
#include "tests/support/test_support.h"

namespace mote {
namespace {

using testing::file_exists;
using testing::read_file;
using testing::shared_dir;

std::vector<std::string> list_dirs(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != ".." && file_exists(dir + "/" + name + "/model.tflite")) out.push_back(name);
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct CaseResult {
  size_t arena_bytes = 0;
  int samples = 0;
};

void compare_output(const TensorRef& out, const std::vector<uint8_t>& golden, const std::string& what) {
  ASSERT_EQ(out.bytes, golden.size()) << what << ": output size";
  if (out.type == TensorType::kFloat32) {
    const float* got = static_cast<const float*>(out.data);
    const float* want = reinterpret_cast<const float*>(golden.data());
    int bad = 0;
    for (size_t i = 0; i < out.bytes / 4; ++i) {
      const double tol = 1e-4 * std::max(std::fabs(static_cast<double>(want[i])), 1e-2);
      if (std::fabs(static_cast<double>(got[i]) - want[i]) > tol && bad++ < 5)
        ADD_FAILURE() << what << ": element " << i << " is " << got[i] << ", golden " << want[i];
    }
    EXPECT_EQ(bad, 0) << what << ": float elements outside tolerance";
  } else {
    size_t first_diff = out.bytes;
    for (size_t i = 0; i < out.bytes; ++i)
      if (static_cast<const uint8_t*>(out.data)[i] != golden[i]) {
        first_diff = i;
        break;
      }
    EXPECT_EQ(first_diff, out.bytes) << what << ": bytes differ from the golden output (first at byte " << first_diff << ")";
  }
}

// Runs every sample in `dir`. Returns the planned arena size.
CaseResult run_case(const std::string& dir) {
  CaseResult result;
  testing::AlignedModel model_bytes(read_file(dir + "/model.tflite"));
  Model model;
  Error err;
  Status s = model.load(model_bytes.data(), model_bytes.size(), &err);
  EXPECT_EQ(s, Status::kOk) << dir << ": " << err.message;
  if (s != Status::kOk) return result;
  OpResolver resolver;
  register_all_ops(&resolver);
  std::vector<uint64_t> work((Interpreter::workspace_bytes(model) + 7) / 8);
  ArenaPlan plan;
  s = Interpreter::plan(model, resolver, work.data(), work.size() * 8, &plan, &err);
  EXPECT_EQ(s, Status::kOk) << dir << ": " << err.message;
  if (s != Status::kOk) return result;
  result.arena_bytes = plan.total_bytes;

  std::vector<uint64_t> arena(plan.total_bytes / 8 + 1);  // 8-byte aligned
  Interpreter too_small;
  EXPECT_EQ(too_small.prepare(model, resolver, arena.data(), plan.total_bytes - 1, &err), Status::kArenaTooSmall) << dir;

  for (int k = 0;; ++k) {
    std::string first_in = dir + "/input_" + std::to_string(k) + "_0.bin";
    if (!file_exists(first_in)) break;
    Interpreter interp;
    s = interp.prepare(model, resolver, arena.data(), plan.total_bytes, &err);
    EXPECT_EQ(s, Status::kOk) << dir << ": " << err.message;
    if (s != Status::kOk) return result;
    for (int i = 0; i < interp.num_inputs(); ++i) {
      std::vector<uint8_t> in = read_file(dir + "/input_" + std::to_string(k) + "_" + std::to_string(i) + ".bin");
      TensorRef t = interp.input(i);
      EXPECT_EQ(in.size(), t.bytes) << dir << " input " << i;
      if (in.size() != t.bytes) return result;
      std::memcpy(t.data, in.data(), in.size());
    }
    s = interp.invoke(&err);
    EXPECT_EQ(s, Status::kOk) << dir << ": " << err.message;
    for (int j = 0; j < interp.num_outputs(); ++j) {
      std::string golden = dir + "/output_" + std::to_string(k) + "_" + std::to_string(j) + ".bin";
      if (!file_exists(golden)) continue;
      compare_output(interp.output(j), read_file(golden), dir + " sample " + std::to_string(k) + " output " + std::to_string(j));
    }
    ++result.samples;
  }
  return result;
}

size_t tflm_arena(const std::string& dir) {
  std::ifstream f(dir + "/meta.json");
  nlohmann::json meta = nlohmann::json::parse(f, nullptr, false);
  if (meta.is_discarded() || !meta.contains("tflm_arena_used_bytes")) return 0;
  return meta["tflm_arena_used_bytes"].get<size_t>();
}

class CoreModel : public ::testing::TestWithParam<std::string> {};

TEST_P(CoreModel, MatchesGoldenOutputsWithinTflmArena) {
  const std::string root = shared_dir();
  if (root.empty()) GTEST_SKIP() << "../shared/conformance not found: conformance models skipped";
  const std::string dir = root + "/conformance/core/" + GetParam();
  if (!file_exists(dir + "/model.tflite")) GTEST_SKIP() << dir << " not present";
  CaseResult r = run_case(dir);
  EXPECT_GT(r.samples, 0) << dir;
  size_t tflm = tflm_arena(dir);
  ASSERT_GT(tflm, 0u) << "meta.json without tflm_arena_used_bytes";
  EXPECT_LE(r.arena_bytes, tflm) << GetParam() << ": mote arena " << r.arena_bytes << " > TFLM " << tflm;
  RecordProperty("arena_bytes", std::to_string(r.arena_bytes));
  RecordProperty("tflm_arena_bytes", std::to_string(tflm));
}

INSTANTIATE_TEST_SUITE_P(Conformance, CoreModel,
                         ::testing::Values("hello_world_int8", "hello_world_float", "micro_speech_quantized", "person_detect",
                                           "kws_ref_model", "pretrainedResnet_quant", "pretrainedResnet", "ad01_int8",
                                           "ad01_fp32"));

class SeanetOp : public ::testing::TestWithParam<std::string> {};

TEST_P(SeanetOp, EveryCaseMatchesGolden) {
  const std::string root = shared_dir();
  if (root.empty()) GTEST_SKIP() << "../shared/conformance not found: seanet cases skipped";
  const std::string dir = root + "/conformance/core/seanet/" + GetParam();
  std::vector<std::string> cases = list_dirs(dir);
  ASSERT_FALSE(cases.empty()) << "no cases in " << dir;
  int ran = 0;
  for (const std::string& c : cases) {
    CaseResult r = run_case(dir + "/" + c);
    ran += r.samples;
    size_t tflm = tflm_arena(dir + "/" + c);
    if (tflm > 0) {
      EXPECT_LE(r.arena_bytes, tflm) << c << ": mote arena " << r.arena_bytes << " > TFLM " << tflm;
    }
  }
  EXPECT_EQ(ran, static_cast<int>(cases.size()));
}

INSTANTIATE_TEST_SUITE_P(Conformance, SeanetOp,
                         ::testing::Values("add", "sub", "conv", "transpose_conv", "leaky_relu", "pad", "quantize",
                                           "strided_slice"));

}  // namespace
}  // namespace mote
