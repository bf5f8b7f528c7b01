// The model spec (host/train/spec.h): every layer kind and key from YAML, the defaults, the C++
// builders giving the same model, and every error naming the spec line and the numbers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "host/error.h"
#include "host/train/spec.h"
#include "host/train/train_run.h"

namespace {

using namespace mote::train;

// The HostError message of parse + build, or "" when both succeed.
std::string error_of(const std::string& yaml) {
  try {
    ModelSpec s = parse_spec(yaml, "spec.yaml");
    build_model(s);
  } catch (const mote::host::HostError& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_ERROR(yaml, prefix, part)                              \
  do {                                                                \
    const std::string msg_ = error_of(yaml);                          \
    EXPECT_EQ(msg_.rfind(prefix, 0), 0u) << msg_;                     \
    EXPECT_NE(msg_.find(part), std::string::npos) << msg_;            \
  } while (0)

const char* kEveryLayer = R"(name: every
input: [12, 12, 3]
layers:
  - {type: conv2d, filters: 8, kernel: [3, 2], strides: [1, 2], padding: same, activation: relu, init: he_uniform, name: c1}
  - {type: batch_norm, momentum: 0.9, epsilon: 0.01}
  - relu
  - {type: depthwise_conv2d, kernel: 3, depth_multiplier: 2, activation: relu6, use_bias: false, name: dw}
  - {type: conv2d, filters: 16, kernel: 1, name: pw}
  - {type: add, inputs: [dw, pw], activation: relu}
  - ReLU6
  - {type: MaxPool2D, pool: 2}
  - {type: average_pool2d, pool: 3, strides: 1, padding: same}
  - {type: dropout, rate: 0.25}
  - {type: reshape, shape: [18, 16]}
  - {type: conv1d, filters: 4, kernel: 3, strides: 2}
  - global_average_pool
  - flatten
  - {type: dense, units: 5, activation: relu6, use_bias: false}
  - softmax
training:
  epochs: 7
  batch_size: 16
  optimizer: sgd
  lr: 0.05
  momentum: 0.8
  nesterov: true
  weight_decay: 1e-4
  schedule: cosine
  min_lr: 0.001
  seed: 42
  patience: 2
  calibration_samples: 100
data:
  format: idx
  train: a.gz
  train_labels: b.gz
  validation: 0.2
  augment: {noise: 0.1, shift: 2, scale: [0.9, 1.1]}
)";

TEST(TrainSpec, EveryLayerKindAndKeyFromYaml) {
  const ModelSpec s = parse_spec(kEveryLayer, "spec.yaml", "/data");
  EXPECT_EQ(s.name, "every");
  EXPECT_EQ(s.input, (Shape{12, 12, 3}));
  ASSERT_EQ(s.layers.size(), 16u);
  const LayerSpec& c1 = s.layers[0];
  EXPECT_EQ(c1.kind, LayerKind::kConv2D);
  EXPECT_EQ(c1.line, 4);
  EXPECT_EQ(c1.name, "c1");
  EXPECT_EQ(c1.conv.filters, 8);
  EXPECT_EQ(c1.conv.kernel_h, 3);
  EXPECT_EQ(c1.conv.kernel_w, 2);
  EXPECT_EQ(c1.conv.stride_h, 1);
  EXPECT_EQ(c1.conv.stride_w, 2);
  EXPECT_EQ(c1.conv.padding, Padding::kSame);
  EXPECT_EQ(c1.conv.activation, Activation::kRelu);
  EXPECT_EQ(c1.conv.init, Init::kHeUniform);
  EXPECT_FLOAT_EQ(s.layers[1].batch_norm.momentum, 0.9f);
  EXPECT_FLOAT_EQ(s.layers[1].batch_norm.epsilon, 0.01f);
  EXPECT_EQ(s.layers[2].kind, LayerKind::kReLU);
  EXPECT_EQ(s.layers[3].depthwise.depth_multiplier, 2);
  EXPECT_EQ(s.layers[3].depthwise.activation, Activation::kRelu6);
  EXPECT_FALSE(s.layers[3].depthwise.use_bias);
  EXPECT_EQ(s.layers[5].kind, LayerKind::kAdd);
  EXPECT_EQ(s.layers[5].inputs, (std::vector<std::string>{"dw", "pw"}));
  EXPECT_EQ(s.layers[5].activation, Activation::kRelu);
  EXPECT_EQ(s.layers[6].kind, LayerKind::kReLU6);
  EXPECT_EQ(s.layers[7].kind, LayerKind::kMaxPool2D);
  EXPECT_EQ(s.layers[7].pool.stride_w, 2);  // strides default to the pool
  EXPECT_EQ(s.layers[8].kind, LayerKind::kAveragePool2D);
  EXPECT_EQ(s.layers[8].pool.pool_h, 3);
  EXPECT_EQ(s.layers[8].pool.stride_h, 1);
  EXPECT_EQ(s.layers[8].pool.padding, Padding::kSame);
  EXPECT_FLOAT_EQ(s.layers[9].rate, 0.25f);
  EXPECT_EQ(s.layers[10].shape, (Shape{18, 16}));
  EXPECT_EQ(s.layers[11].kind, LayerKind::kConv1D);
  EXPECT_EQ(s.layers[11].conv.kernel_h, 1);
  EXPECT_EQ(s.layers[11].conv.kernel_w, 3);
  EXPECT_EQ(s.layers[11].conv.stride_w, 2);
  EXPECT_EQ(s.layers[12].kind, LayerKind::kGlobalAveragePool);
  EXPECT_EQ(s.layers[13].kind, LayerKind::kFlatten);
  EXPECT_EQ(s.layers[14].dense.units, 5);
  EXPECT_FALSE(s.layers[14].dense.use_bias);
  EXPECT_EQ(s.layers[15].kind, LayerKind::kSoftmax);

  const TrainSettings& t = s.train;
  EXPECT_EQ(t.epochs, 7);
  EXPECT_EQ(t.batch_size, 16);
  EXPECT_EQ(t.optimizer, OptimizerKind::kSgd);
  EXPECT_FLOAT_EQ(t.lr, 0.05f);
  EXPECT_FLOAT_EQ(t.momentum, 0.8f);
  EXPECT_TRUE(t.nesterov);
  EXPECT_FLOAT_EQ(t.weight_decay, 1e-4f);
  EXPECT_EQ(t.schedule, LrSchedule::Kind::kCosine);
  EXPECT_FLOAT_EQ(t.make_schedule().at(7.0), 0.001f);
  EXPECT_EQ(t.seed, 42u);
  EXPECT_EQ(t.patience, 2);
  EXPECT_EQ(t.calibration_samples, 100);
  EXPECT_EQ(t.loss, LossKind::kCrossEntropy);

  ASSERT_TRUE(s.has_data);
  EXPECT_EQ(s.data.format, mote::data::Format::kIdx);
  EXPECT_EQ(s.data.train, "a.gz");
  EXPECT_EQ(s.data.base_dir, "/data");
  EXPECT_DOUBLE_EQ(s.data.validation, 0.2f);
  EXPECT_FLOAT_EQ(s.data.augment.noise_stddev, 0.1f);
  EXPECT_EQ(s.data.augment.shift, 2);
  EXPECT_FLOAT_EQ(s.data.augment.scale_max, 1.1f);
  EXPECT_EQ(s.data_key_line("train"), 35);

  const BuiltModel b = build_model(s);
  EXPECT_TRUE(b.softmax_output);  // the trailing softmax is left to the loss and the export
  EXPECT_EQ(b.model->nodes(), 16u);
  EXPECT_EQ(b.node_of_layer.back(), -1);
  EXPECT_EQ(b.model->shape(b.model->output()), (Shape{5}));
  EXPECT_EQ(b.model->layer(1)->name(), "c1");
  EXPECT_EQ(b.model->layer(2)->name(), "batch_norm_1");
  EXPECT_EQ(b.model->layer(11)->name(), "reshape_1");
  EXPECT_EQ(b.model->shape(6), (Shape{12, 6, 16}));
}

TEST(TrainSpec, Defaults) {
  const ModelSpec s = parse_spec("input: [4]\nlayers:\n  - {type: dense, units: 3}\n  - {type: max_pool2d}\n"
                                 "  - {type: depthwise_conv2d}\n  - {type: conv2d, filters: 2, kernel: 3}\n",
                                 "d.yaml");
  const LayerSpec& d = s.layers[0];
  EXPECT_EQ(d.dense.activation, Activation::kNone);
  EXPECT_TRUE(d.dense.use_bias);
  EXPECT_EQ(d.dense.init, Init::kGlorotUniform);
  EXPECT_EQ(d.name, "");
  EXPECT_TRUE(d.inputs.empty());
  EXPECT_EQ(s.layers[1].pool.pool_h, 2);
  EXPECT_EQ(s.layers[1].pool.stride_w, 2);
  EXPECT_EQ(s.layers[1].pool.padding, Padding::kValid);
  EXPECT_EQ(s.layers[2].depthwise.kernel_h, 3);
  EXPECT_EQ(s.layers[2].depthwise.padding, Padding::kSame);
  EXPECT_EQ(s.layers[2].depthwise.depth_multiplier, 1);
  EXPECT_EQ(s.layers[3].conv.padding, Padding::kValid);
  EXPECT_EQ(s.layers[3].conv.stride_h, 1);
  const TrainSettings& t = s.train;
  EXPECT_EQ(t.epochs, 10);
  EXPECT_EQ(t.batch_size, 32);
  EXPECT_EQ(t.optimizer, OptimizerKind::kAdam);
  EXPECT_FLOAT_EQ(t.lr, 1e-3f);
  EXPECT_EQ(t.schedule, LrSchedule::Kind::kConstant);
  EXPECT_EQ(t.patience, 0);
  EXPECT_EQ(t.seed, 0u);
  EXPECT_EQ(t.loss, LossKind::kCrossEntropy);
  EXPECT_FALSE(s.has_data);
  EXPECT_EQ(s.name, "model");
  // A regression data source makes mse the default loss; a given loss wins.
  EXPECT_EQ(parse_spec("input: [1]\nlayers: [{type: dense, units: 1}]\ndata: {format: sine}\n", "s").train.loss,
            LossKind::kMse);
  EXPECT_EQ(parse_spec("input: [1]\nlayers: [{type: dense, units: 1}]\ndata: {format: 'generator:sine'}\n", "s").data.format,
            mote::data::Format::kSine);
  EXPECT_EQ(parse_spec("input: [1]\nlayers: [{type: dense, units: 1}]\ntraining: {loss: binary_cross_entropy}\n", "s")
                .train.loss,
            LossKind::kBinaryCrossEntropy);
}

TEST(TrainSpec, CppBuildersGiveTheSameModelAsYaml) {
  ModelSpec c;
  c.input = {8, 8, 1};
  c.layers = {conv2d(4, 3, Padding::kSame, 1, Activation::kRelu), max_pool2d(2), flatten(), dense(3), softmax()};
  const ModelSpec y = parse_spec(R"(input: [8, 8, 1]
layers:
  - {type: conv2d, filters: 4, kernel: 3, padding: same, activation: relu}
  - max_pool2d
  - flatten
  - {type: dense, units: 3}
  - softmax
)",
                                 "y.yaml");
  const BuiltModel a = build_model(c), b = build_model(y);
  ASSERT_EQ(a.model->nodes(), b.model->nodes());
  EXPECT_EQ(a.model->summary(), b.model->summary());
  const std::vector<Tensor> sa = a.model->state(), sb = b.model->state();
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) EXPECT_EQ(sa[i].vec(), sb[i].vec()) << "state " << i;
  EXPECT_EQ(a.model->param_count(), 4u * 9 + 4 + 3 * 64 + 3);
}

