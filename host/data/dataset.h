// mote datasets — what a spec's `data:` section describes, loaded into training tensors.
//
// A DataSpec names a source (one of the formats below), how to scale its values, how to split it
// and how to augment training batches. load() reads it into three Datasets (train, validation,
// test) of float32 tensors ready for mote::train::fit; augment() perturbs one training batch.
//
// Formats (docs/data.md has the details and the error messages):
//   idx           MNIST-family IDX files, raw or gzip-compressed (.gz): `train` = images
//                 (idx3, uint8 [N, H, W]), `train_labels` = labels (idx1, uint8 [N]); `test` and
//                 `test_labels` likewise (the dataset's own test split, e.g. t10k). x: [N, H, W, 1].
//   csv           one sample per line: feature columns + a label column (classification) or
//                 target columns (regression). x: [N, features] (or `shape`). String labels map to
//                 class indices in sorted order (their names go to class_names).
//   npy           `train` = x (.npy, [N, ...]), `train_labels` = y (.npy, [N] or [N, k]); `test`,
//                 `test_labels` likewise.
//   wav_folder    `train` = root/<class>/*.wav (PCM 16-bit mono), each padded/trimmed to
//                 `clip_samples` samples and scaled to [-1, 1]. x: [N, clip_samples, 1] (the raw
//                 waveform: `features` = "raw"; a feature step from dsp/ plugs in there later).
//   image_folder  `train` = root/<class>/*.{pgm,ppm,png}, all the same size; `channels` 1 or 3.
//                 x: [N, H, W, channels], pixel values 0..255 before normalization.
//   sine          generator: `samples` x uniform in [0, 2π], y = sin(x) + N(0, noise²).
//                 x: [N, 1], y: [N, 1].
//
// Folder classes are the sub-folder names in sorted order (class i = i-th name).
//
//   mote::data::DataSpec spec;
//   spec.format = mote::data::Format::kIdx;
//   spec.train = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
//   spec.train_labels = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz";
//   spec.test = ".../t10k-images-idx3-ubyte.gz"; spec.test_labels = ".../t10k-labels-idx1-ubyte.gz";
//   spec.validation = 0.1; spec.augment.shift = 2;
//   mote::data::Split s = mote::data::load(spec);     // s.train.x: [54000, 28, 28, 1]
//   ... per batch: mote::data::augment(spec, batch_x, rng);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/train/rng.h"
#include "host/train/tensor.h"

namespace mote::data {

struct Dataset {
  train::Tensor x;                          // [samples, sample shape...] float32
  train::Tensor y;                          // [samples] class indices (as float) or [samples, k] targets
  std::vector<std::string> class_names;     // classification only
  int num_classes = 0;                      // 0 = regression
  int samples() const { return x.rank() > 0 ? x.dim(0) : 0; }
};

struct Split {
  Dataset train, validation, test;
};

enum class Format { kIdx, kCsv, kNpy, kWavFolder, kImageFolder, kSine };

// "idx", "csv", "npy", "wav_folder", "image_folder", "sine" (also accepted by parse_format:
// "generator:sine"). parse_format throws HostError listing the valid names.
const char* format_name(Format f);
Format parse_format(const std::string& name);

// What the task is; kAuto decides from the format: classification for idx, wav_folder,
// image_folder and csv with a label column; regression for sine and csv with target columns; npy:
// classification when y has an integer dtype and rank 1, else regression.
enum class Task { kAuto, kClassification, kRegression };

// Augmentation of training batches (all off by default). Applied per sample in this order: shift,
// amplitude scale, additive noise.
struct Augmentation {
  float noise_stddev = 0.0f;   // additive Gaussian noise, standard deviation (in normalized units)
  int shift = 0;               // max shift: images [N,H,W,C] move by dy, dx each uniform in
                               // [-shift, shift] with zero fill; 1-D ([N,L] or [N,L,C]) by
                               // samples along L
  float scale_min = 1.0f;      // amplitude scale uniform in [scale_min, scale_max]
  float scale_max = 1.0f;
  bool enabled() const { return noise_stddev > 0.0f || shift > 0 || scale_min != 1.0f || scale_max != 1.0f; }
};

struct DataSpec {
  Format format = Format::kIdx;
  Task task = Task::kAuto;

