// mote quantizer — post-training full-integer quantization of a float graph.
//
//   ir::Graph f = ir::read_tflite_file("model.tflite");
//   auto samples = quant::load_samples("calib.npy", f.tensors[f.inputs[0]].shape);
//   quant::QuantizeOptions o;  o.method = quant::Calibration::kMse;
//   quant::QuantizeReport r;
//   ir::Graph q = quant::quantize(f, samples, o, &r);
//   ir::write_tflite_file(q, "model_int8.tflite");
//
// What happens (docs/quantize.md has the details and the conventions):
//   1. prepare_float_graph (float_graph.h): hybrid int8 weights dequantized, batch norm folded,
//      RELU/RELU6 fused; every op checked against the list the quantizer handles.
//   2. calibration: the float graph runs in mote's runtime on every sample (run_capturing); each
//      activation tensor's min/max (and a histogram for the percentile and MSE methods, a second
//      pass) is collected; choose_range (range.h) picks each tensor's range.
//   3. conversion: activations int8 asymmetric per tensor (int16 symmetric in 16x8 mode); weights
//      of CONV_2D / FULLY_CONNECTED / TRANSPOSE_CONV (dim 0) and DEPTHWISE_CONV_2D (dim 3) int8
//      symmetric per output channel (or per tensor); biases int32 (int64 for 16x8) with scale =
//      input scale x weight scale, zero point 0; other float constants quantized like activations
//      over their own min/max. Output conventions of TensorFlow Lite Micro's kernels: SOFTMAX and
//      LOGISTIC 1/256 and -128, TANH 1/128 and 0 (int16: 1/32768 and 0); RESHAPE, pooling,
//      STRIDED_SLICE, PAD and RELU6 outputs share their input's parameters; CONCATENATION inputs
//      share the output's (a requantizing QUANTIZE is inserted where an input cannot).
//   4. I/O: int8 (int16) graph input/output with their calibrated parameters, or float I/O with a
//      QUANTIZE after the input and a DEQUANTIZE before each output.
// The result is checked by preparing it in mote's runtime; a failure there is a HostError.
//
// Tensor names: every activation tensor that corresponds to a float tensor keeps its name; tensors
// the quantizer adds get new names ("<name>/quantized", "<name>/dequantized", "<name>/requantized").
// Errors throw HostError: an op the quantizer does not handle (its index and name), a sample whose
// size differs from the input's, no samples, a non-finite sample value (its sample index), an
// already-quantized model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "host/ir/graph.h"
#include "host/quant/range.h"

namespace mote::quant {

enum class IoType { kFloat, kInt8 };  // kInt8 means int16 I/O in 16x8 mode

struct QuantizeOptions {
  Calibration method = Calibration::kMinMax;
  double percentile = 99.99;
  bool per_channel = true;
  IoType io = IoType::kInt8;
  bool int16_activations = false;      // 16x8 mode for the whole graph
  // Mixed precision: ops whose output tensor has one of these names run in 16x8 (int16 activations);
  // the others in int8, with requantizing QUANTIZE ops where the two meet. Ignored when
  // int16_activations is set. An unknown name is an error.
  std::vector<std::string> int16_layers;
  std::function<void(size_t done, size_t total)> progress;   // optional; called after each run
  std::string name = "model";          // starts error messages (a file name)
};

// One activation tensor's calibrated range and chosen parameters.
struct TensorRange {
  int32_t tensor = -1;                 // index in the quantized graph
  std::string name;
  double min = 0.0, max = 0.0;         // seen during calibration
  double lo = 0.0, hi = 0.0;           // the range the parameters cover (after the method)
  float scale = 0.0f;
  int32_t zero_point = 0;
  std::string rule;                    // "calibrated", "fixed (SOFTMAX)", "shared with input", ...
};

struct QuantizeReport {
  std::string method;                  // "minmax", "percentile 99.99", "mse"
  size_t samples = 0;
  size_t calibration_runs = 0;         // samples x passes
  int ops_quantized = 0;
  int requantize_ops_added = 0;
  std::vector<std::string> notes;      // graph rewrites done before quantizing
  std::vector<TensorRange> ranges;     // activation tensors in order of first write
};

// Float graph + calibration samples for input 0 (each sample's size = input elements) ->
// full-integer graph.
ir::Graph quantize(const ir::Graph& float_graph, const std::vector<std::vector<float>>& samples,
                   const QuantizeOptions& options, QuantizeReport* report = nullptr);

// The checks quantize() starts with (one input, no quantized activation, every op handled), for
// callers that want them before loading calibration data. Throws HostError.
void check_quantizable(const ir::Graph& g, const std::string& name);

// "minmax", "percentile", "mse".
const char* calibration_name(Calibration c);
// Op codes quantize() handles.
bool quantizer_handles(int32_t code);

}  // namespace mote::quant
