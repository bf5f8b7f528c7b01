// mote trainer — the model spec: a network, its training settings and its data, from YAML or C++.
//
// A spec file (docs/train.md, "The spec file", has every key):
//
//   input: [28, 28, 1]                     # per-sample shape
//   layers:
//     - {type: conv2d, filters: 16, kernel: 3, padding: same}
//     - batch_norm
//     - relu
//     - {type: max_pool2d, pool: 2}
//     - flatten
//     - {type: dense, units: 10}
//     - softmax                            # with cross-entropy: trained on logits, exported
//   training: {epochs: 10, batch_size: 64, optimizer: adam, lr: 0.001, schedule: cosine, patience: 3}
//   data: {format: idx, train: ..., train_labels: ..., test: ..., test_labels: ...}
//
// A layer is a name (`relu`) or a map with `type` plus its options; any layer may have `name`
// and `inputs` (names of earlier layers, or `input`; default: the layer before). Names are
// matched without case, underscores or dashes, so `Conv2D`, `conv2d` and `conv_2d` are the same.
//
// Every problem throws HostError prefixed with "<file>:<line>: " (the line of the offending key
// or layer): an unknown layer or key, a value of the wrong kind, two layers whose shapes do not fit
// (both shapes named), a missing data file, labels out of range.
//
// The same from C++ (no YAML involved):
//
//   ModelSpec s;
//   s.input = {28, 28, 1};
//   s.layers = {conv2d(16, 3, Padding::kSame), batch_norm(), relu(), max_pool2d(2), flatten(),
//               dense(10), softmax()};
//   s.train.epochs = 5;
//   BuiltModel b = build_model(s);          // b.model: a train::Model ready for fit()
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/data/dataset.h"
#include "host/train/layers.h"
#include "host/train/loss.h"
#include "host/train/model.h"
#include "host/train/optim.h"

namespace mote::train {

enum class LayerKind {
  kDense, kConv1D, kConv2D, kDepthwiseConv2D, kMaxPool2D, kAveragePool2D, kGlobalAveragePool,
  kBatchNorm, kReLU, kReLU6, kDropout, kFlatten, kReshape, kSoftmax, kAdd,
};
// The spec's spelling: "dense", "conv1d", "conv2d", "depthwise_conv2d", "max_pool2d",
// "average_pool2d", "global_average_pool", "batch_norm", "relu", "relu6", "dropout", "flatten",
// "reshape", "softmax", "add".
const char* layer_kind_name(LayerKind k);

struct LayerSpec {
  LayerKind kind = LayerKind::kReLU;
  std::string name;                 // empty: "<kind>_<position>" (1-based), e.g. "conv2d_1"
  std::vector<std::string> inputs;  // earlier layer names or "input"; empty: the layer before
  Dense::Options dense;             // kDense
  ConvBase::Options conv;           // kConv1D (kernel_h = stride_h = 1), kConv2D
  DepthwiseConv2D::Options depthwise;
  Pool2D::Options pool;             // kMaxPool2D, kAveragePool2D
  BatchNorm::Options batch_norm;
  float rate = 0.5f;                // kDropout
  Shape shape;                      // kReshape (per sample; one -1 allowed)
  Activation activation = Activation::kNone;  // kAdd
  int line = 0;                     // line in the spec file (0: made in C++)