  // Files. Relative paths are resolved against base_dir (T sets it to the spec file's folder;
  // empty = the current directory).
  //   idx:          train = images, train_labels = labels (test, test_labels: optional test split)
  //   npy:          train = x, train_labels = y (test, test_labels likewise)
  //   csv:          train = the file (test: optional test file, same columns)
  //   wav_folder, image_folder: train = the root with one sub-folder per class (test: optional root)
  //   sine:         none
  std::string base_dir;
  std::string train;
  std::string train_labels;
  std::string test;
  std::string test_labels;

  // Classes. Given class_names fix the class count, the names and their order: class folders
  // and csv string labels must be among them (class i = the i-th name); idx/npy labels get them
  // as names. num_classes > 0 fixes the class count (labels must lie in [0, num_classes));
  // 0 = from class_names, the folders or the csv label strings, else the largest label + 1.
  std::vector<std::string> class_names;
  int num_classes = 0;

  // CSV.
  std::optional<bool> header;               // unset: detected (the first row has a field that is
                                            // not a number where the second row has a number)
  char delimiter = ',';
  std::string label_column;                 // classification: a header name, or a 0-based index
                                            // ("4"); a name is tried first
  std::vector<std::string> target_columns;  // regression: names or 0-based indices
  std::vector<std::string> feature_columns; // empty = every column that is not a label/target

  // Per-sample shape override: x is reshaped to [N, shape...] (same element count per sample),
  // e.g. csv features [8] -> [8, 1] for Conv1D. Empty = the format's own shape.
  std::vector<int> shape;

  // Normalization: x = raw * scale + offset. Unset = the format's default: scale 1/255 for idx
  // uint8 files and image_folder (raw pixels 0..255), 1 otherwise (wav samples are already in [-1, 1]);
  // offset 0. standardize: afterwards, per element position of a sample (per feature), subtract
  // the training split's mean and divide by its standard deviation (a zero deviation divides by
  // 1); the training statistics are applied to validation and test too.
  std::optional<float> scale;
  std::optional<float> offset;
  bool standardize = false;

  // Splits. When `test` is set, the test split is read from it; otherwise a seeded shuffle puts
  // test_fraction (0..<1) of all samples in the test split. validation (0..<1) is then carved
  // from the training samples by another seeded shuffle. seed drives the splits and the sine
  // generator.
  double validation = 0.1;
  double test_fraction = 0.2;
  uint64_t seed = 0;
  // > 0: a seeded random `limit` of the training samples (validation is then carved from them)
  // and at most `limit` test samples — for quick runs.
  int limit = 0;

  // wav_folder.
  int clip_samples = 16000;                 // every clip padded with zeros / trimmed to this
  int sample_rate = 0;                      // > 0: every file must have this rate
  std::string features = "raw";             // "raw" only until dsp/ exists

  // image_folder.
  int channels = 0;                         // 1 (grayscale) or 3 (RGB); 0 = from the first file.
                                            // RGB files become gray by 0.299 R + 0.587 G + 0.114 B,
                                            // gray files become RGB by repeating the value

  // sine generator.
  int samples = 1000;                       // total samples (before the test/validation splits)
  float noise = 0.0f;                       // standard deviation of the noise added to y

  Augmentation augment;
};

// Reads the data, applies the normalization, makes the splits. Throws HostError naming the file
// (and line/record/column) and the numbers: missing file, bad header/magic, truncation, labels out
// of range (value and allowed range), empty class folder, mismatched sample shapes.
Split load(const DataSpec& spec);

// Augments a batch in place (training only); deterministic given rng's state. batch is
// [N, H, W, C] (image shift in H and W) or [N, L] / [N, L, C] (shift along L). Does nothing when
// !spec.augment.enabled().
void augment(const DataSpec& spec, train::Tensor& batch, train::Rng& rng);

}  // namespace mote::data
