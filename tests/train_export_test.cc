// A trained train::Model exported to a float .tflite (host/train/to_graph.h) and run by the runtime
// (host/session.h): the runtime's outputs equal the trainer's inference within 1e-4 for every layer
// kind, BatchNorm folding and activation fusion give the expected ops and the same numbers, Conv1D
// runs as a CONV_2D of height 1.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/error.h"
#include "host/ir/tflite_writer.h"
#include "host/session.h"
#include "host/train/layers.h"
#include "host/train/spec.h"
#include "host/train/to_graph.h"
#include "host/train/train_run.h"
#include "tests/support/cli_runner.h"
#include "host/train/trainer.h"

namespace {

using namespace mote::train;
namespace ir = mote::ir;

Tensor random_tensor(const Shape& s, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  Tensor t(s);
  Rng rng(seed);
  for (float& v : t.vec()) v = rng.uniform(lo, hi);
  return t;
}

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "train_export_" + std::to_string(::getpid()) + "_" + name;
}

// Runs the graph in the runtime on each sample of x (batch first); returns the outputs, one row per sample.
std::vector<std::vector<float>> run_runtime(const ir::Graph& g, const Tensor& x) {
  const std::string path = temp_path("model.tflite");
  ir::write_tflite_file(g, path);
  mote::host::Session s(path);
  std::remove(path.c_str());
  std::vector<std::vector<float>> out;
  const size_t per = x.size() / static_cast<size_t>(x.dim(0));
  for (int n = 0; n < x.dim(0); ++n) {
    mote::TensorRef in = s.interp().input(0);
    EXPECT_EQ(in.bytes, per * sizeof(float));
    std::memcpy(in.data, x.data() + per * n, per * sizeof(float));
    s.invoke();
    mote::TensorRef o = s.interp().output(0);
    const float* p = static_cast<const float*>(o.data);
    out.emplace_back(p, p + o.bytes / sizeof(float));
  }
  return out;
}

// The trainer's inference (training = false) against the runtime on the same samples.
void expect_same_outputs(Model& m, const ir::Graph& g, const Tensor& x, bool softmax = false) {
  Tensor want = m.forward(x, false);
  if (softmax) {
    const int c = want.dim(1);
    for (int n = 0; n < want.dim(0); ++n) {
      float* r = want.data() + n * c;
      double mx = r[0], sum = 0;
      for (int i = 1; i < c; ++i) mx = std::max<double>(mx, r[i]);
      for (int i = 0; i < c; ++i) sum += std::exp(r[i] - mx);
      for (int i = 0; i < c; ++i) r[i] = static_cast<float>(std::exp(r[i] - mx) / sum);
    }
  }
  const std::vector<std::vector<float>> got = run_runtime(g, x);
  const size_t per = want.size() / static_cast<size_t>(want.dim(0));
  ASSERT_EQ(got.size(), static_cast<size_t>(x.dim(0)));
  double worst = 0;
  for (size_t n = 0; n < got.size(); ++n) {
    ASSERT_EQ(got[n].size(), per);
    for (size_t i = 0; i < per; ++i) {
      const float w = want.at(n * per + i);
      const double err = std::fabs(got[n][i] - w) / std::max(1.0f, std::fabs(w));
      worst = std::max(worst, err);
      EXPECT_LE(err, 1e-4) << "sample " << n << " element " << i << ": runtime " << got[n][i] << ", trainer " << w;
    }
  }
  EXPECT_GT(per, 0u);
  ::testing::Test::RecordProperty("worst_relative_error", std::to_string(worst));
}

std::vector<std::string> op_names(const ir::Graph& g) {
  std::vector<std::string> v;
  for (const ir::Op& op : g.ops) v.push_back(op.name());
  return v;
}

// A few SGD steps on random targets so weights, biases and BatchNorm statistics are all non-trivial.
void train_a_little(Model& m, const Tensor& x, uint64_t seed) {
  Tensor y = random_tensor(batch_shape(x.dim(0), m.shape(m.output())), seed);
  SGD sgd(0.9f);
  FitOptions fo;
  fo.epochs = 3;
  fo.batch_size = 4;
  fo.lr = LrSchedule::constant(0.01f);
  fit(m, MeanSquaredError(), sgd, x, y, fo);
}