TEST(TrainSpec, ErrorsNameTheLineAndTheNumbers) {
  const std::string head = "input: [28, 28, 1]\nlayers:\n";
  EXPECT_ERROR(head + "  - {type: conv2d, filters: 8, kernel: 3}\n  - {type: convolution, filters: 3}\n", "spec.yaml:4: ",
               "unknown layer 'convolution' (known layers: dense, conv1d, conv2d");
  EXPECT_ERROR(head + "  - {type: conv2d, filters: 8,\n     kernal: 3}\n", "spec.yaml:4: ",
               "layer 1 (conv2d): unknown key 'kernal' (known keys: type, name, inputs, filters, kernel");
  EXPECT_ERROR(head + "  - flatten\n  - {type: conv2d, filters: 8, kernel: 3}\n", "spec.yaml:4: ",
               "layer 2 (conv2d) does not fit its input 'flatten_1' (per-sample shape [784])");
  EXPECT_ERROR(head + "  - {type: conv2d, filters: 8, kernel: 3}\n  - {type: dense, units: 10}\n", "spec.yaml:4: ",
               "per-sample shape [26, 26, 8]");
  EXPECT_ERROR(head + "  - {type: conv2d, filters: 8, kernel: 3, name: a}\n  - {type: max_pool2d, name: b}\n"
                      "  - {type: add, inputs: [a, b]}\n",
               "spec.yaml:5: ", "'a' (per-sample shape [26, 26, 8]), 'b' (per-sample shape [13, 13, 8])");
  EXPECT_ERROR(head + "  - {type: conv2d, filters: 8, kernel: 29}\n", "spec.yaml:3: ", "height input 28 is smaller than the filter 29");
  EXPECT_ERROR(head + "  - {type: conv2d, filters: eight, kernel: 3}\n", "spec.yaml:3: ",
               "'filters' must be an integer, got 'eight'");
  EXPECT_ERROR(head + "  - {type: dense, units: 0}\n", "spec.yaml:3: ", "'units' must be at least 1, got 0");
  EXPECT_ERROR(head + "  - {type: conv2d, filters: 8, kernel: 3, padding: full}\n", "spec.yaml:3: ",
               "'padding' is 'full'; expected one of: same, valid");
  EXPECT_ERROR(head + "  - dense\n", "spec.yaml:3: ", "layer 1 (dense) needs options");
  EXPECT_ERROR(head + "  - {type: conv2d, kernel: 3}\n", "spec.yaml:3: ", "layer 1 (conv2d): needs 'filters'");
  EXPECT_ERROR(head + "  - {type: conv2d,\n     filters: 3}\n", "spec.yaml:3: ", "layer 1 (conv2d): needs 'kernel'");
  EXPECT_ERROR(head + "  - {type: dense}\n", "spec.yaml:3: ", "layer 1 (dense): needs 'units'");
  EXPECT_ERROR(head + "  - {type: reshape}\n", "spec.yaml:3: ", "needs 'shape'");
  EXPECT_ERROR(head + "  - {type: add, inputs: [input]}\n", "spec.yaml:3: ", "needs 'inputs': two or more");
  EXPECT_ERROR(head + "  - [relu]\n", "spec.yaml:3: ", "a layer is a name (relu) or a map with 'type'");
  EXPECT_ERROR(head + "  - {type: [relu]}\n", "spec.yaml:3: ", "layer 1: 'type' must be a layer name");
  EXPECT_ERROR(head + "  - {type: relu, name: [a]}\n", "spec.yaml:3: ", "'name' must be a string");
  EXPECT_ERROR(head + "  - {type: add, inputs: [input, nothing]}\n", "spec.yaml:3: ", "input 'nothing' is not the input");
  EXPECT_ERROR(head + "  - {type: relu, name: x}\n  - {type: relu, name: x}\n", "spec.yaml:4: ", "the name 'x' is already used");
  EXPECT_ERROR(head + "  - relu\ntraining: {epochs: 3, optimiser: adam}\n", "spec.yaml:4: ",
               "training: unknown key 'optimiser'");
  EXPECT_ERROR(head + "  - relu\ntraining:\n  lr: -1\n", "spec.yaml:5: ", "'lr' must be positive");
  EXPECT_ERROR(head + "  - relu\ndata:\n  format: idx\n  trian: x.gz\n", "spec.yaml:6: ", "data: unknown key 'trian'");
  EXPECT_ERROR(head + "  - relu\ndata:\n  format: parquet\n", "spec.yaml:5: ", "'format' is 'parquet'");
  EXPECT_ERROR(head + "  - relu\ndata:\n  augment: {scale: 2}\n", "spec.yaml:5: ", "'scale' must be [min, max]");
  EXPECT_ERROR(head + "  - relu\nloss: mse\n", "spec.yaml:4: ", "spec: unknown key 'loss'");
  EXPECT_ERROR("layers:\n  - relu\n", "spec.yaml: ", "needs 'input'");
  EXPECT_ERROR("input: [4, 0]\nlayers:\n  - relu\n", "spec.yaml:1: ", "'input' dimensions must be at least 1, got [4, 0]");
  EXPECT_ERROR("input: [4]\nlayers: []\n", "spec.yaml:2: ", "needs 'layers'");
  EXPECT_ERROR("input: [4]\nlayers:\n  - {type: dense, units: 3\n", "spec.yaml:", "not valid YAML");
}

