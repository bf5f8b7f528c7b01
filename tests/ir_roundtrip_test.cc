// Round trip of real models through the host IR: for every model in ../shared/conformance/core
// (the MLPerf Tiny and TensorFlow Lite Micro example models and every seanet per-op model),
//   read (verified) -> Graph -> write_tflite -> read again
// must give a graph equal field by field to the first; the written file must pass mote's verifier,
// keep every constant 16-byte aligned, and writing the re-read graph must reproduce the file byte
// for byte. Running the written model on every conformance input must give outputs byte-identical
// to running the original model.
// The stateful and sources models (LSTM, SVDF, custom signal ops, a hybrid model) take the same
// graph round trip, without running.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <dirent.h>
#include <string>
#include <vector>

#include "host/ir/tflite_reader.h"
#include "host/ir/tflite_writer.h"
#include "runtime/model.h"
#include "tests/support/model_builder.h"
#include "tests/support/run_model.h"
#include "tests/support/test_support.h"

namespace mote {
namespace {

using testing::AlignedModel;
using testing::file_exists;
using testing::read_file;
using testing::shared_dir;

std::vector<std::string> subdirs(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != ".." && e->d_type == DT_DIR) out.push_back(name);
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Model directories relative to ../shared/conformance: "core/ad01_int8", "core/seanet/add/add0", ...
std::vector<std::string> model_dirs(const std::string& group) {
  std::vector<std::string> out;
  const std::string root = shared_dir().empty() ? "" : shared_dir() + "/conformance/";
  if (root.empty()) return out;
  for (const std::string& m : subdirs(root + group)) {
    const std::string rel = group + "/" + m;
    if (file_exists(root + rel + "/model.tflite")) out.push_back(rel);
    for (const std::string& op : subdirs(root + rel))
      for (const std::string& c : subdirs(root + rel + "/" + op))
        if (file_exists(root + rel + "/" + op + "/" + c + "/model.tflite")) out.push_back(rel + "/" + op + "/" + c);
  }
  return out;
}

std::string conformance(const std::string& rel) { return shared_dir() + "/conformance/" + rel; }

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  for (char& c : n)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

// Written bytes pass the verifier; every constant's data starts at a multiple of 16 in the file.
void expect_loads_aligned(const std::vector<uint8_t>& bytes) {
  AlignedModel m(bytes);
  Model model;
  Error err;
  ASSERT_EQ(model.load(m.data(), m.size(), &err), Status::kOk) << err.message;
  for (int t = 0; t < model.num_tensors(); ++t) {
    const TensorInfo info = model.tensor(t);
    if (info.const_data) {
      EXPECT_EQ((info.const_data - m.data()) % 16, 0) << "tensor " << t << " data offset";
    }
  }
}

template <typename T>
std::vector<T> elements(const fb::Vector& v) {
  std::vector<T> out;
  for (uint32_t i = 0; i < v.count; ++i) out.push_back(v.at<T>(i));
  return out;
}

// Independent of the IR: what the runtime's own accessors see in both files is the same — every
// tensor's type, shape, data, quantization, and every op's code, version, tensors and the presence
// and value of each builtin options field.
bool same_field(const fb::Table& x, const fb::Table& y, int id, ir::FieldKind kind) {
  switch (kind) {
    case ir::FieldKind::kBool:
    case ir::FieldKind::kInt8: return x.scalar<uint8_t>(id, 0) == y.scalar<uint8_t>(id, 0);
    case ir::FieldKind::kInt64: return x.scalar<uint64_t>(id, 0) == y.scalar<uint64_t>(id, 0);
    case ir::FieldKind::kInt32Vector:
    case ir::FieldKind::kFloat32Vector: return elements<uint32_t>(x.vector(id, 4)) == elements<uint32_t>(y.vector(id, 4));
    case ir::FieldKind::kString: return std::string(x.string(id, nullptr)) == std::string(y.string(id, nullptr));
    default: return x.scalar<uint32_t>(id, 0) == y.scalar<uint32_t>(id, 0);
  }
}

void expect_runtime_view_equal(const std::vector<uint8_t>& a_bytes, const std::vector<uint8_t>& b_bytes, const ir::Graph& graph) {
  AlignedModel ma(a_bytes), mb(b_bytes);
  Model a, b;
  Error err;
  ASSERT_EQ(a.load(ma.data(), ma.size(), &err), Status::kOk) << err.message;
  ASSERT_EQ(b.load(mb.data(), mb.size(), &err), Status::kOk) << err.message;
  ASSERT_EQ(a.num_tensors(), b.num_tensors());
  ASSERT_EQ(a.num_ops(), b.num_ops());
  for (int t = 0; t < a.num_tensors(); ++t) {
    const TensorInfo x = a.tensor(t), y = b.tensor(t);
    SCOPED_TRACE("tensor " + std::to_string(t));
    EXPECT_EQ(x.type, y.type);
    EXPECT_TRUE(x.shape == y.shape);
    EXPECT_EQ(x.is_constant(), y.is_constant());
    if (x.is_constant() && y.is_constant()) {
      EXPECT_EQ(std::memcmp(x.const_data, y.const_data, x.bytes), 0);
    }
    EXPECT_EQ(x.is_variable, y.is_variable);
    EXPECT_EQ(elements<float>(x.scales), elements<float>(y.scales));
    EXPECT_EQ(elements<int64_t>(x.zero_points), elements<int64_t>(y.zero_points));
    EXPECT_EQ(x.quantized_dimension, y.quantized_dimension);
    EXPECT_STREQ(x.name ? x.name : "", y.name ? y.name : "");
  }
  for (int o = 0; o < a.num_ops(); ++o) {
    const OpView x = a.op(o), y = b.op(o);
    SCOPED_TRACE("op " + std::to_string(o) + " " + x.name());
    EXPECT_EQ(x.builtin_code, y.builtin_code);
    EXPECT_EQ(x.version, y.version);
    EXPECT_STREQ(x.custom_code ? x.custom_code : "", y.custom_code ? y.custom_code : "");
    EXPECT_EQ(elements<int32_t>(x.inputs), elements<int32_t>(y.inputs));
    EXPECT_EQ(elements<int32_t>(x.outputs), elements<int32_t>(y.outputs));
    EXPECT_EQ(x.options.present(), y.options.present());
    const uint8_t type = graph.ops[o].options.type;
    for (int id = 0; id < 16; ++id) {
      ASSERT_EQ(x.options.field_offset(id) != 0, y.options.field_offset(id) != 0) << "options field " << id;
      if (x.options.field_offset(id) == 0) continue;
      ASSERT_LT(id, ir::options_field_count(type)) << "options field " << id;
      EXPECT_TRUE(same_field(x.options, y.options, id, ir::options_field_kind(type, id))) << "options field " << id;
    }
  }
}

// read -> write -> read: equal graphs, verifier accepts, writing again reproduces the bytes.
std::vector<uint8_t> round_trip(const std::string& path) {
  const std::vector<uint8_t> original = read_file(path);
  const ir::Graph first = ir::read_tflite(original, path);
  const std::vector<uint8_t> written = ir::write_tflite(first);
  expect_loads_aligned(written);
  expect_runtime_view_equal(original, written, first);
  const ir::Graph second = ir::read_tflite(written, path + " (written)");
  EXPECT_EQ(ir::Graph::first_difference(first, second), "");
  EXPECT_TRUE(ir::write_tflite(second) == written) << "writing the re-read graph changed the bytes";
  return written;
}

class CoreRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(CoreRoundTrip, GraphEqualAndOutputsByteIdentical) {
  const std::string dir = conformance(GetParam());
  const std::vector<uint8_t> original = read_file(dir + "/model.tflite");
  const std::vector<uint8_t> written = round_trip(dir + "/model.tflite");
  ASSERT_FALSE(written.empty());
  const int num_inputs = static_cast<int>(ir::read_tflite(original).inputs.size());
  int samples = 0;
  for (int k = 0; file_exists(dir + "/input_" + std::to_string(k) + "_0.bin"); ++k) {
    std::vector<std::vector<uint8_t>> inputs;
    for (int i = 0; i < num_inputs; ++i) inputs.push_back(read_file(dir + "/input_" + std::to_string(k) + "_" + std::to_string(i) + ".bin"));
    const testing::RunResult a = testing::run_model(original, inputs);
    const testing::RunResult b = testing::run_model(written, inputs);
    ASSERT_EQ(a.status, Status::kOk) << "original, sample " << k << ": " << a.message;
    ASSERT_EQ(b.status, Status::kOk) << "written, sample " << k << ": " << b.message;
    ASSERT_EQ(a.outputs.size(), b.outputs.size());
    for (size_t j = 0; j < a.outputs.size(); ++j) EXPECT_TRUE(a.outputs[j] == b.outputs[j]) << "sample " << k << " output " << j;
    EXPECT_EQ(a.plan.total_bytes, b.plan.total_bytes) << "arena size changed";
    ++samples;
  }
  EXPECT_GT(samples, 0) << "no conformance inputs in " << dir;
}

INSTANTIATE_TEST_SUITE_P(Conformance, CoreRoundTrip, ::testing::ValuesIn(model_dirs("core")), test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CoreRoundTrip);

class OtherRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(OtherRoundTrip, GraphEqual) { round_trip(conformance(GetParam()) + "/model.tflite"); }

INSTANTIATE_TEST_SUITE_P(Conformance, OtherRoundTrip, ::testing::ValuesIn(model_dirs("stateful")), test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OtherRoundTrip);

TEST(IrRoundTrip, SharedModelsPresent) {
  if (shared_dir().empty()) GTEST_SKIP() << "../shared is absent: conformance round trips not run";
  EXPECT_GE(model_dirs("core").size(), 100u) << "expected the core models and the seanet cases";
}

TEST(IrRoundTrip, HybridSourceModel) {
  if (shared_dir().empty()) GTEST_SKIP() << "../shared is absent";
  round_trip(conformance("sources/kws_ref_model_float32.tflite"));
}

}  // namespace
}  // namespace mote