// Random biases, gammas, betas and moving statistics.
void randomize_batch_norms(Model& m, uint64_t seed) {
  Rng rng(seed);
  for (Param* p : m.params())
    if (p->name == "bias")
      for (float& v : p->value.vec()) v = rng.uniform(-0.5f, 0.5f);
  for (size_t n = 1; n < m.nodes(); ++n)
    if (auto* bn = dynamic_cast<BatchNorm*>(m.layer(static_cast<int>(n)))) {
      for (float& v : bn->gamma().value.vec()) v = rng.uniform(0.5f, 1.5f);
      for (float& v : bn->beta().value.vec()) v = rng.uniform(-0.5f, 0.5f);
      for (float& v : bn->moving_mean().vec()) v = rng.uniform(-0.3f, 0.3f);
      for (float& v : bn->moving_variance().vec()) v = rng.uniform(0.2f, 2.0f);
    }
}

BuiltModel build(const std::vector<LayerSpec>& layers, const Shape& input, uint64_t seed = 1) {
  ModelSpec s;
  s.input = input;
  s.layers = layers;
  s.train.seed = seed;
  return build_model(s);
}

LayerSpec named(LayerSpec l, const std::string& name) {
  l.name = name;
  return l;
}

TEST(TrainExport, CnnWithEveryImageLayerMatchesTheTrainer) {
  // conv+BN+relu (folded, fused), depthwise relu6, BN after a pool (MUL + ADD), a residual Add with
  // ReLU, average pool, dropout, global average pool, dense, softmax appended.
  BuiltModel b = build({named(conv2d(6, 3, Padding::kSame), "c1"), batch_norm(), relu(), max_pool2d(2),
                        batch_norm(), named(depthwise_conv2d(3, Padding::kSame, 1, 2, Activation::kRelu6), "dw"),
                        named(conv2d(12, 1), "pw"), add({"dw", "pw"}, Activation::kRelu),
                        average_pool2d(2, 1, Padding::kSame), dropout(0.3f), conv2d(8, 3, Padding::kValid, 2),
                        relu6(), global_average_pool(), dense(5), softmax()},
                       {10, 10, 3});
  Model& m = *b.model;
  ASSERT_TRUE(b.softmax_output);
  const Tensor x = random_tensor({8, 10, 10, 3}, 3);
  train_a_little(m, x, 4);
  randomize_batch_norms(m, 5);
  const ir::Graph g = to_graph(m, {true});
  EXPECT_EQ(op_names(g), (std::vector<std::string>{"CONV_2D", "MAX_POOL_2D", "MUL", "ADD", "DEPTHWISE_CONV_2D", "CONV_2D",
                                                   "ADD", "AVERAGE_POOL_2D", "CONV_2D", "MEAN", "FULLY_CONNECTED",
                                                   "SOFTMAX"}));
  // Fused activations: c1 RELU (1), the residual ADD RELU (1), the strided conv RELU6 (3).
  EXPECT_EQ(g.ops[0].options.get_int(ir::conv2d_opt::kActivation, 0), 1);
  EXPECT_EQ(g.ops[6].options.get_int(ir::add_opt::kActivation, 0), 1);
  EXPECT_EQ(g.ops[8].options.get_int(ir::conv2d_opt::kActivation, 0), 3);
  EXPECT_EQ(g.ops[4].options.get_int(ir::depthwise_opt::kDepthMultiplier, 1), 2);
  EXPECT_EQ(g.tensors[static_cast<size_t>(g.inputs[0])].shape, (std::vector<int32_t>{1, 10, 10, 3}));
  EXPECT_EQ(g.tensors[static_cast<size_t>(g.outputs[0])].shape, (std::vector<int32_t>{1, 5}));
  expect_same_outputs(m, g, x, true);
}

