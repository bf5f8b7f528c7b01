// mote evaluation — how much a quantized model differs from the float model it came from.
//
// evaluate_pair() runs a float model and its quantized twin on the same samples (given as floats;
// the runtime quantizes them for an int8/int16 input) and measures:
//
//   top-1 accuracy   per model, when labels are given: the share of samples whose argmax of
//                    output 0 equals the label.
//   top-1 agreement  the share of samples where both models' argmax of output 0 is the same
//                    (no labels needed: "does the int8 model decide like the float one?").
//   SQNR per output  signal-to-quantization-noise ratio in dB, over all samples:
//                    10 log10( sum f^2 / sum (f - q)^2 ), f the float model's value, q the
//                    quantized model's value dequantized. +inf when the two agree exactly; every
//                    6 dB is about one bit of precision (int8 at its best is ~40-50 dB).
//   MAE per output   mean |f - q| over all elements of all samples.
//   input SQNR       how well the quantized model's input represents the samples (the int8 input
//                    dequantized against the float values; inf for a float input).
//   per-layer table  for every op output of the quantized model whose tensor NAME also names an op
//                    output of the float model (the quantizer keeps the float names):
//                      SQNR      the dequantized activation against the float activation, energies
//                                summed over all samples first and then divided. This is the error
//                                accumulated up to that point, inherited by every layer after it,
//                                so on its own it does not say WHICH layer lost the precision.
//                      own SQNR  the error this layer adds itself: its relative noise (noise energy /
//                                signal energy) minus that of its noisiest input, in dB:
//                                -10 log10(NSR_out - NSR_in); inf when the layer adds none (RESHAPE,
//                                pooling that averages noise away...). Inputs that are not matched
//                                by name take the noise of what they were computed from; the graph
//                                input has the input SQNR above; constants have none.
//                    Rows are in the quantized model's execution order. The row with the lowest own
//                    SQNR is flagged `worst` (the first on ties; none if no layer adds error): that
//                    is where the quantized model loses its precision — e.g. a tensor whose scale
//                    is far too coarse. Tensors whose names match but whose element counts differ
//                    are left out (and counted). If no name matches at all, the table is empty and
//                    `layers_note` says so.
//
//   std::vector<std::vector<float>> x = mote::quant::load_samples("test_x.npy", {1, 28, 28, 1});
//   std::vector<int64_t> y = mote::eval::load_labels("test_y.txt");
//   mote::eval::EvalReport r = mote::eval::evaluate_pair("f.tflite", "q.tflite", x, y, {});
//   std::cout << mote::eval::report_text(r);           // tables for people
//   std::cout << mote::eval::report_json(r).dump(2);   // for scripts (keys in docs/eval.md)
//
// Both models must have one input and the same input shape, and the same number of outputs with
// the same shapes; every sample must have as many values as the input has elements; labels (if any)
// must be as many as the samples, and need output 0 to have at least 2 values (a classifier). Violations throw HostError naming both models/shapes/numbers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/tensor.h"

namespace mote::eval {

// 10 log10(signal / noise) in dB: +inf when noise == 0 (including 0/0: nothing to lose), -inf when
// only the signal is 0.
double sqnr_db(double signal_energy, double noise_energy);
// "inf", "-inf" or the value with `decimals` digits after the point.
std::string format_db(double db, int decimals = 1);
// Index of the largest value (the first on ties); -1 for an empty vector.
int argmax(const std::vector<float>& v);

// Signal and noise energy accumulated over samples.
struct ErrorSums {
  double signal = 0.0;     // sum f^2
  double noise = 0.0;      // sum (f - q)^2
  double abs_error = 0.0;  // sum |f - q|
  size_t count = 0;        // elements summed