TEST(TrainSpec, LoadSpecResolvesTheFolder) {
  EXPECT_THROW(load_spec("/nonexistent/spec.yaml"), mote::host::HostError);
  try {
    load_spec("/nonexistent/spec.yaml");
  } catch (const mote::host::HostError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/spec.yaml: cannot open the spec file");
  }
}

// Parses, builds and loads the data of a spec whose relative files live in the test's temp folder.
std::string data_error_of(const std::string& yaml) {
  try {
    ModelSpec s = parse_spec(yaml, "spec.yaml", ::testing::TempDir());
    BuiltModel b = build_model(s);
    load_data(s, *b.model);
  } catch (const mote::host::HostError& e) {
    return e.what();
  }
  return "";
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string file = "train_spec_" + std::to_string(::getpid()) + "_" + name;
  std::ofstream(::testing::TempDir() + file) << text;
  return file;
}

TEST(TrainSpec, DataErrorsNameTheLineOfTheKey) {
  // A missing file: the line of its key (the reader checks the labels file first).
  std::string msg = data_error_of(
      "input: [28, 28, 1]\nlayers:\n  - flatten\n  - {type: dense, units: 10}\ndata:\n  format: idx\n"
      "  train: no-such-images.gz\n  train_labels: no-such-labels.gz\n");
  EXPECT_EQ(msg.rfind("spec.yaml:8: ", 0), 0u) << msg;
  EXPECT_NE(msg.find("no-such-labels.gz"), std::string::npos) << msg;
  EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;

  // Labels 0..4 for a model with 3 outputs: the line of the last layer, the label and the count.
  std::string csv = "a,b,label\n";
  for (int i = 0; i < 20; ++i) csv += std::to_string(i) + ".5,1," + std::to_string(i % 5) + "\n";
  const std::string file = write_temp("labels.csv", csv);
  const std::string spec = "input: [2]\nlayers:\n  - {type: dense, units: 8}\n  - {type: dense, units: 3}\n"
                           "data:\n  format: csv\n  train: " + file + "\n  label_column: label\n  validation: 0\n";
  msg = data_error_of(spec);
  EXPECT_EQ(msg.rfind("spec.yaml:4: labels out of range: the train split has label 4 but the last layer has 3 outputs", 0), 0u)
      << msg;
  // The same data fits a model with 5 outputs.
  EXPECT_EQ(data_error_of("input: [2]\nlayers:\n  - {type: dense, units: 5}\ndata:\n  format: csv\n  train: " + file +
                          "\n  label_column: label\n"),
            "");
  // Samples of another shape than `input`: both shapes and the input line.
  msg = data_error_of("name: x\ninput: [3]\nlayers:\n  - {type: dense, units: 5}\ndata:\n  format: csv\n  train: " + file +
                      "\n  label_column: label\n");
  EXPECT_EQ(msg.rfind("spec.yaml:2: the data's samples have shape [2] but 'input' is [3]", 0), 0u) << msg;
  // No data section at all.
  EXPECT_NE(data_error_of("input: [2]\nlayers:\n  - relu\n").find("needs a 'data:' section"), std::string::npos);
  std::remove((::testing::TempDir() + file).c_str());
}

}  // namespace