TEST(TrainExport, BatchNormFoldingGivesTheSameOutputsAsMulAdd) {
  for (LayerSpec first : {conv2d(4, 3, Padding::kValid), depthwise_conv2d(3, Padding::kSame, 2, 3), dense(7)}) {
    const bool is_dense = first.kind == LayerKind::kDense;
    std::vector<LayerSpec> layers;
    if (is_dense) layers.push_back(flatten());
    layers.push_back(first);
    layers.push_back(batch_norm());
    BuiltModel b = build(layers, {6, 5, 3}, 7);
    Model& m = *b.model;
    const Tensor x = random_tensor({5, 6, 5, 3}, 8, -2.0f, 2.0f);
    randomize_batch_norms(m, 9);
    GraphOptions folded, unfolded;
    unfolded.fold_batch_norm = false;
    const ir::Graph gf = to_graph(m, folded), gu = to_graph(m, unfolded);
    SCOPED_TRACE(layer_kind_name(first.kind));
    EXPECT_EQ(gf.ops.size() + 2, gu.ops.size());
    EXPECT_EQ(op_names(gu).back(), "ADD");
    EXPECT_NE(op_names(gf).back(), "ADD");
    expect_same_outputs(m, gf, x);
    expect_same_outputs(m, gu, x);
    // The folded kernel is the original scaled per output channel.
    BatchNorm* bn = dynamic_cast<BatchNorm*>(m.layer(m.output()));
    const ir::Op& op = gf.ops.back();
    const std::vector<float> w = gf.tensors[static_cast<size_t>(op.inputs[1])].values<float>();
    const Tensor& w0 = dynamic_cast<Layer*>(m.layer(m.output() - 1))->params()[0]->value;
    const size_t ch = bn->gamma().value.size() - 1, last = w.size() - 1;  // both layouts: the last channel
    const double s = bn->gamma().value.at(ch) / std::sqrt(bn->moving_variance().at(ch) + 1e-3);
    EXPECT_NEAR(w[last], w0.at(last) * s, 1e-6);
  }
}

TEST(TrainExport, ActivationIsNotFusedIntoATensorOthersRead) {
  // c1 feeds both the relu and the add: the relu must be a RELU op, c1 keeps no activation.
  BuiltModel b = build({named(conv2d(4, 3, Padding::kSame), "c1"), named(relu(), "r"), add({"c1", "r"})}, {5, 5, 2});
  Model& m = *b.model;
  const ir::Graph g = to_graph(m);
  EXPECT_EQ(op_names(g), (std::vector<std::string>{"CONV_2D", "RELU", "ADD"}));
  EXPECT_EQ(g.ops[0].options.get_int(ir::conv2d_opt::kActivation, 0), 0);
  expect_same_outputs(m, g, random_tensor({3, 5, 5, 2}, 11));
}

TEST(TrainExport, Conv1DRunsAsConv2DOfHeightOne) {
  BuiltModel b = build({conv1d(4, 3, Padding::kSame), batch_norm(), relu(), conv1d(6, 3, Padding::kValid, 2),
                        relu6(), global_average_pool(), dense(3)},
                       {16, 2});
  Model& m = *b.model;
  const Tensor x = random_tensor({6, 16, 2}, 12);
  train_a_little(m, x, 13);
  randomize_batch_norms(m, 14);
  const ir::Graph g = to_graph(m);
  EXPECT_EQ(op_names(g), (std::vector<std::string>{"RESHAPE", "CONV_2D", "RESHAPE", "RESHAPE", "CONV_2D", "RESHAPE",
                                                   "MEAN", "FULLY_CONNECTED"}));
  EXPECT_EQ(g.tensors[static_cast<size_t>(g.ops[1].inputs[0])].shape, (std::vector<int32_t>{1, 1, 16, 2}));
  EXPECT_EQ(g.tensors[static_cast<size_t>(g.ops[1].inputs[1])].shape, (std::vector<int32_t>{4, 1, 3, 2}));
  EXPECT_EQ(g.ops[4].options.get_int(ir::conv2d_opt::kActivation, 0), 3);
  expect_same_outputs(m, g, x);
}

