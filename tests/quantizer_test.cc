// The post-training quantizer (host/quant/*), run_capturing (host/activations.h) and
// `mote quantize`: range choice (min/max, percentile, MSE) on hand-made data, calibration-data
// loading and its errors, the float-graph rewrites (batch-norm folding, activation fusion, hybrid
// weights) against the unrewritten graph's outputs, every error message, the conformance float
// models and the hybrid KWS model quantized and checked for TensorFlow Lite Micro's conventions and
// for agreement with the float model, and the command line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "host/activations.h"
#include "host/error.h"
#include "host/ir/tflite_reader.h"
#include "host/ir/tflite_writer.h"
#include "host/npy.h"
#include "host/quant/calib_data.h"
#include "host/quant/calibrate.h"
#include "host/quant/float_graph.h"
#include "host/quant/ops.h"
#include "host/quant/quantize.h"
#include "host/session.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_support.h"

namespace mote {
namespace {

using host::HostError;
namespace op = quant::op;

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "quantizer_test_" + std::to_string(::getpid()) + "_" + name;
}

// Runs `fn` and returns the HostError's message ("" if nothing was thrown).
std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const HostError& e) {
    return e.what();
  }
  return "";
}

// Output 0 of `g` for one sample, as floats.
std::vector<float> run_graph(const ir::Graph& g, const std::vector<float>& x) {
  quant::MemoryModel m(ir::write_tflite(g), "test graph");
  Error err;
  EXPECT_EQ(m.interp.set_input_float(0, x.data(), x.size(), &err), Status::kOk) << err.message;
  EXPECT_EQ(m.interp.invoke(&err), Status::kOk) << err.message;
  std::vector<float> y(static_cast<size_t>(m.interp.output(0).shape.elements()));
  EXPECT_EQ(m.interp.get_output_float(0, y.data(), y.size(), &err), Status::kOk);
  return y;
}

std::string core(const std::string& model) { return testing::shared_dir() + "/conformance/core/" + model; }

#define REQUIRE_SHARED()                                                                     \
  if (testing::shared_dir().empty()) GTEST_SKIP() << "../shared/conformance not found: skipped"

std::vector<float> read_floats(const std::string& path) {
  const std::vector<uint8_t> b = testing::read_file(path);
  std::vector<float> v(b.size() / 4);
  std::memcpy(v.data(), b.data(), v.size() * 4);
  return v;
}

// The shipped inputs plus `extra` noisy copies of them (seeded), for calibration.
std::vector<std::vector<float>> shipped_plus_noise(const std::string& dir, int extra, float noise, float lo, float hi) {
  std::vector<std::vector<float>> s;
  for (int k = 0; k < 3; ++k) s.push_back(read_floats(dir + "/input_" + std::to_string(k) + "_0.bin"));
  std::mt19937 rng(7);
  std::normal_distribution<float> n(0.0f, noise);
  for (int e = 0; e < extra; ++e) {
    std::vector<float> v = s[static_cast<size_t>(e) % 3];
    for (float& x : v) x = std::clamp(x + n(rng), lo, hi);
    s.push_back(v);
  }
  return s;
}

// ---- a tiny float graph built in the test ----------------------------------------------------

int32_t add_const(ir::Graph& g, const std::string& name, std::vector<int32_t> shape, const std::vector<float>& v) {
  ir::Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.set_values(v);
  return g.add_tensor(t);
}

int32_t add_act(ir::Graph& g, const std::string& name, std::vector<int32_t> shape) {
  ir::Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  return g.add_tensor(t);
}

int add_op(ir::Graph& g, int32_t code, std::vector<int32_t> in, std::vector<int32_t> out, int act = 0) {
  ir::Op o;
  o.code = code;
  o.options = ir::BuiltinOptions::for_op(code);
  if (act) o.options.set_int8(quant::fused_activation_field(code), static_cast<int8_t>(act));
  o.inputs = std::move(in);
  o.outputs = std::move(out);
  return g.add_op(o);
}

std::vector<float> seeded(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = std::uniform_real_distribution<float>(lo, hi)(rng);
  return v;
}

// x[1,8] -> FC(6) -> MUL(c) -> ADD(c) -> RELU -> FC(4) -> out. `with_bn` false: FC(6) -> RELU.
ir::Graph small_graph(bool with_bn) {
  ir::Graph g;
  const int32_t x = add_act(g, "x", {1, 8});
  const int32_t w1 = add_const(g, "w1", {6, 8}, seeded(48, 1)), b1 = add_const(g, "b1", {6}, seeded(6, 2));
  const int32_t h = add_act(g, "h", {1, 6});
  add_op(g, op::kFullyConnected, {x, w1, b1}, {h});
  int32_t last = h;
  if (with_bn) {
    const int32_t m = add_const(g, "bn_mul", {6}, {0.5f, 2.0f, -1.0f, 1.5f, 0.25f, 3.0f});
    const int32_t a = add_const(g, "bn_add", {6}, {0.1f, -0.2f, 0.3f, 0.0f, -0.5f, 0.05f});
    const int32_t h2 = add_act(g, "h_mul", {1, 6}), h3 = add_act(g, "h_add", {1, 6});
    add_op(g, op::kMul, {h, m}, {h2});
    add_op(g, op::kAdd, {h2, a}, {h3});
    last = h3;
  }
  const int32_t r = add_act(g, "relu", {1, 6});
  add_op(g, op::kRelu, {last}, {r});
  const int32_t w2 = add_const(g, "w2", {4, 6}, seeded(24, 3)), b2 = add_const(g, "b2", {4}, seeded(4, 4));
  const int32_t y = add_act(g, "y", {1, 4});
  add_op(g, op::kFullyConnected, {r, w2, b2}, {y});
  g.inputs = {x};
  g.outputs = {y};
  return g;
}