  // Adds one sample's values; sizes must be equal (HostError naming `what` otherwise).
  void add(const std::vector<float>& f, const std::vector<float>& q, const std::string& what);
  double sqnr_db() const { return eval::sqnr_db(signal, noise); }
  double mae() const { return count ? abs_error / static_cast<double>(count) : 0.0; }
};

// Labels for the samples: a .npy of integers of shape (N,) or (N, 1) (int8, uint8, int16, int32;
// float32 only with integral values), or a text file with one integer per line (blank lines and
// lines starting with '#' are skipped). Throws HostError naming the file and line / shape.
std::vector<int64_t> load_labels(const std::string& path);
// Throws HostError "<source>: 90 labels for 100 samples ..." unless the counts are equal.
void check_label_count(size_t labels, size_t samples, const std::string& source);

// What `mote eval --data` reads. A model spec (.yaml / .yml, the file `mote train` reads): the
// held-out split of its data: section — test, or validation when there is no test data — loaded
// and normalized as the trainer does, with its class labels (none for regression). Anything else:
// quant::load_samples (one .npy, or a folder of .npy / raw float32 files), without labels.
// Throws HostError naming the file, the split and both shapes.
struct EvalData {
  std::vector<std::vector<float>> samples;
  std::vector<int64_t> labels;   // empty: none
  std::string split;             // "test" / "validation" for a spec, else ""
};
EvalData load_eval_data(const std::string& path, const std::vector<int32_t>& input_shape);

struct EvalOptions {
  size_t limit = 0;  // evaluate only the first `limit` samples (0: all)
  std::function<void(size_t done, size_t total)> progress;  // optional, after each sample
};

struct OutputStats {
  int index = 0;                 // output index
  std::vector<int32_t> shape;
  mote::TensorType float_type = mote::TensorType::kFloat32;
  mote::TensorType quant_type = mote::TensorType::kFloat32;
  ErrorSums sums;
  double sqnr_db = 0.0;
  double mae = 0.0;
  double max_abs_error = 0.0;
};

struct LayerStats {
  int op_index = 0;              // op of the quantized model that writes the tensor
  std::string op;                // "CONV_2D"
  std::string tensor;            // the shared tensor name
  int32_t quant_tensor = -1;     // tensor index in the quantized model
  int32_t float_tensor = -1;     // tensor index in the float model
  int float_op_index = 0;        // op of the float model that writes it
  std::vector<int32_t> shape;    // quantized model's shape
  mote::TensorType type = mote::TensorType::kInt8;
  float scale = 0.0f;            // 0 when not quantized
  int32_t zero_point = 0;
  ErrorSums sums;
  double sqnr_db = 0.0;          // accumulated error up to this tensor
  double input_sqnr_db = 0.0;    // of the noisiest activation input (see the header comment)
  double own_sqnr_db = 0.0;      // the error this layer adds: -10 log10(NSR_out - NSR_in)
  bool worst = false;            // the lowest own SQNR of the table (at most one row)
};

struct EvalReport {
  std::string float_model, quant_model;  // paths
  size_t samples = 0;                    // samples evaluated
  bool has_labels = false;
  size_t float_correct = 0, quant_correct = 0;  // with labels only
  size_t agree = 0;                      // samples with the same top-1 class
  double float_accuracy = 0.0, quant_accuracy = 0.0;  // fractions in [0, 1], with labels only
  double top1_agreement = 0.0;           // fraction in [0, 1]
  int num_classes = 0;                   // elements of output 0 (top-1 is over these)
  bool classifier = false;               // num_classes >= 2: the top-1 figures mean something
  ErrorSums input_sums;                  // samples against the quantized model's input, dequantized
  double input_sqnr_db = 0.0;
  std::vector<OutputStats> outputs;
  std::vector<LayerStats> layers;        // execution order of the quantized model
  int worst_layer = -1;                  // index into layers, -1 if empty or no layer adds error
  size_t quant_activations = 0;          // op outputs of the quantized model
  size_t unmatched_names = 0;            // of those, how many have no float tensor of that name
  size_t shape_mismatches = 0;           // names matched but element counts differ
  std::string layers_note;               // why the table is empty or partial ("" if complete)
};

// `labels` empty: no accuracy. See the header comment for what is measured and what is checked.
EvalReport evaluate_pair(const std::string& float_model_path, const std::string& quant_model_path,
                         const std::vector<std::vector<float>>& samples, const std::vector<int64_t>& labels,
                         const EvalOptions& options = {});

// Human-readable report (several lines, ends with a newline).
std::string report_text(const EvalReport& r);
// One JSON object (keys in docs/eval.md). SQNR values that are infinite are the strings "inf" /
// "-inf" (JSON has no infinity).
nlohmann::ordered_json report_json(const EvalReport& r);

}  // namespace mote::eval