TEST(TrainExport, FlattenReshapeAndDenseChain) {
  BuiltModel b = build({reshape({4, 3, 2}), conv2d(3, 2), flatten(), dense(8, Activation::kRelu), dropout(0.5f),
                        dense(2), relu6()},
                       {24});
  Model& m = *b.model;
  const Tensor x = random_tensor({4, 24}, 15);
  train_a_little(m, x, 16);
  const ir::Graph g = to_graph(m);
  EXPECT_EQ(op_names(g), (std::vector<std::string>{"RESHAPE", "CONV_2D", "RESHAPE", "FULLY_CONNECTED", "FULLY_CONNECTED"}));
  EXPECT_EQ(g.ops[4].options.get_int(ir::fully_connected_opt::kActivation, 0), 3);
  expect_same_outputs(m, g, x);
}

TEST(TrainExport, TrainedTinyClassifierAgreesAfterRealTraining) {
  // Two blobs in 2-D, Adam for a few epochs: the exported model's arg-max matches on every sample.
  BuiltModel b = build({dense(16), batch_norm(), relu(), dense(2), softmax()}, {2}, 3);
  Model& m = *b.model;
  Tensor x({64, 2}), y({64});
  Rng rng(17);
  for (int i = 0; i < 64; ++i) {
    y.at(static_cast<size_t>(i)) = static_cast<float>(i % 2);
    x.at(static_cast<size_t>(2 * i)) = (i % 2 ? 1.0f : -1.0f) + 0.3f * rng.normal();
    x.at(static_cast<size_t>(2 * i + 1)) = 0.3f * rng.normal();
  }
  Adam adam;
  FitOptions fo;
  fo.epochs = 5;
  fo.batch_size = 8;
  fit(m, SoftmaxCrossEntropy(), adam, x, y, fo);
  const ir::Graph g = to_graph(m, {true});
  EXPECT_EQ(op_names(g), (std::vector<std::string>{"FULLY_CONNECTED", "FULLY_CONNECTED", "SOFTMAX"}));
  expect_same_outputs(m, g, x, true);
}

// --- `mote train` end to end (MOTE_CLI_PATH) ---------------------------------------------------

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const char* kSineSpec = R"(name: tiny_sine
input: [1]
layers:
  - {type: dense, units: 16, activation: relu}
  - {type: dense, units: 1}
training: {epochs: 50, batch_size: 16, lr: 0.01, patience: 2}
data: {format: sine, samples: 400, validation: 0.2, test_fraction: 0.25}
)";