std::vector<std::vector<float>> samples_for(size_t n, size_t count, uint32_t seed) {
  std::vector<std::vector<float>> s;
  for (size_t k = 0; k < count; ++k) s.push_back(seeded(n, seed + static_cast<uint32_t>(k)));
  return s;
}

std::vector<std::vector<float>> run_file(const ir::Graph& q, const std::vector<std::vector<float>>& samples);

// ---- ranges ----------------------------------------------------------------------------------

quant::TensorStats stats_of(const std::vector<float>& v) {
  quant::TensorStats s;
  s.add_minmax(v.data(), v.size());
  s.start_histogram();
  s.add_histogram(v.data(), v.size());
  return s;
}

TEST(QuantRange, MinMaxIncludesZeroAndParamsAreExact) {
  const quant::TensorStats s = stats_of({1.0f, 2.0f, 3.0f});
  const quant::Range r = quant::choose_range(s, quant::Calibration::kMinMax, 99.99, false);
  EXPECT_EQ(r.lo, 0.0);
  EXPECT_EQ(r.hi, 3.0);
  const quant::QuantParams p = quant::params_for_range({-1.0, 3.0}, false);
  EXPECT_FLOAT_EQ(p.scale, 4.0f / 255);
  EXPECT_EQ(p.zero_point, -64);  // round(-128 + 1 / (4/255)) = round(-64.25)
  const quant::QuantParams p16 = quant::params_for_range({-1.0, 3.0}, true);
  EXPECT_FLOAT_EQ(p16.scale, 3.0f / 32767);
  EXPECT_EQ(p16.zero_point, 0);
  // A tensor that is always zero still gets a positive scale.
  EXPECT_GT(quant::params_for_range(quant::choose_range(stats_of({0.0f, 0.0f}), quant::Calibration::kMse, 99.0, false), false).scale, 0.0f);
}

TEST(QuantRange, MseAndPercentileClipAnOutlier) {
  // 2M values in [-1, 1] and one at 10: the outlier's clipping error costs less than the rounding
  // noise a range 5x wider would add to every other value.
  std::vector<float> v = seeded(2000000, 11, -1.0f, 1.0f);
  v.push_back(10.0f);
  const quant::TensorStats s = stats_of(v);
  const quant::Range mm = quant::choose_range(s, quant::Calibration::kMinMax, 99.99, false);
  const quant::Range mse = quant::choose_range(s, quant::Calibration::kMse, 99.99, false);
  const quant::Range pc = quant::choose_range(s, quant::Calibration::kPercentile, 99.9, false);
  EXPECT_EQ(mm.hi, 10.0);
  EXPECT_LT(mse.hi, 3.0) << "MSE keeps the outlier";
  EXPECT_GT(mse.hi, 0.9) << "MSE clips the bulk";
  EXPECT_LT(quant::expected_error(s, mse, false), quant::expected_error(s, mm, false));
  EXPECT_LT(pc.hi, 1.1);
  EXPECT_GT(pc.hi, 0.95);
  EXPECT_LT(pc.lo, -0.95);
  // Symmetric (int16) search: one side, still clips.
  const quant::Range sym = quant::choose_range(s, quant::Calibration::kMse, 99.99, true);
  EXPECT_EQ(sym.lo, -sym.hi);
  EXPECT_LE(sym.hi, 10.0);
}

// ---- run_capturing and calibration data ------------------------------------------------------

TEST(RunCapturing, EveryOpOutputAndTheFinalOutput) {
  const ir::Graph g = small_graph(false);
  const std::string path = temp_path("small.tflite");
  ir::write_tflite_file(g, path);
  host::Session s(path);
  const std::vector<float> x = seeded(8, 5);
  std::vector<int> ops;
  std::vector<float> last;
  host::run_capturing(s, {x}, [&](int op_index, const std::vector<host::Activation>& outs) {
    ops.push_back(op_index);
    ASSERT_EQ(outs.size(), 1u);
    last = outs[0].values;
    if (op_index == 1) {
      EXPECT_EQ(outs[0].name, "relu");
      for (float v : outs[0].values) EXPECT_GE(v, 0.0f);
    }
  });
  EXPECT_EQ(ops, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(last, run_graph(g, x));
  EXPECT_NE(error_of([&] { host::run_capturing(s, {{1.0f}}, [](int, const std::vector<host::Activation>&) {}); })
                .find("has 8 elements, 1 given"),
            std::string::npos);
  std::remove(path.c_str());
}

TEST(RunCapturing, Int8ActivationsAreDequantized) {
  REQUIRE_SHARED();
  host::Session s(core("hello_world_int8") + "/model.tflite");
  const float x = 1.5f;
  std::vector<host::Activation> last;
  host::run_capturing(s, {{x}}, [&](int, const std::vector<host::Activation>& outs) { last = outs; });
  const TensorRef out = s.interp().output(0);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].tensor, out.index);
  const int8_t q = *static_cast<const int8_t*>(out.data);
  EXPECT_EQ(last[0].values[0], static_cast<float>((q - out.zero_point) * static_cast<double>(out.scale)));
  EXPECT_NEAR(last[0].values[0], std::sin(1.5f), 0.15f);
}

