// `mote eval` and host/eval: the SQNR / agreement / accuracy arithmetic on hand-computed cases,
// label files, a float/int8 model pair with one deliberately badly-scaled layer (it must come out
// worst), models whose tensor names do not match, the errors, the command end to end, and the
// shipped pretrainedResnet / pretrainedResnet_quant pair.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/activations.h"
#include "host/error.h"
#include "host/eval/eval.h"
#include "host/files.h"
#include "host/ir/tflite_reader.h"
#include "host/ir/tflite_writer.h"
#include "host/npy.h"
#include "host/quant/quantize.h"
#include "host/session.h"
#include "tests/support/cli_runner.h"
#include "tests/support/model_builder.h"
#include "tests/support/test_support.h"

namespace {

namespace fs = std::filesystem;
using mote::eval::EvalReport;
using mote::eval::LayerStats;
using mote::host::HostError;
using namespace mote::testing;

const double kInf = std::numeric_limits<double>::infinity();

// A fresh directory for one test.
std::string temp_dir(const std::string& name) {
  fs::path d = fs::path(::testing::TempDir()) / ("eval_test_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

void write_text(const std::string& path, const std::string& text) { mote::host::write_file(path, text.data(), text.size()); }

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  mote::host::write_file(path, bytes.data(), bytes.size());
}

template <typename T>
void write_npy(const std::string& path, mote::host::NpyDtype dtype, std::vector<int64_t> shape, const std::vector<T>& v) {
  mote::host::NpyArray a;
  a.dtype = dtype;
  a.shape = std::move(shape);
  const uint8_t* p = reinterpret_cast<const uint8_t*>(v.data());
  a.data.assign(p, p + v.size() * sizeof(T));
  mote::host::write_npy(path, a);
}

// The message of the HostError `f` throws ("" and a test failure if it throws none).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const HostError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no HostError thrown";
  return "";
}

#define EXPECT_CONTAINS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << "in: " << (text)

// ---- arithmetic ----------------------------------------------------------------------------------

TEST(EvalMath, SqnrDb) {
  EXPECT_DOUBLE_EQ(mote::eval::sqnr_db(100.0, 1.0), 20.0);
  EXPECT_DOUBLE_EQ(mote::eval::sqnr_db(1.0, 1.0), 0.0);
  EXPECT_NEAR(mote::eval::sqnr_db(1.0, 4.0), -6.0206, 1e-4);
  EXPECT_EQ(mote::eval::sqnr_db(5.0, 0.0), kInf);   // identical values: no noise
  EXPECT_EQ(mote::eval::sqnr_db(0.0, 0.0), kInf);   // all zero on both sides
  EXPECT_EQ(mote::eval::sqnr_db(0.0, 2.0), -kInf);  // only noise
  EXPECT_EQ(mote::eval::format_db(kInf), "inf");
  EXPECT_EQ(mote::eval::format_db(-kInf), "-inf");
  EXPECT_EQ(mote::eval::format_db(12.3456), "12.3");
  EXPECT_EQ(mote::eval::format_db(12.3456, 2), "12.35");
}

TEST(EvalMath, ErrorSumsAccumulateEnergiesBeforeTheRatio) {
  mote::eval::ErrorSums s;
  s.add({1.0f, 2.0f, 3.0f}, {1.0f, 2.0f, 2.5f}, "x");  // signal 14, noise 0.25, |e| 0.5
  EXPECT_DOUBLE_EQ(s.signal, 14.0);
  EXPECT_DOUBLE_EQ(s.noise, 0.25);
  EXPECT_NEAR(s.sqnr_db(), 10.0 * std::log10(56.0), 1e-12);
  s.add({-4.0f}, {-2.0f}, "x");  // signal +16, noise +4, |e| +2
  EXPECT_DOUBLE_EQ(s.signal, 30.0);
  EXPECT_DOUBLE_EQ(s.noise, 4.25);
  EXPECT_EQ(s.count, 4u);
  EXPECT_DOUBLE_EQ(s.mae(), 2.5 / 4.0);
  // Not the mean of per-sample ratios (which would be (17.48 + 6.02) / 2).
  EXPECT_NEAR(s.sqnr_db(), 10.0 * std::log10(30.0 / 4.25), 1e-12);
  EXPECT_CONTAINS(error_of([&] { s.add({1.0f}, {1.0f, 2.0f}, "tensor 'fc1'"); }), "tensor 'fc1': the float model gives 1 values");
}

TEST(EvalMath, ArgmaxTakesTheFirstOnTies) {
  EXPECT_EQ(mote::eval::argmax({0.5f, 1.0f, 1.0f}), 1);
  EXPECT_EQ(mote::eval::argmax({-3.0f, -2.0f, -7.0f}), 1);
  EXPECT_EQ(mote::eval::argmax({}), -1);
}

// ---- labels --------------------------------------------------------------------------------------

TEST(EvalLabels, TextOneIntegerPerLine) {
  const std::string d = temp_dir("labels_text");
  write_text(d + "/y.txt", "# class per sample\n3\n 0 \n\n7\r\n-1\n12");
  EXPECT_EQ(mote::eval::load_labels(d + "/y.txt"), (std::vector<int64_t>{3, 0, 7, -1, 12}));
  write_text(d + "/bad.txt", "1\n2\ncat\n");
  EXPECT_CONTAINS(error_of([&] { mote::eval::load_labels(d + "/bad.txt"); }), d + "/bad.txt: line 3: 'cat' is not an integer label");
  write_text(d + "/frac.txt", "1\n2.5\n");
  EXPECT_CONTAINS(error_of([&] { mote::eval::load_labels(d + "/frac.txt"); }), "line 2: '2.5'");
  write_text(d + "/empty.txt", "\n# nothing\n");
  EXPECT_CONTAINS(error_of([&] { mote::eval::load_labels(d + "/empty.txt"); }), "no labels");
  EXPECT_CONTAINS(error_of([&] { mote::eval::load_labels(d + "/missing.txt"); }), "missing.txt: cannot open");
}

TEST(EvalLabels, NpyShapesAndTypes) {
  using mote::host::NpyDtype;
  const std::string d = temp_dir("labels_npy");
  write_npy<int32_t>(d + "/a.npy", NpyDtype::kInt32, {4}, {2, 0, 9, 5});
  EXPECT_EQ(mote::eval::load_labels(d + "/a.npy"), (std::vector<int64_t>{2, 0, 9, 5}));
  write_npy<uint8_t>(d + "/b.npy", NpyDtype::kUInt8, {3, 1}, {200, 1, 3});
  EXPECT_EQ(mote::eval::load_labels(d + "/b.npy"), (std::vector<int64_t>{200, 1, 3}));
  write_npy<float>(d + "/c.npy", NpyDtype::kFloat32, {2}, {4.0f, 1.0f});
  EXPECT_EQ(mote::eval::load_labels(d + "/c.npy"), (std::vector<int64_t>{4, 1}));
  write_npy<float>(d + "/d.npy", NpyDtype::kFloat32, {2}, {4.0f, 1.5f});
  EXPECT_CONTAINS(error_of([&] { mote::eval::load_labels(d + "/d.npy"); }), "label 1 is 1.5");
  // NumPy's default integer type, as np.save(labels) writes it.
  write_npy<int64_t>(d + "/i64.npy", NpyDtype::kInt64, {3}, {7, 0, 4});
  EXPECT_EQ(mote::eval::load_labels(d + "/i64.npy"), (std::vector<int64_t>{7, 0, 4}));
  write_npy<int8_t>(d + "/e.npy", NpyDtype::kInt8, {2, 2}, {1, 2, 3, 4});
  EXPECT_CONTAINS(error_of([&] { mote::eval::load_labels(d + "/e.npy"); }), "shape (N,) or (N, 1), not (2, 2)");
  EXPECT_CONTAINS(error_of([&] { mote::eval::check_label_count(90, 100, "y.npy"); }), "y.npy: 90 labels for 100 samples");
  EXPECT_NO_THROW(mote::eval::check_label_count(7, 7, "y.npy"));
}

// ---- a hand-computed pair: RESHAPE in float and in int8 (scale 0.5, zero point 0) ---------------

// x [1,3] -> RESHAPE -> y [1,3]; int8 tensors have scale 0.5, zero point 0.
std::vector<uint8_t> reshape_model(bool int8, const std::string& out_name = "y") {
  ModelBuilder b;
  const mote::TensorType t = int8 ? mote::TensorType::kInt8 : mote::TensorType::kFloat32;
  const Quant q = int8 ? Quant(0.5f, 0) : Quant();
  const int x = b.add_tensor(t, {1, 3}, q, "x");
  const int y = b.add_tensor(t, {1, 3}, q, out_name);
  b.add_op(mote::BuiltinOp::RESHAPE, {x}, {y}, Options::reshape({1, 3}));
  b.set_inputs({x});
  b.set_outputs({y});
  return b.finish();
}

struct ReshapePair {
  std::string dir, float_path, quant_path;
};

ReshapePair reshape_pair(const std::string& name, const std::string& quant_out_name = "y") {
  ReshapePair p;
  p.dir = temp_dir(name);
  p.float_path = p.dir + "/f.tflite";
  p.quant_path = p.dir + "/q.tflite";
  write_bytes(p.float_path, reshape_model(false));
  write_bytes(p.quant_path, reshape_model(true, quant_out_name));
  return p;
}

// Quantizing with scale 0.5 (round half away from zero) and dequantizing:
//   [0.2, 1.0, -0.7] -> [0, 1.0, -0.5]   argmax 1 / 1
//   [0.9, 0.8, 0.1]  -> [1.0, 1.0, 0]    argmax 0 / 0 (first of the tie)
//   [0.6, 0.7, 0.0]  -> [0.5, 0.5, 0]    argmax 1 / 0: the models disagree
const std::vector<std::vector<float>> kReshapeSamples = {{0.2f, 1.0f, -0.7f}, {0.9f, 0.8f, 0.1f}, {0.6f, 0.7f, 0.0f}};

TEST(EvalPair, HandComputedFiguresOnAnInt8Reshape) {
  const ReshapePair p = reshape_pair("reshape");
  const EvalReport r = mote::eval::evaluate_pair(p.float_path, p.quant_path, kReshapeSamples, {1, 0, 0});
  EXPECT_EQ(r.samples, 3u);
  EXPECT_EQ(r.num_classes, 3);
  EXPECT_EQ(r.agree, 2u);
  EXPECT_DOUBLE_EQ(r.top1_agreement, 2.0 / 3.0);
  ASSERT_TRUE(r.has_labels);
  EXPECT_EQ(r.float_correct, 2u);  // argmax 1, 0, 1 against labels 1, 0, 0
  EXPECT_EQ(r.quant_correct, 3u);  // argmax 1, 0, 0
  EXPECT_DOUBLE_EQ(r.float_accuracy, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.quant_accuracy, 1.0);
  // Energies in double from the float32 inputs, independently of the library.
  double signal = 0, noise = 0, abs_err = 0, max_err = 0;
  const std::vector<std::vector<float>> deq = {{0.0f, 1.0f, -0.5f}, {1.0f, 1.0f, 0.0f}, {0.5f, 0.5f, 0.0f}};
  for (size_t s = 0; s < 3; ++s)
    for (size_t i = 0; i < 3; ++i) {
      const double f = kReshapeSamples[s][i], e = f - deq[s][i];
      signal += f * f;
      noise += e * e;
      abs_err += std::fabs(e);
      max_err = std::max(max_err, std::fabs(e));
    }
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_NEAR(r.outputs[0].sqnr_db, 10.0 * std::log10(signal / noise), 1e-9);
  EXPECT_NEAR(r.outputs[0].sqnr_db, 10.0 * std::log10(3.84 / 0.19), 1e-5);  // by hand: 13.056 dB
  EXPECT_NEAR(r.outputs[0].mae, abs_err / 9.0, 1e-9);
  EXPECT_NEAR(r.outputs[0].max_abs_error, 0.2, 1e-6);
  // The one activation, 'y', is matched by name: the same figure as the output.
  ASSERT_EQ(r.layers.size(), 1u);
  const LayerStats& l = r.layers[0];
  EXPECT_EQ(l.op_index, 0);
  EXPECT_EQ(l.op, "RESHAPE");
  EXPECT_EQ(l.tensor, "y");
  EXPECT_EQ(l.shape, (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(l.type, mote::TensorType::kInt8);
  EXPECT_FLOAT_EQ(l.scale, 0.5f);
  EXPECT_EQ(l.zero_point, 0);
  EXPECT_NEAR(l.sqnr_db, r.outputs[0].sqnr_db, 1e-12);
  // All of that error is the input's quantization; RESHAPE adds none: own SQNR inf, no worst layer.
  EXPECT_NEAR(r.input_sqnr_db, 10.0 * std::log10(3.84 / 0.19), 1e-5);
  EXPECT_NEAR(l.input_sqnr_db, r.input_sqnr_db, 1e-12);
  EXPECT_EQ(l.own_sqnr_db, kInf);
  EXPECT_FALSE(l.worst);
  EXPECT_EQ(r.worst_layer, -1);
  EXPECT_CONTAINS(mote::eval::report_text(r), "no layer adds error of its own");
  EXPECT_TRUE(r.layers_note.empty()) << r.layers_note;
}

TEST(EvalPair, IdenticalModelsHaveInfiniteSqnr) {
  const ReshapePair p = reshape_pair("identical");
  const EvalReport r = mote::eval::evaluate_pair(p.float_path, p.float_path, kReshapeSamples, {});
  EXPECT_FALSE(r.has_labels);
  EXPECT_EQ(r.agree, 3u);
  EXPECT_EQ(r.outputs[0].sqnr_db, kInf);
  EXPECT_EQ(r.outputs[0].mae, 0.0);
  ASSERT_EQ(r.layers.size(), 1u);
  EXPECT_EQ(r.layers[0].sqnr_db, kInf);
  const nlohmann::ordered_json j = mote::eval::report_json(r);
  EXPECT_EQ(j["outputs"][0]["sqnr_db"], "inf");
  EXPECT_TRUE(j["float_accuracy"].is_null());
  EXPECT_CONTAINS(mote::eval::report_text(r), "no labels given");
}

TEST(EvalPair, NamesThatDoNotMatchLeaveTheLayerTableEmpty) {
  const ReshapePair p = reshape_pair("names", "y_int8");
  const EvalReport r = mote::eval::evaluate_pair(p.float_path, p.quant_path, kReshapeSamples, {});
  EXPECT_TRUE(r.layers.empty());
  EXPECT_EQ(r.worst_layer, -1);
  EXPECT_EQ(r.quant_activations, 1u);
  EXPECT_EQ(r.unmatched_names, 1u);
  EXPECT_CONTAINS(r.layers_note, "the per-layer table is empty");
  EXPECT_CONTAINS(r.layers_note, "'y_int8'");
  // The outputs are still compared (by position).
  EXPECT_NEAR(r.outputs[0].sqnr_db, 10.0 * std::log10(3.84 / 0.19), 1e-5);
  EXPECT_CONTAINS(mote::eval::report_text(r), "(none) no op output of");
}

TEST(EvalPair, ErrorsNameBothModelsAndNumbers) {
  const ReshapePair p = reshape_pair("errors");
  // A model with input [1,4].
  ModelBuilder b;
  const int x = b.add_tensor(mote::TensorType::kFloat32, {1, 4}, {}, "x");
  const int y = b.add_tensor(mote::TensorType::kFloat32, {1, 4}, {}, "y");
  b.add_op(mote::BuiltinOp::RESHAPE, {x}, {y}, Options::reshape({1, 4}));
  b.set_inputs({x});
  b.set_outputs({y});
  const std::string wide = p.dir + "/wide.tflite";
  write_bytes(wide, b.finish());
  EXPECT_CONTAINS(error_of([&] { mote::eval::evaluate_pair(p.float_path, wide, kReshapeSamples, {}); }),
                  "input 0 has shape [1,3] in " + p.float_path + " but [1,4] in " + wide);
  // Two outputs against one.
  b.set_outputs({y, x});
  const std::string two = p.dir + "/two.tflite";
  write_bytes(two, b.finish());
  EXPECT_CONTAINS(error_of([&] { mote::eval::evaluate_pair(wide, two, {{1, 2, 3, 4}}, {}); }),
                  wide + " has 1 input(s) and 1 output(s), " + two + " has 1 and 2");
  EXPECT_CONTAINS(error_of([&] { mote::eval::evaluate_pair(p.float_path, p.quant_path, {}, {}); }), "no samples");
  EXPECT_CONTAINS(error_of([&] { mote::eval::evaluate_pair(p.float_path, p.quant_path, kReshapeSamples, {0, 1}); }),
                  "2 labels for 3 samples");
  EXPECT_CONTAINS(error_of([&] { mote::eval::evaluate_pair(p.float_path, p.quant_path, kReshapeSamples, {0, 3, 1}); }),
                  "label 3 of sample 1 is not a class of output 0 (0..2)");
  EXPECT_CONTAINS(error_of([&] { mote::eval::evaluate_pair(p.float_path, p.quant_path, {{1.0f, 2.0f}}, {}); }), "2");
}

TEST(EvalPair, OneValueOutputsAreNotClassifiers) {
  const std::string d = temp_dir("one_value");
  for (bool int8 : {false, true}) {
    ModelBuilder b;
    const mote::TensorType t = int8 ? mote::TensorType::kInt8 : mote::TensorType::kFloat32;
    const Quant q = int8 ? Quant(0.5f, 0) : Quant();
    const int x = b.add_tensor(t, {1, 1}, q, "x");
    const int y = b.add_tensor(t, {1, 1}, q, "y");
    b.add_op(mote::BuiltinOp::RESHAPE, {x}, {y}, Options::reshape({1, 1}));
    b.set_inputs({x});
    b.set_outputs({y});
    write_bytes(d + (int8 ? "/q.tflite" : "/f.tflite"), b.finish());
  }
  const EvalReport r = mote::eval::evaluate_pair(d + "/f.tflite", d + "/q.tflite", {{0.2f}, {1.0f}}, {});
  EXPECT_FALSE(r.classifier);
  EXPECT_NEAR(r.outputs[0].sqnr_db, 10.0 * std::log10(1.04 / 0.04), 1e-5);  // 0.2 -> 0
  EXPECT_CONTAINS(mote::eval::report_text(r), "top-1:           not reported (output 0 has 1 value");
  EXPECT_TRUE(mote::eval::report_json(r)["top1_agreement"].is_null());
  EXPECT_CONTAINS(error_of([&] { mote::eval::evaluate_pair(d + "/f.tflite", d + "/q.tflite", {{0.2f}, {1.0f}}, {0, 0}); }),
                  "labels need a classifier, but output 0 of " + d + "/f.tflite has 1 value(s)");
}

TEST(EvalPair, LimitEvaluatesTheFirstSamples) {
  const ReshapePair p = reshape_pair("limit");
  mote::eval::EvalOptions o;
  o.limit = 2;
  std::vector<std::pair<size_t, size_t>> calls;
  o.progress = [&](size_t done, size_t total) { calls.emplace_back(done, total); };
  const EvalReport r = mote::eval::evaluate_pair(p.float_path, p.quant_path, kReshapeSamples, {1, 0, 0}, o);
  EXPECT_EQ(r.samples, 2u);
  EXPECT_EQ(r.agree, 2u);
  EXPECT_EQ(calls, (std::vector<std::pair<size_t, size_t>>{{1, 2}, {2, 2}}));
}

}  // namespace

// ---- a small MLP and its int8 twin, quantized here by hand ----------------------------------------
//
// input [1,16] -> fc1 (32, RELU) -> fc2 (32, RELU) -> fc3 (32, RELU) -> logits (10). The int8 twin
// has int8 activations with min/max-calibrated per-tensor parameters, int8 symmetric per-tensor
// weights and int32 biases (scale = input scale x weight scale), tensor names kept. One activation
// can be given a scale `factor` times too coarse (zero point refitted to its range): the badly-scaled
// layer of the acceptance test.

namespace ir = mote::ir;

// Deterministic pseudo-random floats in [-1, 1).
struct Lcg {
  uint32_t state;
  float next() {
    state = state * 1664525u + 1013904223u;
    return static_cast<float>((state >> 8) / 16777216.0) * 2.0f - 1.0f;
  }
};

const int kMlpWidths[] = {16, 32, 32, 32, 10};
const char* const kMlpNames[] = {"input", "fc1", "fc2", "fc3", "logits"};

std::vector<uint8_t> mlp_float_model() {
  ModelBuilder b;
  Lcg g{7};
  const int x = b.add_tensor(mote::TensorType::kFloat32, {1, kMlpWidths[0]}, {}, kMlpNames[0]);
  int in = x;
  for (int l = 0; l < 4; ++l) {
    const int n_in = kMlpWidths[l], n_out = kMlpWidths[l + 1];
    std::vector<float> w(static_cast<size_t>(n_in * n_out)), bias(static_cast<size_t>(n_out));
    const float k = 1.7f / std::sqrt(static_cast<float>(n_in));
    for (float& v : w) v = k * g.next();
    for (float& v : bias) v = 0.1f * g.next();
    const std::string name = kMlpNames[l + 1];
    const int wt = b.add_const_f32({n_out, n_in}, w, {}, name + "/weights");
    const int bt = b.add_const_f32({n_out}, bias, {}, name + "/bias");
    const int out = b.add_tensor(mote::TensorType::kFloat32, {1, n_out}, {}, name);
    b.add_op(mote::BuiltinOp::FULLY_CONNECTED, {in, wt, bt}, {out},
             Options::fully_connected(l < 3 ? mote::Activation::kRelu : mote::Activation::kNone));
    in = out;
  }
  b.set_inputs({x});
  b.set_outputs({in});
  return b.finish();
}

struct Range {
  float lo = 0.0f, hi = 0.0f;  // always includes 0
  void add(float v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
};

// Min/max of the input and of every op output over the samples, by tensor name.
std::map<std::string, Range> calibrate(const std::string& model_path, const std::vector<std::vector<float>>& samples) {
  mote::host::Session s(model_path);
  std::map<std::string, Range> ranges;
  for (const std::vector<float>& x : samples) {
    for (float v : x) ranges[kMlpNames[0]].add(v);
    mote::host::run_capturing(s, {x}, [&](int, const std::vector<mote::host::Activation>& outs) {
      for (const mote::host::Activation& a : outs)
        for (float v : a.values) ranges[a.name].add(v);
    });
  }
  return ranges;
}

ir::Quantization activation_quant(const Range& r, float factor) {
  const float scale = (r.hi - r.lo) / 255.0f * factor;
  const double zp = std::round(-128.0 - r.lo / scale);
  return ir::Quantization::per_tensor(scale, static_cast<int64_t>(std::clamp(zp, -128.0, 127.0)));
}

template <typename T>
std::vector<T> quantize_values(const std::vector<float>& v, float scale, double lo, double hi) {
  std::vector<T> q(v.size());
  for (size_t i = 0; i < v.size(); ++i) q[i] = static_cast<T>(std::clamp(std::round(static_cast<double>(v[i]) / scale), lo, hi));
  return q;
}

ir::Graph quantize_by_hand(const ir::Graph& g, const std::map<std::string, Range>& ranges, const std::string& coarse,
                           float factor) {
  ir::Graph q = g;
  for (ir::Tensor& t : q.tensors) {
    if (t.is_constant()) continue;
    t.type = mote::TensorType::kInt8;
    t.quant = activation_quant(ranges.at(t.name), t.name == coarse ? factor : 1.0f);
  }
  for (const ir::Op& op : q.ops) {
    ir::Tensor& w = q.tensors[static_cast<size_t>(op.inputs[1])];
    ir::Tensor& b = q.tensors[static_cast<size_t>(op.inputs[2])];
    const float in_scale = q.tensors[static_cast<size_t>(op.inputs[0])].quant.scales[0];
    const std::vector<float> wv = w.values<float>(), bv = b.values<float>();
    float max_abs = 0.0f;
    for (float v : wv) max_abs = std::max(max_abs, std::fabs(v));
    const float w_scale = max_abs / 127.0f, b_scale = in_scale * w_scale;
    w.type = mote::TensorType::kInt8;
    w.quant = ir::Quantization::per_tensor(w_scale, 0);
    w.set_values(quantize_values<int8_t>(wv, w_scale, -127, 127));
    b.type = mote::TensorType::kInt32;
    b.quant = ir::Quantization::per_tensor(b_scale, 0);
    b.set_values(quantize_values<int32_t>(bv, b_scale, -2147483647.0, 2147483647.0));
  }
  return q;
}

struct MlpPair {
  std::string dir, float_path, quant_path;
  std::vector<std::vector<float>> samples;
};

MlpPair mlp_pair(const std::string& name, const std::string& coarse = "", float factor = 1.0f) {
  MlpPair p;
  p.dir = temp_dir(name);
  p.float_path = p.dir + "/mlp.tflite";
  p.quant_path = p.dir + "/mlp_int8.tflite";
  const std::vector<uint8_t> bytes = mlp_float_model();
  write_bytes(p.float_path, bytes);
  Lcg g{99};
  p.samples.assign(64, std::vector<float>(static_cast<size_t>(kMlpWidths[0])));
  for (std::vector<float>& s : p.samples)
    for (float& v : s) v = g.next();
  const ir::Graph q = quantize_by_hand(ir::read_tflite(bytes, "mlp"), calibrate(p.float_path, p.samples), coarse, factor);
  ir::write_tflite_file(q, p.quant_path);
  return p;
}

std::map<std::string, double> sqnr_by_tensor(const EvalReport& r) {
  std::map<std::string, double> m;
  for (const LayerStats& l : r.layers) m[l.tensor] = l.sqnr_db;
  return m;
}

TEST(EvalMlp, WellQuantizedTwinIsClose) {
  const MlpPair p = mlp_pair("mlp_good");
  const EvalReport r = mote::eval::evaluate_pair(p.float_path, p.quant_path, p.samples, {});
  ASSERT_EQ(r.layers.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(r.layers[i].op_index, static_cast<int>(i));
    EXPECT_EQ(r.layers[i].tensor, kMlpNames[i + 1]);
    EXPECT_EQ(r.layers[i].op, "FULLY_CONNECTED");
    EXPECT_GT(r.layers[i].sqnr_db, 25.0) << r.layers[i].tensor;
  }
  EXPECT_EQ(r.unmatched_names, 0u);
  EXPECT_GT(r.outputs[0].sqnr_db, 25.0);
  EXPECT_GE(r.top1_agreement, 0.9);
}

TEST(EvalMlp, BadlyScaledLayerComesOutWorst) {
  const MlpPair ref = mlp_pair("mlp_ref");
  const std::map<std::string, double> good = sqnr_by_tensor(mote::eval::evaluate_pair(ref.float_path, ref.quant_path, ref.samples, {}));
  for (const char* bad : {"fc1", "fc2", "fc3"}) {
    SCOPED_TRACE(bad);
    const MlpPair p = mlp_pair(std::string("mlp_bad_") + bad, bad, 50.0f);
    const EvalReport r = mote::eval::evaluate_pair(p.float_path, p.quant_path, p.samples, {});
    ASSERT_EQ(r.layers.size(), 4u);
    ASSERT_GE(r.worst_layer, 0);
    const LayerStats& w = r.layers[static_cast<size_t>(r.worst_layer)];
    EXPECT_EQ(w.tensor, bad);
    EXPECT_TRUE(w.worst);
    EXPECT_LT(w.sqnr_db, good.at(bad) - 20.0);  // 50x coarser steps: ~34 dB less (measured 14 vs 41-44)
    EXPECT_LT(w.sqnr_db, w.input_sqnr_db - 20.0);
    // The layers after it inherit the error (their accumulated SQNR is as low or lower) but add
    // little of their own: measured 17.6-23 dB own against 13.7-14.8 for the bad layer.
    for (const LayerStats& l : r.layers) {
      if (&l == &w) continue;
      EXPECT_GT(l.own_sqnr_db, w.own_sqnr_db + 3.0) << l.tensor;
    }
    EXPECT_EQ(std::count_if(r.layers.begin(), r.layers.end(), [](const LayerStats& l) { return l.worst; }), 1);
    EXPECT_CONTAINS(mote::eval::report_text(r), "<- worst");
  }
}

// ---- the same with mote's quantizer, then one scale made too coarse through the IR -----------------

// Makes activation `name` `factor` times coarser, its zero point refitted to the range it covered,
// and rescales the biases of the FULLY_CONNECTED ops that read it (bias scale = input scale x
// weight scale must stay true).
void coarsen(ir::Graph& g, const std::string& name, float factor) {
  int32_t t = -1;
  for (size_t i = 0; i < g.tensors.size(); ++i)
    if (g.tensors[i].name == name) t = static_cast<int32_t>(i);
  ASSERT_GE(t, 0) << name;
  ir::Quantization& q = g.tensors[static_cast<size_t>(t)].quant;
  const double lo = (-128.0 - static_cast<double>(q.zero_points[0])) * q.scales[0];
  q.scales[0] *= factor;
  q.zero_points[0] = static_cast<int64_t>(std::clamp(std::round(-128.0 - lo / q.scales[0]), -128.0, 127.0));
  for (int op : g.consumers(t)) {
    ASSERT_EQ(g.ops[static_cast<size_t>(op)].name(), "FULLY_CONNECTED");
    ir::Tensor& bias = g.tensors[static_cast<size_t>(g.ops[static_cast<size_t>(op)].inputs[2])];
    std::vector<int32_t> v = bias.values<int32_t>();
    for (int32_t& x : v) x = static_cast<int32_t>(std::lround(x / static_cast<double>(factor)));
    bias.set_values(v);
    for (float& sc : bias.quant.scales) sc *= factor;
  }
}

TEST(EvalMlp, MoteQuantizerKeepsNamesAndACoarsenedLayerComesOutWorst) {
  const MlpPair p = mlp_pair("mlp_mote");
  const ir::Graph f = ir::read_tflite_file(p.float_path);
  ir::Graph q = mote::quant::quantize(f, p.samples, {});
  ir::write_tflite_file(q, p.dir + "/mote_int8.tflite");
  const EvalReport good = mote::eval::evaluate_pair(p.float_path, p.dir + "/mote_int8.tflite", p.samples, {});
  ASSERT_EQ(good.layers.size(), 4u);  // every activation kept its float name
  EXPECT_EQ(good.unmatched_names, 0u);
  EXPECT_GE(good.top1_agreement, 0.9);
  for (const LayerStats& l : good.layers) EXPECT_GT(l.sqnr_db, 25.0) << l.tensor;
  coarsen(q, "fc2", 50.0f);
  ir::write_tflite_file(q, p.dir + "/mote_int8_bad.tflite");
  const EvalReport bad = mote::eval::evaluate_pair(p.float_path, p.dir + "/mote_int8_bad.tflite", p.samples, {});
  ASSERT_EQ(bad.layers.size(), 4u);
  ASSERT_EQ(bad.worst_layer, 1);
  EXPECT_EQ(bad.layers[1].tensor, "fc2");
  EXPECT_LT(bad.layers[1].sqnr_db, good.layers[1].sqnr_db - 20.0);
}

// ---- the command ---------------------------------------------------------------------------------

using CliRun = mote::testing::CliResult;

// `mote eval <args>` as a separate process, stdout and stderr kept apart.
CliRun mote_eval(std::vector<std::string> args) {
  args.insert(args.begin(), "eval");
  return mote::testing::run_mote(args);
}

// Samples as one .npy of shape (N, 16), and labels as text: the float model's classes, except
// that every fourth label is shifted by one.
void write_mlp_data(const MlpPair& p, std::vector<int64_t>* labels) {
  std::vector<float> flat;
  for (const std::vector<float>& s : p.samples) flat.insert(flat.end(), s.begin(), s.end());
  write_npy<float>(p.dir + "/x.npy", mote::host::NpyDtype::kFloat32, {static_cast<int64_t>(p.samples.size()), kMlpWidths[0]}, flat);
  mote::host::Session s(p.float_path);
  std::string text;
  labels->clear();
  for (size_t i = 0; i < p.samples.size(); ++i) {
    std::vector<float> y(static_cast<size_t>(kMlpWidths[4]));
    mote::host::run_capturing(s, {p.samples[i]}, [](int, const std::vector<mote::host::Activation>&) {});
    ASSERT_EQ(s.interp().get_output_float(0, y.data(), y.size()), mote::Status::kOk);
    labels->push_back((mote::eval::argmax(y) + (i % 4 == 3 ? 1 : 0)) % kMlpWidths[4]);
    text += std::to_string(labels->back()) + "\n";
  }
  write_text(p.dir + "/y.txt", text);
}

TEST(EvalCli, JsonMatchesTheLibraryAndTextMarksTheWorstLayer) {
  const MlpPair p = mlp_pair("cli_mlp", "fc2", 50.0f);
  std::vector<int64_t> labels;
  write_mlp_data(p, &labels);
  const CliRun j = mote_eval({p.float_path, p.quant_path, "--data", p.dir + "/x.npy", "--labels", p.dir + "/y.txt", "--json"});
  ASSERT_EQ(j.status, 0) << j.err;
  EXPECT_CONTAINS(j.err, "evaluating: 64/64 samples");  // progress on stderr (not a terminal here)
  const nlohmann::json got = nlohmann::json::parse(j.out);
  const EvalReport r = mote::eval::evaluate_pair(p.float_path, p.quant_path, p.samples, labels);
  EXPECT_EQ(got, nlohmann::json::parse(mote::eval::report_json(r).dump()));
  EXPECT_EQ(got["samples"], 64);
  EXPECT_DOUBLE_EQ(got["float_accuracy"].get<double>(), 48.0 / 64.0);  // 16 labels shifted on purpose
  EXPECT_TRUE(got["int8_accuracy"].is_number());
  EXPECT_TRUE(got["top1_agreement"].is_number());
  EXPECT_EQ(got["outputs"].size(), 1u);
  for (const char* k : {"index", "sqnr_db", "mae"}) EXPECT_TRUE(got["outputs"][0].contains(k)) << k;
  ASSERT_EQ(got["layers"].size(), 4u);
  for (const char* k : {"op_index", "op", "tensor", "shape", "sqnr_db", "own_sqnr_db", "scale", "zero_point"})
    EXPECT_TRUE(got["layers"][1].contains(k)) << k;
  EXPECT_EQ(got["layers"][1]["tensor"], "fc2");
  EXPECT_EQ(got["layers"][1]["worst"], true);
  EXPECT_EQ(got["worst_layer"], 1);

  const CliRun t = mote_eval({p.float_path, p.quant_path, "--data", p.dir + "/x.npy", "--labels", p.dir + "/y.txt", "--limit", "8"});
  ASSERT_EQ(t.status, 0) << t.err;
  EXPECT_CONTAINS(t.out, "samples:         8\n");
  EXPECT_CONTAINS(t.out, "top-1 accuracy:  float 75.00% (6)");
  EXPECT_CONTAINS(t.out, "top-1 agreement:");
  std::istringstream lines(t.out);
  std::string line, worst;
  while (std::getline(lines, line))
    if (line.find("<- worst") != std::string::npos) worst = line;
  EXPECT_CONTAINS(worst, "FULLY_CONNECTED  fc2 ");
  EXPECT_CONTAINS(t.out, "worst layer: op 1 (FULLY_CONNECTED) 'fc2'");
}

// A model spec whose data: section holds the MLP samples: 40 for training, the last 24 as the test
// split, with write_mlp_data's labels (int32 .npy: classification).
std::string write_mlp_spec(const MlpPair& p, const std::vector<int64_t>& labels) {
  using mote::host::NpyDtype;
  const size_t train = 40, n = p.samples.size(), w = static_cast<size_t>(kMlpWidths[0]);
  std::vector<float> x;
  for (const std::vector<float>& s : p.samples) x.insert(x.end(), s.begin(), s.end());
  const std::vector<int32_t> y(labels.begin(), labels.end());
  write_npy<float>(p.dir + "/train_x.npy", NpyDtype::kFloat32, {static_cast<int64_t>(train), kMlpWidths[0]},
                   std::vector<float>(x.begin(), x.begin() + static_cast<long>(train * w)));
  write_npy<int32_t>(p.dir + "/train_y.npy", NpyDtype::kInt32, {static_cast<int64_t>(train)},
                     std::vector<int32_t>(y.begin(), y.begin() + static_cast<long>(train)));
  write_npy<float>(p.dir + "/test_x.npy", NpyDtype::kFloat32, {static_cast<int64_t>(n - train), kMlpWidths[0]},
                   std::vector<float>(x.begin() + static_cast<long>(train * w), x.end()));
  write_npy<int32_t>(p.dir + "/test_y.npy", NpyDtype::kInt32, {static_cast<int64_t>(n - train)},
                     std::vector<int32_t>(y.begin() + static_cast<long>(train), y.end()));
  write_text(p.dir + "/spec.yaml",
             "input: [16]\nlayers:\n  - {type: dense, units: 10}\n"
             "data:\n  format: npy\n  num_classes: 10\n  train: train_x.npy\n  train_labels: train_y.npy\n"
             "  test: test_x.npy\n  test_labels: test_y.npy\n");
  return p.dir + "/spec.yaml";
}

TEST(EvalCli, SpecDataMeansItsTestSplitWithLabels) {
  const MlpPair p = mlp_pair("cli_spec", "fc2", 50.0f);
  std::vector<int64_t> labels;
  write_mlp_data(p, &labels);
  const std::string spec = write_mlp_spec(p, labels);
  const mote::eval::EvalData d = mote::eval::load_eval_data(spec, {1, 16});
  EXPECT_EQ(d.split, "test");
  ASSERT_EQ(d.samples.size(), 24u);
  EXPECT_EQ(d.samples[0], p.samples[40]);
  EXPECT_EQ(d.labels, std::vector<int64_t>(labels.begin() + 40, labels.end()));
  EXPECT_CONTAINS(error_of([&] { mote::eval::load_eval_data(spec, {1, 8}); }),
                  spec + " (test split) has samples of shape [16] but the model input is [1,8]");
  // Not a spec: the samples of the file, no labels.
  const mote::eval::EvalData f = mote::eval::load_eval_data(p.dir + "/x.npy", {1, 16});
  EXPECT_EQ(f.samples, p.samples);
  EXPECT_TRUE(f.labels.empty());
  EXPECT_EQ(f.split, "");

  const CliRun r = mote_eval({p.float_path, p.quant_path, "--data", spec, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.err, "evaluating on the test split of " + spec);
  const nlohmann::json got = nlohmann::json::parse(r.out);
  const EvalReport want = mote::eval::evaluate_pair(p.float_path, p.quant_path, d.samples, d.labels);
  EXPECT_EQ(got["samples"], 24);
  EXPECT_EQ(got["labels"], true);
  EXPECT_DOUBLE_EQ(got["float_accuracy"].get<double>(), want.float_accuracy);
  EXPECT_DOUBLE_EQ(got["int8_accuracy"].get<double>(), want.quant_accuracy);
}

using mote::testing::expect_one_line_error;

TEST(EvalCli, ErrorsAreOneLine) {
  const MlpPair p = mlp_pair("cli_errors");
  std::vector<int64_t> labels;
  write_mlp_data(p, &labels);
  expect_one_line_error(mote_eval({p.float_path, p.quant_path}), 2, "--data is required");
  expect_one_line_error(mote_eval({p.float_path, p.quant_path, "--data", p.dir + "/x.npy", "--limit", "0"}), 2, "--limit");
  write_text(p.dir + "/short.txt", "1\n2\n3\n");
  expect_one_line_error(mote_eval({p.float_path, p.quant_path, "--data", p.dir + "/x.npy", "--labels", p.dir + "/short.txt"}), 1,
               p.dir + "/short.txt (for " + p.dir + "/x.npy): 3 labels for 64 samples");
  write_npy<float>(p.dir + "/x5.npy", mote::host::NpyDtype::kFloat32, {2, 5}, std::vector<float>(10, 0.5f));
  expect_one_line_error(mote_eval({p.float_path, p.quant_path, "--data", p.dir + "/x5.npy"}), 1, "(2, 5)");
  const ReshapePair other = reshape_pair("cli_other");
  expect_one_line_error(mote_eval({p.float_path, other.quant_path, "--data", p.dir + "/x.npy"}), 1, "input 0 has shape [1,16] in");
  expect_one_line_error(mote_eval({p.float_path, p.dir + "/missing.tflite", "--data", p.dir + "/x.npy"}), 1, "missing.tflite: cannot open");
}

// ---- the shipped MLPerf Tiny ResNet and its int8 version -----------------------------------------

TEST(EvalResnet, ConformancePairOnTheShippedInputs) {
  const std::string shared = shared_dir();
  if (shared.empty()) GTEST_SKIP() << "../shared not found (set MOTE_SHARED_DIR): conformance data needed";
  const std::string f = shared + "/conformance/core/pretrainedResnet", q = shared + "/conformance/core/pretrainedResnet_quant";
  // The float model's three inputs: float32 pixels in [0, 255); the int8 model's input has scale 1
  // and zero point -128, so the runtime quantizes them to round(x) - 128.
  std::vector<std::vector<float>> samples;
  for (int k = 0; k < 3; ++k) {
    const std::vector<uint8_t> bytes = read_file(f + "/input_" + std::to_string(k) + "_0.bin");
    ASSERT_EQ(bytes.size(), 32u * 32u * 3u * 4u);
    samples.emplace_back(bytes.size() / 4);
    std::memcpy(samples.back().data(), bytes.data(), bytes.size());
  }
  const EvalReport r = mote::eval::evaluate_pair(f + "/model.tflite", q + "/model.tflite", samples, {});
  // What the pair is: the converter kept the float model's names for all 15 intermediate tensors;
  // only the output differs ('Identity' vs 'Identity_int8'), so 15 of the 16 op outputs match.
  EXPECT_EQ(r.quant_activations, 16u);
  EXPECT_EQ(r.unmatched_names, 1u);
  EXPECT_EQ(r.shape_mismatches, 0u);
  EXPECT_CONTAINS(r.layers_note, "'Identity_int8'");
  ASSERT_EQ(r.layers.size(), 15u);
  for (size_t i = 0; i < r.layers.size(); ++i) EXPECT_EQ(r.layers[i].op_index, static_cast<int>(i));
  EXPECT_EQ(r.layers[0].op, "CONV_2D");
  EXPECT_EQ(r.layers[14].op, "FULLY_CONNECTED");
  // Measured: both models pick the same class on all three inputs; output SQNR 25.9 dB; the input
  // (scale 1, zero point -128) holds the pixels at 54.2 dB; every activation 19.6-34.4 dB; the
  // classifier (op 14, FULLY_CONNECTED: 32.9 dB in, 19.6 dB out) adds the most error.
  EXPECT_EQ(r.agree, 3u);
  EXPECT_NEAR(r.outputs[0].sqnr_db, 25.9, 0.5);
  EXPECT_NEAR(r.input_sqnr_db, 54.2, 0.5);
  for (const LayerStats& l : r.layers) {
    EXPECT_GT(l.sqnr_db, 19.0) << l.tensor;
    EXPECT_LT(l.sqnr_db, 35.0) << l.tensor;
  }
  EXPECT_EQ(r.worst_layer, 14);
  EXPECT_NEAR(r.layers[14].own_sqnr_db, 19.8, 0.5);

  // mote's own quantizer, calibrated on the same three inputs, keeps every name: all 16 match.
  const std::string mote_q = temp_dir("resnet") + "/resnet_int8.tflite";
  ir::write_tflite_file(mote::quant::quantize(ir::read_tflite_file(f + "/model.tflite"), samples, {}), mote_q);
  const EvalReport m = mote::eval::evaluate_pair(f + "/model.tflite", mote_q, samples, {});
  EXPECT_EQ(m.unmatched_names, 0u);
  ASSERT_EQ(m.layers.size(), 16u);
  EXPECT_EQ(m.layers[15].op, "SOFTMAX");
  EXPECT_EQ(m.agree, 3u);
  EXPECT_GT(m.outputs[0].sqnr_db, 30.0);  // measured 41.8 dB: calibrated on these very inputs
}