TEST(TrainCli, TinySineEndToEnd) {
  namespace fs = std::filesystem;
  const std::string dir = temp_path("sine");
  fs::remove_all(dir);
  fs::create_directories(dir + "/out");
  std::ofstream(dir + "/spec.yaml") << kSineSpec;
  std::ofstream(dir + "/out/notes.txt") << "mine";  // a user file in OUTDIR stays
  const mote::testing::CliResult r = mote::testing::run_mote(
      {"train", dir + "/spec.yaml", "-o", dir + "/out", "--epochs", "4", "--threads", "2", "--quantize", "--seed", "3"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("tiny_sine: 49 parameters, 4 epochs"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("int8_mae: "), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("epoch 4/4: loss "), std::string::npos) << r.err;
  const nlohmann::json rep = nlohmann::json::parse(slurp(dir + "/out/report.json"));
  for (const char* key : {"params", "epochs", "train_seconds", "float_mae", "int8_mae", "history", "best_epoch"})
    EXPECT_TRUE(rep.contains(key)) << key;
  EXPECT_EQ(rep["params"], 49);
  EXPECT_EQ(rep["epochs"], 4);
  EXPECT_EQ(rep["seed"], 3);
  EXPECT_EQ(rep["test_samples"], 100);
  EXPECT_EQ(rep["history"].size(), 4u);
  EXPECT_TRUE(rep["history"][0].contains("val_loss"));
  EXPECT_FALSE(rep.contains("float_accuracy"));
  EXPECT_LT(rep["float_mae"].get<double>(), 1.0);
  // Both models load and plan in the runtime; the float one takes [1, 1] and gives [1, 1].
  mote::host::Session f(dir + "/out/model_float.tflite");
  EXPECT_EQ(f.interp().input(0).shape.elements(), 1);
  EXPECT_EQ(f.interp().output(0).shape.elements(), 1);
  mote::host::Session q(dir + "/out/model_int8.tflite");
  EXPECT_EQ(q.interp().input(0).type, mote::TensorType::kInt8);
  EXPECT_TRUE(fs::exists(dir + "/out/export/tiny_sine_model.cc"));
  EXPECT_EQ(slurp(dir + "/out/curve.svg").rfind("<svg", 0), 0u);
  EXPECT_EQ(slurp(dir + "/out/notes.txt"), "mine");
  fs::remove_all(dir);
}

TEST(TrainCli, BadSpecIsOneLineNamingTheLine) {
  namespace fs = std::filesystem;
  const std::string dir = temp_path("bad");
  fs::create_directories(dir);
  std::ofstream(dir + "/spec.yaml") << "input: [1]\nlayers:\n  - {type: dense, units: 4}\n  - {type: dense, unit: 1}\n";
  const mote::testing::CliResult r = mote::testing::run_mote({"train", dir + "/spec.yaml", "-o", dir + "/out"});
  mote::testing::expect_one_line_error(r, 1, "spec.yaml:4:");
  EXPECT_EQ(r.err, "mote: " + dir + "/spec.yaml:4: layer 2 (dense): unknown key 'unit' (known keys: type, name, inputs, units, "
                    "activation, use_bias, init)\n");
  EXPECT_FALSE(fs::exists(dir + "/out"));
  fs::remove_all(dir);
}

// Early stopping restores the best epoch's weights (the exported model's validation loss is that
// epoch's), and the thread count does not change a single byte of the model.
TEST(TrainRun, EarlyStoppingKeepsTheBestEpochAndThreadsDoNotMatter) {
  namespace fs = std::filesystem;
  const std::string dir = temp_path("early");
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir + "/spec.yaml") << "input: [1]\nlayers:\n  - {type: dense, units: 16, activation: relu}\n"
                                       "  - {type: dense, units: 1}\ntraining: {epochs: 40, batch_size: 8, lr: 0.05, "
                                       "patience: 2, seed: 5}\ndata: {format: sine, samples: 300, validation: 0.3}\n";
  TrainRunOptions o;
  o.spec_path = dir + "/spec.yaml";
  o.progress = nullptr;
  o.threads = 1;
  o.out_dir = dir + "/one";
  const TrainRunResult a = run_train(o);
  o.threads = 2;
  o.out_dir = dir + "/two";
  const TrainRunResult b = run_train(o);
  EXPECT_EQ(slurp(dir + "/one/model_float.tflite"), slurp(dir + "/two/model_float.tflite"));
  for (size_t e = 0; e < a.report["history"].size(); ++e)
    EXPECT_EQ(a.report["history"][e]["val_loss"], b.report["history"][e]["val_loss"]) << e;
  const nlohmann::json& r = a.report;
  ASSERT_TRUE(r["stopped_early"].get<bool>()) << r.dump();
  const int epochs = r["epochs"], best = r["best_epoch"];
  EXPECT_LT(epochs, 40);
  EXPECT_EQ(best + 2, epochs);  // patience 2: stopped two epochs after the best
  // The exported model's mean squared error on the validation split is the best epoch's val_loss.
  const ModelSpec spec = load_spec(o.spec_path);
  const BuiltModel built = build_model(spec);
  const mote::data::Split split = load_data(spec, *built.model);
  mote::host::Session s(dir + "/one/model_float.tflite");
  double mse = 0;
  for (int n = 0; n < split.validation.samples(); ++n) {
    *static_cast<float*>(s.interp().input(0).data) = split.validation.x.at(static_cast<size_t>(n));
    s.invoke();
    const double d = *static_cast<const float*>(s.interp().output(0).data) - split.validation.y.at(static_cast<size_t>(n));
    mse += d * d / split.validation.samples();
  }
  const double want = r["history"][static_cast<size_t>(best - 1)]["val_loss"];
  EXPECT_NEAR(mse, want, 1e-4 * want + 1e-7);
  EXPECT_GT(r["history"][static_cast<size_t>(epochs - 1)]["val_loss"].get<double>(), want);
  fs::remove_all(dir);
}

}  // namespace