TEST(CalibData, NpyShapesFoldersAndErrors) {
  const std::string npy = temp_path("calib.npy");
  std::vector<float> data(3 * 4 * 2);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i);
  host::NpyArray a;
  a.shape = {3, 4, 2};
  a.data.resize(data.size() * 4);
  std::memcpy(a.data.data(), data.data(), a.data.size());
  host::write_npy(npy, a);
  // (N, *input_shape[1:]) for a batch-1 input, and (N, *input_shape).
  auto s = quant::load_samples(npy, {1, 4, 2});
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[2][0], 16.0f);
  EXPECT_EQ(quant::load_samples(npy, {4, 2}).size(), 3u);
  const std::string msg = error_of([&] { quant::load_samples(npy, {1, 8, 2}); });
  EXPECT_NE(msg.find("(3, 4, 2)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[1,8,2]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(N, 8, 2)"), std::string::npos) << msg;
  // A folder of raw float32 files, in name order; a wrong size names both.
  const std::string dir = temp_path("calib_dir");
  std::filesystem::create_directories(dir);
  for (int k = 0; k < 2; ++k) {
    std::ofstream f(dir + "/s" + std::to_string(k) + ".bin", std::ios::binary);
    const float v[2] = {static_cast<float>(k), 1.0f};
    f.write(reinterpret_cast<const char*>(v), sizeof(v));
  }
  s = quant::load_samples(dir, {1, 2});
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1][0], 1.0f);
  EXPECT_NE(error_of([&] { quant::load_samples(dir, {1, 3}); }).find("8 bytes, but one float32 sample of the model input [1,3] is 12 bytes"),
            std::string::npos);
  const std::string empty = temp_path("empty_dir");
  std::filesystem::create_directories(empty);
  EXPECT_NE(error_of([&] { quant::load_samples(empty, {1, 2}); }).find("no samples"), std::string::npos);
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(empty);
  std::remove(npy.c_str());
}

TEST(CalibData, TheTrainingSplitOfAModelSpec) {
  const std::string spec = temp_path("sine.yaml");
  std::ofstream(spec) << "name: sine\ninput: [1]\nlayers:\n  - {type: dense, units: 1}\n"
                         "data:\n  format: sine\n  samples: 200\n  validation: 0.1\n  seed: 3\n";
  const auto s = quant::load_samples(spec, {1, 1});
  EXPECT_GE(s.size(), 100u);  // 200 less the validation and test fractions
  EXPECT_LT(s.size(), 200u);
  for (const auto& v : s) {
    ASSERT_EQ(v.size(), 1u);
    EXPECT_GE(v[0], 0.0f);
    EXPECT_LE(v[0], 6.2832f);
  }
  const std::string msg = error_of([&] { quant::load_samples(spec, {1, 3}); });
  EXPECT_NE(msg.find("the training data has shape ("), std::string::npos) << msg;
  EXPECT_NE(msg.find("[1,3]"), std::string::npos) << msg;
  std::remove(spec.c_str());
}

// ---- float-graph rewrites --------------------------------------------------------------------

TEST(FloatGraph, BatchNormFoldingAndReluFusionKeepOutputs) {
  const ir::Graph g = small_graph(true);
  ir::Graph f = g;
  std::vector<std::string> notes;
  quant::prepare_float_graph(f, "small", &notes);
  ASSERT_EQ(f.ops.size(), 2u) << "MUL, ADD and RELU should be gone";
  EXPECT_EQ(f.ops[0].options.get_int(ir::fully_connected_opt::kActivation, 0), 1);  // RELU fused
  EXPECT_EQ(f.tensors[f.ops[0].outputs[0]].name, "relu");
  EXPECT_EQ(notes.size(), 2u);
  for (uint32_t k = 0; k < 5; ++k) {
    const std::vector<float> x = seeded(8, 100 + k);
    const std::vector<float> a = run_graph(g, x), b = run_graph(f, x);
    for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5f);
  }
}

TEST(FloatGraph, Float16WeightsBehindDequantize) {
  // The reference: FC with float32 weights that are exactly representable in float16.
  ir::Graph ref = small_graph(false);
  ir::Tensor& w = ref.tensors[ref.ops[0].inputs[1]];
  std::vector<float> wv = w.values<float>();
  std::vector<uint16_t> half(wv.size());
  for (size_t i = 0; i < wv.size(); ++i) {
    const int q = static_cast<int>(std::lround(wv[i] * 1024));  // |w| < 1: k/1024 is exact in half
    wv[i] = q / 1024.0f;
    // half of q/1024: sign, exponent and 10-bit mantissa by hand (q != 0).
    const int a = std::abs(q);
    int e = 0;
    while ((a >> e) > 1) ++e;  // a = 1.m * 2^e
    const uint16_t mant = static_cast<uint16_t>(((a << 10) >> e) & 0x3ff);
    half[i] = q == 0 ? 0 : static_cast<uint16_t>((q < 0 ? 0x8000 : 0) | ((e - 10 + 15) << 10) | mant);
  }
  w.set_values(wv);
  // The same graph with the weights stored as float16 behind a DEQUANTIZE.
  ir::Graph g = ref;
  ir::Tensor h = g.tensors[g.ops[0].inputs[1]];
  h.type = TensorType::kFloat16;
  h.name = "w1_fp16";
  h.set_values(half);
  const int32_t hi = g.add_tensor(h);
  const int32_t wf = add_act(g, "w1_dequantized", h.shape);
  g.ops[0].inputs[1] = wf;
  ir::Op d;
  d.code = op::kDequantize;
  d.inputs = {hi};
  d.outputs = {wf};
  g.insert_op(0, d);
  ir::Graph f = g;
  quant::prepare_float_graph(f, "fp16");
  ASSERT_EQ(f.ops.size(), 2u);
  EXPECT_EQ(f.tensors[f.ops[0].inputs[1]].values<float>(), wv);
  const auto samples = samples_for(8, 20, 70);
  const auto a = run_file(quant::quantize(ref, samples, {}), samples), b = run_file(quant::quantize(g, samples, {}), samples);
  EXPECT_EQ(a, b);
}