  std::unique_ptr<Layer> make() const;
};

// Builders for the C++ API (options not listed keep the defaults of layers.h).
LayerSpec dense(int units, Activation a = Activation::kNone);
LayerSpec conv2d(int filters, int kernel, Padding p = Padding::kValid, int stride = 1, Activation a = Activation::kNone);
LayerSpec conv1d(int filters, int kernel, Padding p = Padding::kValid, int stride = 1, Activation a = Activation::kNone);
LayerSpec depthwise_conv2d(int kernel, Padding p = Padding::kSame, int stride = 1, int multiplier = 1,
                           Activation a = Activation::kNone);
LayerSpec max_pool2d(int pool, int stride = 0, Padding p = Padding::kValid);   // stride 0: = pool
LayerSpec average_pool2d(int pool, int stride = 0, Padding p = Padding::kValid);
LayerSpec global_average_pool();
LayerSpec batch_norm();
LayerSpec relu();
LayerSpec relu6();
LayerSpec dropout(float rate);
LayerSpec flatten();
LayerSpec reshape(Shape shape);
LayerSpec softmax();
LayerSpec add(std::vector<std::string> inputs, Activation a = Activation::kNone);

enum class LossKind { kCrossEntropy, kBinaryCrossEntropy, kMse };
enum class OptimizerKind { kAdam, kSgd };

struct TrainSettings {
  int epochs = 10;
  int batch_size = 32;
  LossKind loss = LossKind::kCrossEntropy;   // parse_spec: mse when the data is a regression
  OptimizerKind optimizer = OptimizerKind::kAdam;
  float lr = 1e-3f;
  float momentum = 0.9f;      // SGD
  bool nesterov = false;      // SGD
  float weight_decay = 0.0f;  // L2 on kernels
  LrSchedule::Kind schedule = LrSchedule::Kind::kConstant;
  float min_lr = 0.0f;        // cosine: the rate at the last epoch
  int step_epochs = 1;        // step
  float gamma = 0.1f;         // step
  uint64_t seed = 0;          // weights, shuffling, dropout, augmentation
  int patience = 0;           // early stopping: epochs without a better validation loss (0 = off)
  int eval_batch = 256;       // batch size of evaluation passes
  int calibration_samples = 300;  // --quantize: training samples the quantizer calibrates on

  std::unique_ptr<Loss> make_loss() const;
  std::unique_ptr<Optimizer> make_optimizer() const;
  LrSchedule make_schedule() const;   // cosine runs over `epochs`
};
const char* loss_kind_name(LossKind k);   // "cross_entropy", "binary_cross_entropy", "mse"

struct ModelSpec {
  std::string source = "<spec>";   // file name in messages
  std::string name = "model";      // `name:`: C identifier of the exported model (mote export)
  std::string base_dir;            // relative data paths are resolved against it
  Shape input;                     // per-sample input shape
  std::vector<LayerSpec> layers;
  TrainSettings train;
  data::DataSpec data;
  bool has_data = false;           // the spec had a `data:` section
  // Lines of the sections (0: absent or made in C++), for messages about them.
  int input_line = 0, layers_line = 0, data_line = 0, training_line = 0;
  // data: line of each key given (e.g. "train" -> 12), for messages naming a file.
  std::vector<std::pair<std::string, int>> data_key_lines;

  // "<source>:<line>: " (or "<source>: " when line is 0).
  std::string where(int line) const;
  int data_key_line(const std::string& key) const;   // data_line when the key was not given
};

// Parses YAML text; `source` names it in messages, relative data paths are resolved against
// `base_dir`. Throws HostError "<source>:<line>: ...".
ModelSpec parse_spec(const std::string& yaml_text, const std::string& source, const std::string& base_dir = "");
// Reads and parses a file; base_dir becomes the file's folder.
ModelSpec load_spec(const std::string& path);

struct BuiltModel {
  std::unique_ptr<Model> model;
  // The spec ends with softmax and trains with cross-entropy: the model stops at the logits (the
  // loss applies the softmax) and the export appends SOFTMAX.
  bool softmax_output = false;
  std::vector<int> node_of_layer;   // model node of each spec layer (-1: the stripped softmax)
};

// Builds the layers in order on a Model seeded with spec.train.seed. Shape errors name the spec
// line, both layers and both shapes.
BuiltModel build_model(const ModelSpec& spec);

// Number of outputs per sample of the built model (the last dimension of its output).
int model_outputs(const Model& model);

}  // namespace mote::train
