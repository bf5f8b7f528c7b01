// mote quantizer — calibration samples from files.
//
// The quantizer (and `mote eval --data`) needs samples for input 0 of a model as float vectors, one
// per sample, each with exactly as many values as the input has elements. Accepted sources:
//
//   - one .npy of shape (N, *input_shape), or (N, *input_shape[1:]) when the input's batch is 1
//     (e.g. (100, 49, 10, 1) for an input [1, 49, 10, 1]); any element type .npy I/O reads
//     (float32, int8, uint8, int16, int32), converted to float as numbers;
//   - a folder of files, one sample each, taken in name order: .npy files of shape input_shape (or
//     input_shape[1:] when the batch is 1), and raw .bin/.raw files of little-endian float32 values
//     (exactly input elements x 4 bytes). Other files in the folder are ignored;
//   - a model spec (.yaml / .yml, the file `mote train` reads): the training split of its data:
//     section, loaded and normalized as the trainer does (docs/data.md).
//
//   std::vector<std::vector<float>> s = mote::quant::load_samples("calib.npy", {1, 49, 10, 1});
//
// Throws HostError naming the file and both shapes ("calib.npy: shape (100, 28, 28) does not match
// the model input [1,49,10,1]: expected (N, 49, 10, 1) or (N, 1, 49, 10, 1)"), or "no samples".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mote::quant {

// Samples for input 0 of a model whose input shape is `input_shape`, as float values.
std::vector<std::vector<float>> load_samples(const std::string& path, const std::vector<int32_t>& input_shape);

// "[1,49,10,1]" — a model shape as mote's messages print it.
std::string shape_string(const std::vector<int32_t>& shape);

}  // namespace mote::quant