TEST(FloatGraph, NoFoldWhenTheConvOutputHasTwoReaders) {
  ir::Graph g = small_graph(true);
  g.outputs.push_back(g.ops[0].outputs[0]);  // h is also a graph output
  EXPECT_EQ(quant::fold_batch_norm(g), 0);
}

// ---- errors ----------------------------------------------------------------------------------

TEST(QuantizeErrors, EachMessage) {
  const ir::Graph g = small_graph(false);
  quant::QuantizeOptions o;
  o.name = "small.tflite";
  EXPECT_EQ(error_of([&] { quant::quantize(g, {}, o); }),
            "small.tflite: no calibration samples (the calibration set is empty)");
  EXPECT_EQ(error_of([&] { quant::quantize(g, {seeded(8, 1), seeded(5, 2)}, o); }),
            "small.tflite: calibration sample 1 has 5 values, but the model input 'x' of shape [1,8] has 8");
  std::vector<float> bad = seeded(8, 3);
  bad[4] = std::nanf("");
  EXPECT_EQ(error_of([&] { quant::quantize(g, {seeded(8, 1), seeded(8, 2), bad}, o); }),
            "small.tflite: calibration sample 2 has a non-finite value (nan at index 4)");
  ir::Graph unsupported = g;
  unsupported.ops[1].code = 47;  // EXP
  unsupported.ops[1].options = ir::BuiltinOptions::for_op(47);
  EXPECT_EQ(error_of([&] { quant::quantize(unsupported, {seeded(8, 1)}, o); }),
            "small.tflite: op 1 (EXP) is not handled by the quantizer");
  ir::Graph quantized = g;
  quantized.tensors[quantized.inputs[0]].type = TensorType::kInt8;
  EXPECT_EQ(error_of([&] { quant::quantize(quantized, {seeded(8, 1)}, o); }),
            "small.tflite: already quantized: tensor 0 (x) is INT8 (mote quantize needs a float model)");
}

TEST(QuantizeErrors, AnAlreadyQuantizedConformanceModel) {
  REQUIRE_SHARED();
  const ir::Graph g = ir::read_tflite_file(core("hello_world_int8") + "/model.tflite");
  EXPECT_NE(error_of([&] { quant::quantize(g, {{1.0f}}, {}); }).find("already quantized: tensor 0"), std::string::npos);
}

// ---- conventions -----------------------------------------------------------------------------

float scale_of(const ir::Graph& q, int32_t t) { return q.tensors[t].quant.scales.at(0); }
int64_t zp_of(const ir::Graph& q, int32_t t) { return q.tensors[t].quant.zero_points.at(0); }

// The structure TensorFlow Lite Micro's int8 (or 16x8) kernels expect.
void check_conventions(const ir::Graph& q, bool int16, bool per_channel, bool float_io) {
  const TensorType act = int16 ? TensorType::kInt16 : TensorType::kInt8;
  for (size_t i = 0; i < q.ops.size(); ++i) {
    const ir::Op& o = q.ops[i];
    SCOPED_TRACE("op " + std::to_string(i) + " " + o.name());
    if (o.code == op::kQuantize && q.is_graph_input(o.inputs[0])) continue;
    if (o.code == op::kDequantize) continue;
    for (int32_t t : o.outputs) {
      EXPECT_EQ(q.tensors[t].type, act);
      ASSERT_EQ(q.tensors[t].quant.scales.size(), 1u);
      if (int16) {
        EXPECT_EQ(zp_of(q, t), 0);
      }
    }
    const int32_t out = o.outputs[0];
    switch (o.code) {
      case op::kConv2D:
      case op::kDepthwiseConv2D:
      case op::kFullyConnected: {
        const ir::Tensor& w = q.tensors[o.inputs[1]];
        const int32_t dim = o.code == op::kDepthwiseConv2D ? 3 : 0;
        EXPECT_EQ(w.type, TensorType::kInt8);
        EXPECT_EQ(w.quant.scales.size(), per_channel ? static_cast<size_t>(w.shape[dim]) : 1u);
        if (per_channel) {
          EXPECT_EQ(w.quant.quantized_dimension, dim);
        }
        for (int64_t z : w.quant.zero_points) EXPECT_EQ(z, 0);
        for (int8_t v : w.values<int8_t>()) EXPECT_GE(v, -127);
        if (o.inputs.size() > 2 && o.inputs[2] >= 0) {
          const ir::Tensor& b = q.tensors[o.inputs[2]];
          EXPECT_EQ(b.type, int16 ? TensorType::kInt64 : TensorType::kInt32);
          ASSERT_EQ(b.quant.scales.size(), w.quant.scales.size());
          const float in_scale = scale_of(q, o.inputs[0]);
          for (size_t c = 0; c < b.quant.scales.size(); ++c) {
            EXPECT_FLOAT_EQ(b.quant.scales[c], in_scale * w.quant.scales[c]);
            EXPECT_EQ(b.quant.zero_points[c], 0);
          }
        }
        break;
      }
      case op::kSoftmax:
      case op::kLogistic:
        EXPECT_EQ(scale_of(q, out), int16 ? 1.0f / 32768 : 1.0f / 256);
        EXPECT_EQ(zp_of(q, out), int16 ? 0 : -128);
        break;
      case op::kTanh:
        EXPECT_EQ(scale_of(q, out), int16 ? 1.0f / 32768 : 1.0f / 128);
        EXPECT_EQ(zp_of(q, out), 0);
        break;
      case op::kReshape:
      case op::kAveragePool2D:
      case op::kMaxPool2D:
      case op::kStridedSlice:
      case op::kPad:
        EXPECT_EQ(q.tensors[o.inputs[0]].quant, q.tensors[out].quant);
        break;
      case op::kConcatenation:
        for (int32_t t : o.inputs) EXPECT_EQ(q.tensors[t].quant, q.tensors[out].quant);
        break;
      default: break;
    }
  }
  const TensorType io = float_io ? TensorType::kFloat32 : act;
  EXPECT_EQ(q.tensors[q.inputs[0]].type, io);
  for (int32_t t : q.outputs) EXPECT_EQ(q.tensors[t].type, io);
  if (float_io) {
    EXPECT_EQ(q.ops.front().code, op::kQuantize);
    EXPECT_EQ(q.ops.back().code, op::kDequantize);
  }
}

// Checks that the quantized model loads and runs in mote (through a file, as users do), and
// returns its outputs on `samples`.
std::vector<std::vector<float>> run_file(const ir::Graph& q, const std::vector<std::vector<float>>& samples) {
  const std::string path = temp_path("q.tflite");
  ir::write_tflite_file(q, path);
  host::Session s(path);
  std::vector<std::vector<float>> out;
  for (const auto& x : samples) {
    EXPECT_EQ(s.interp().set_input_float(0, x.data(), x.size()), Status::kOk);
    s.invoke();
    std::vector<float> y(static_cast<size_t>(s.interp().output(0).shape.elements()));
    EXPECT_EQ(s.interp().get_output_float(0, y.data(), y.size()), Status::kOk);
    out.push_back(y);
  }
  std::remove(path.c_str());
  return out;
}

double sqnr_db(const std::vector<float>& ref, const std::vector<float>& y) {
  double s = 0, n = 0;
  for (size_t i = 0; i < ref.size(); ++i) s += double(ref[i]) * ref[i], n += double(ref[i] - y[i]) * (ref[i] - y[i]);
  return n == 0 ? 200.0 : 10.0 * std::log10(s / n);
}

int argmax(const std::vector<float>& v) { return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin()); }

TEST(Quantize, SmallGraphNamesReportAndBnFolding) {
  const ir::Graph g = small_graph(true);
  const auto samples = samples_for(8, 50, 1000);
  quant::QuantizeReport r;
  const ir::Graph q = quant::quantize(g, samples, {}, &r);
  check_conventions(q, false, true, false);
  EXPECT_EQ(r.method, "minmax");
  EXPECT_EQ(r.samples, 50u);
  EXPECT_EQ(r.ops_quantized, 2);
  EXPECT_EQ(q.tensors[q.inputs[0]].name, "x");
  EXPECT_EQ(q.tensors[q.outputs[0]].name, "y");
  const auto ref = [&] { std::vector<std::vector<float>> v; for (const auto& x : samples) v.push_back(run_graph(g, x)); return v; }();
  const auto got = run_file(q, samples);
  const float step = scale_of(q, q.outputs[0]);
  for (size_t k = 0; k < samples.size(); ++k)
    for (size_t i = 0; i < ref[k].size(); ++i) EXPECT_NEAR(got[k][i], ref[k][i], 4 * step) << k;
}

TEST(Quantize, ConcatenationInputsShareTheOutputParams) {
  // x -> FC(a) ; x -> FC(b) with 4x the scale ; CONCAT(a, b, x): a and b take the output params,
  // x (the graph input) goes through a requantizing QUANTIZE.
  ir::Graph g;
  const int32_t x = add_act(g, "x", {1, 4});
  const int32_t wa = add_const(g, "wa", {3, 4}, seeded(12, 1)), wb = add_const(g, "wb", {3, 4}, seeded(12, 2, -4, 4));
  const int32_t a = add_act(g, "a", {1, 3}), b = add_act(g, "b", {1, 3}), c = add_act(g, "c", {1, 10});
  add_op(g, op::kFullyConnected, {x, wa, -1}, {a});
  add_op(g, op::kFullyConnected, {x, wb, -1}, {b});
  add_op(g, op::kConcatenation, {a, b, x}, {c});
  g.ops[2].options.set_int32(ir::concatenation_opt::kAxis, 1);
  g.inputs = {x};
  g.outputs = {c};
  const auto samples = samples_for(4, 40, 50);
  quant::QuantizeReport r;
  const ir::Graph q = quant::quantize(g, samples, {}, &r);
  EXPECT_EQ(r.requantize_ops_added, 1);
  check_conventions(q, false, true, false);
  const auto got = run_file(q, samples);
  const float step = scale_of(q, q.outputs[0]);
  for (size_t k = 0; k < samples.size(); ++k) {
    const std::vector<float> ref = run_graph(g, samples[k]);
    for (size_t i = 0; i < ref.size(); ++i) EXPECT_NEAR(got[k][i], ref[i], 3 * step);
  }
}


// ---- a graph with every other op the quantizer handles ---------------------------------------

int32_t add_ints(ir::Graph& g, const std::string& name, std::vector<int32_t> shape, const std::vector<int32_t>& v) {
  ir::Tensor t;
  t.name = name;
  t.type = TensorType::kInt32;
  t.shape = std::move(shape);
  t.set_values(v);
  return g.add_tensor(t);
}

void set_window(ir::Op& o, int padding, int stride, int filter) {
  o.options.set_int8(ir::pool2d_opt::kPadding, static_cast<int8_t>(padding));
  o.options.set_int32(ir::pool2d_opt::kStrideW, stride);
  o.options.set_int32(ir::pool2d_opt::kStrideH, stride);
  if (filter) {
    o.options.set_int32(ir::pool2d_opt::kFilterW, filter);
    o.options.set_int32(ir::pool2d_opt::kFilterH, filter);
  }
}

// x[1,8,8,2] -> CONV(relu) -> DEPTHWISE -> MAX_POOL -> PAD -> AVG_POOL -> TRANSPOSE_CONV ->
// STRIDED_SLICE -> {LOGISTIC, TANH} -> MUL -> SUB(slice) -> LEAKY_RELU -> MEAN -> ADD(constant) -> FC ->
// SOFTMAX.
ir::Graph zoo_graph() {
  ir::Graph g;
  const int32_t x = add_act(g, "x", {1, 8, 8, 2});
  const int32_t c1 = add_act(g, "conv", {1, 8, 8, 4});
  int o = add_op(g, op::kConv2D, {x, add_const(g, "cw", {4, 3, 3, 2}, seeded(72, 21)), add_const(g, "cb", {4}, seeded(4, 22))}, {c1}, 1);
  set_window(g.ops[o], 0, 1, 0);
  const int32_t d1 = add_act(g, "dw", {1, 8, 8, 4});
  o = add_op(g, op::kDepthwiseConv2D, {c1, add_const(g, "dww", {1, 3, 3, 4}, seeded(36, 23)), add_const(g, "dwb", {4}, seeded(4, 24))}, {d1});
  set_window(g.ops[o], 0, 1, 0);
  g.ops[o].options.set_int32(ir::depthwise_opt::kDepthMultiplier, 1);
  const int32_t p1 = add_act(g, "maxpool", {1, 4, 4, 4});
  set_window(g.ops[add_op(g, op::kMaxPool2D, {d1}, {p1})], 1, 2, 2);
  const int32_t pd = add_act(g, "pad", {1, 6, 6, 4});
  add_op(g, op::kPad, {p1, add_ints(g, "paddings", {4, 2}, {0, 0, 1, 1, 1, 1, 0, 0})}, {pd});
  const int32_t p2 = add_act(g, "avgpool", {1, 3, 3, 4});
  set_window(g.ops[add_op(g, op::kAveragePool2D, {pd}, {p2})], 1, 2, 2);
  const int32_t tc = add_act(g, "tconv", {1, 6, 6, 3});
  o = add_op(g, op::kTransposeConv, {add_ints(g, "tshape", {4}, {1, 6, 6, 3}), add_const(g, "tw", {3, 3, 3, 4}, seeded(108, 25)), p2,
                                     add_const(g, "tb", {3}, seeded(3, 26))}, {tc});
  set_window(g.ops[o], 0, 2, 0);
  const int32_t sl = add_act(g, "slice", {1, 3, 3, 3});
  add_op(g, op::kStridedSlice, {tc, add_ints(g, "begin", {4}, {0, 1, 1, 0}), add_ints(g, "end", {4}, {1, 4, 4, 3}),
                                 add_ints(g, "strides", {4}, {1, 1, 1, 1})}, {sl});
  const int32_t lg = add_act(g, "logistic", {1, 3, 3, 3}), th = add_act(g, "tanh", {1, 3, 3, 3});
  add_op(g, op::kLogistic, {sl}, {lg});
  add_op(g, op::kTanh, {sl}, {th});
  const int32_t mu = add_act(g, "mul", {1, 3, 3, 3}), sb = add_act(g, "sub", {1, 3, 3, 3}), lr = add_act(g, "leaky", {1, 3, 3, 3});
  add_op(g, op::kMul, {lg, th}, {mu});
  add_op(g, op::kSub, {mu, sl}, {sb});
  o = add_op(g, op::kLeakyRelu, {sb}, {lr});
  g.ops[o].options.set_float(ir::leaky_relu_opt::kAlpha, 0.1f);
  const int32_t mn = add_act(g, "mean", {1, 3});
  add_op(g, op::kMean, {lr, add_ints(g, "axes", {2}, {1, 2})}, {mn});
  const int32_t ad = add_act(g, "add_const", {1, 3});  // an ADD of a constant that is not folded
  add_op(g, op::kAdd, {mn, add_const(g, "offset", {3}, {0.5f, -0.25f, 2.0f})}, {ad});
  const int32_t fc = add_act(g, "fc", {1, 5}), sm = add_act(g, "softmax", {1, 5});
  add_op(g, op::kFullyConnected, {ad, add_const(g, "fw", {5, 3}, seeded(15, 27, -3, 3)), add_const(g, "fb", {5}, seeded(5, 28))}, {fc});
  o = add_op(g, op::kSoftmax, {fc}, {sm});
  g.ops[o].options.set_float(ir::softmax_opt::kBeta, 1.0f);
  g.inputs = {x};
  g.outputs = {sm};
  return g;
}

TEST(Quantize, EveryHandledOpInt8And16x8) {
  const ir::Graph g = zoo_graph();
  const auto samples = samples_for(128, 40, 300);
  std::vector<std::vector<float>> ref;
  for (const auto& x : samples) ref.push_back(run_graph(g, x));
  for (bool int16 : {false, true}) {
    SCOPED_TRACE(int16 ? "16x8" : "int8");
    quant::QuantizeOptions o;
    o.int16_activations = int16;
    o.io = quant::IoType::kFloat;
    const ir::Graph q = quant::quantize(g, samples, o);
    check_conventions(q, int16, true, true);
    const auto got = run_file(q, samples);
    double worst = 1e9;
    for (size_t k = 0; k < samples.size(); ++k) worst = std::min(worst, sqnr_db(ref[k], got[k]));
    // Worst sample over the 40 (16x8 measured 37.5 dB: the int8 weights of the last FC bound it).
    EXPECT_GT(worst, int16 ? 35.0 : 28.0);
  }
}

TEST(Quantize, MixedPrecisionLayers) {
  // Two ops of the all-ops graph in 16x8, the rest int8: requantizing QUANTIZE ops where they meet.
  const ir::Graph g = zoo_graph();
  const auto samples = samples_for(128, 20, 400);
  quant::QuantizeOptions o;
  o.int16_layers = {"tconv", "mean"};
  quant::QuantizeReport r;
  const ir::Graph q = quant::quantize(g, samples, o, &r);
  int int16_ops = 0, requant = 0;
  for (const ir::Op& x : q.ops) {
    const TensorType t = q.tensors[x.outputs[0]].type;
    if (x.code == op::kQuantize) {
      ++requant;
      EXPECT_NE(q.tensors[x.inputs[0]].type, t);
      continue;
    }
    for (int32_t in : x.inputs) {
      if (in < 0 || q.tensors[in].is_constant()) continue;
      EXPECT_EQ(q.tensors[in].type, t) << x.name();
    }
    if (t == TensorType::kInt16) ++int16_ops;
  }
  EXPECT_EQ(int16_ops, 2);
  EXPECT_EQ(requant, r.requantize_ops_added);
  EXPECT_EQ(requant, 4);  // into and out of each int16 op
  const auto got = run_file(q, samples);
  for (size_t k = 0; k < samples.size(); ++k) EXPECT_GT(sqnr_db(run_graph(g, samples[k]), got[k]), 25.0);
  o.int16_layers = {"nope"};
  EXPECT_EQ(error_of([&] { quant::quantize(g, samples, o); }),
            "model: --int16-layer 'nope' is not the output tensor of any op");
}

// ---- conformance models ---------------------------------------------------------------------

TEST(QuantizeConformance, HelloWorldSine) {
  REQUIRE_SHARED();
  const ir::Graph f = ir::read_tflite_file(core("hello_world_float") + "/model.tflite");
  std::vector<std::vector<float>> samples;
  for (int k = 0; k < 200; ++k) samples.push_back({static_cast<float>(2 * M_PI * k / 200)});
  for (quant::IoType io : {quant::IoType::kInt8, quant::IoType::kFloat}) {
    for (quant::Calibration m : {quant::Calibration::kMinMax, quant::Calibration::kMse}) {
    quant::QuantizeOptions o;
    o.io = io;
    o.method = m;
    const ir::Graph q = quant::quantize(f, samples, o);
    check_conventions(q, false, true, io == quant::IoType::kFloat);
    const auto got = run_file(q, samples);
    const float step = scale_of(q, q.ops.back().code == op::kDequantize ? q.ops.back().inputs[0] : q.outputs[0]);
    double worst = 0;
    for (size_t k = 0; k < samples.size(); ++k) worst = std::max(worst, double(std::fabs(got[k][0] - run_graph(f, samples[k])[0])));
    // TensorFlow Lite's converter's hello_world_int8 is off by up to 0.115 (14 of its steps) here.
    EXPECT_LT(worst, 9 * step) << "worst |int8 - float| " << worst << " method " << quant::calibration_name(m) << " step " << step;
    }
  }
}

struct ClassifierCase {
  const char* model;
  float lo, hi, noise;
};

void check_model(const std::string& dir, const ir::Graph& f, const ir::Graph& reference,
                 const std::vector<std::vector<float>>& samples, bool classifier, double min_sqnr) {
  for (bool int16 : {false, true}) {
    quant::QuantizeOptions o;
    o.int16_activations = int16;
    o.method = int16 ? quant::Calibration::kMinMax : quant::Calibration::kMse;
    quant::QuantizeReport r;
    const ir::Graph q = quant::quantize(f, samples, o, &r);
    SCOPED_TRACE(dir + (int16 ? " 16x8" : " int8"));
    check_conventions(q, int16, true, false);
    const std::vector<std::vector<float>> shipped(samples.begin(), samples.begin() + 3);
    const auto got = run_file(q, shipped);
    for (size_t k = 0; k < shipped.size(); ++k) {
      const std::vector<float> ref = run_graph(reference, shipped[k]);
      if (classifier) {
        EXPECT_EQ(argmax(got[k]), argmax(ref)) << "sample " << k;
      }
      EXPECT_GT(sqnr_db(ref, got[k]), int16 ? min_sqnr + 10 : min_sqnr) << "sample " << k;
    }
  }
}

TEST(QuantizeConformance, PretrainedResnet) {
  REQUIRE_SHARED();
  const ir::Graph f = ir::read_tflite_file(core("pretrainedResnet") + "/model.tflite");
  check_model("pretrainedResnet", f, f, shipped_plus_noise(core("pretrainedResnet"), 2, 20.0f, 0.0f, 255.0f), true, 25.0);
}

TEST(QuantizeConformance, ResnetHasTheConverterStructure) {
  // TensorFlow Lite's converter made pretrainedResnet_quant from the same network: the same ops and
  // versions, the same tensor types and shapes, per-channel counts (but FC's) and fixed parameters.
  REQUIRE_SHARED();
  const ir::Graph f = ir::read_tflite_file(core("pretrainedResnet") + "/model.tflite");
  const ir::Graph tfl = ir::read_tflite_file(core("pretrainedResnet_quant") + "/model.tflite");
  const ir::Graph q = quant::quantize(f, shipped_plus_noise(core("pretrainedResnet"), 0, 0.0f, 0.0f, 255.0f), {});
  ASSERT_EQ(q.ops.size(), tfl.ops.size());
  for (size_t i = 0; i < q.ops.size(); ++i) {
    SCOPED_TRACE("op " + std::to_string(i) + " " + q.ops[i].name());
    EXPECT_EQ(q.ops[i].code, tfl.ops[i].code);
    EXPECT_EQ(q.ops[i].version, tfl.ops[i].version);
    ASSERT_EQ(q.ops[i].inputs.size(), tfl.ops[i].inputs.size());
    for (size_t k = 0; k < q.ops[i].inputs.size(); ++k) {
      const ir::Tensor &a = q.tensors[q.ops[i].inputs[k]], &b = tfl.tensors[tfl.ops[i].inputs[k]];
      EXPECT_EQ(a.type, b.type) << "input " << k;
      EXPECT_EQ(a.shape, b.shape) << "input " << k;
      // The one deliberate difference: mote quantizes FULLY_CONNECTED weights per output channel
      // too (the converter's file has one scale); TFLM runs both.
      const bool fc_weights = q.ops[i].code == op::kFullyConnected && k > 0;
      EXPECT_EQ(a.quant.scales.size(), fc_weights ? static_cast<size_t>(a.shape[0]) : b.quant.scales.size()) << "input " << k;
    }
  }
  EXPECT_EQ(q.tensors[q.outputs[0]].quant, tfl.tensors[tfl.outputs[0]].quant);  // softmax 1/256, -128
}

TEST(QuantizeConformance, Ad01Autoencoder) {
  REQUIRE_SHARED();
  const ir::Graph f = ir::read_tflite_file(core("ad01_fp32") + "/model.tflite");
  check_model("ad01_fp32", f, f, shipped_plus_noise(core("ad01_fp32"), 7, 5.0f, -84.85f, 14.86f), false, 20.0);
}

TEST(QuantizeConformance, HybridKwsBecomesFullInteger) {
  REQUIRE_SHARED();
  const ir::Graph f = ir::read_tflite_file(testing::shared_dir() + "/conformance/sources/kws_ref_model_float32.tflite");
  ir::Graph reference = f;  // what the hybrid model computes, as a float model mote can run
  EXPECT_EQ(quant::dequantize_hybrid_weights(reference), 5);
  // Inputs: the int8 KWS model's conformance inputs at its input scale (0.5847, zero point 83).
  std::vector<std::vector<float>> samples;
  for (int k = 0; k < 3; ++k) {
    const std::vector<uint8_t> b = testing::read_file(core("kws_ref_model") + "/input_" + std::to_string(k) + "_0.bin");
    std::vector<float> v(b.size());
    for (size_t i = 0; i < b.size(); ++i) v[i] = 0.584702909f * (static_cast<int8_t>(b[i]) - 83);
    samples.push_back(v);
  }
  for (int e = 0; e < 5; ++e) {
    std::vector<float> v = samples[static_cast<size_t>(e) % 3];
    std::mt19937 rng(e);
    for (float& x : v) x += std::normal_distribution<float>(0, 3)(rng);
    samples.push_back(v);
  }
  check_model("kws hybrid", f, reference, samples, true, 15.0);
}

// ---- the command line ------------------------------------------------------------------------

using Cli = mote::testing::CliResult;
const auto& mote_cli = mote::testing::run_mote;

TEST(QuantizeCli, QuantizesReportsAndRefuses) {
  const std::string model = temp_path("cli_small.tflite"), calib = temp_path("cli_calib.npy"), out = temp_path("cli_q.tflite");
  ir::write_tflite_file(small_graph(true), model);
  host::NpyArray a;
  a.shape = {20, 8};
  const std::vector<float> v = seeded(160, 9);
  a.data.resize(v.size() * 4);
  std::memcpy(a.data.data(), v.data(), a.data.size());
  host::write_npy(calib, a);

  Cli r = mote_cli({"quantize", model, "--calib", calib, "-o", out, "--method", "percentile", "--percentile", "99.9", "-v"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("calibration: percentile 99.9, 20 samples (40 runs)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ops quantized: 2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rewrite: folded 1 MUL/ADD"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("relu"), std::string::npos) << "verbose lists tensors: " << r.out;
  EXPECT_NE(r.err.find("calibrating: 40/40 runs"), std::string::npos) << r.err;
  const ir::Graph q = ir::read_tflite_file(out);
  check_conventions(q, false, true, false);

  r = mote_cli({"quantize", model, "--calib", calib, "-o", out, "--io", "float", "--per-tensor", "--limit", "5"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("5 samples"), std::string::npos) << r.out;
  check_conventions(ir::read_tflite_file(out), false, false, true);

  r = mote_cli({"quantize", model, "--calib", calib, "-o", out, "--int16-layer", "y"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("int8 activations (1 op(s) 16x8)"), std::string::npos) << r.out;
  const ir::Graph mixed = ir::read_tflite_file(out);
  EXPECT_EQ(mixed.tensors[mixed.outputs[0]].type, TensorType::kInt16);
  EXPECT_EQ(mote_cli({"quantize", model, "--calib", calib, "-o", out, "--int16-layer", "y", "--int16"}).status, 2);

  r = mote_cli({"quantize", model, "--calib", calib, "-o", model});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("never overwrites"), std::string::npos) << r.err;
  EXPECT_EQ(mote_cli({"quantize", model, "-o", out}).status, 2);
  EXPECT_EQ(mote_cli({"quantize", model, "--calib", calib, "-o", out, "--method", "best"}).status, 2);
  r = mote_cli({"quantize", model, "--calib", model, "-o", out});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind("mote: ", 0), 0u) << r.err;
  for (const std::string& p : {model, calib, out}) std::remove(p.c_str());
}

}  // namespace
}  // namespace mote
