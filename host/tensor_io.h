// mote host library — moving tensor data between files and an interpreter.
//
// File kinds, chosen by the file name:
//   *.bin      raw little-endian tensor bytes; the file size must equal the tensor's byte size.
//   *.npy      NumPy array (see host/npy.h). Reading: the dtype must be the tensor's own type, or
//              float32 for an INT8/INT16 tensor with a scale (values are then quantized with the
//              tensor's scale and zero point, rounded half away from zero, saturated). The shape
//              must equal the tensor's shape once dimensions of size 1 are dropped from both, so
//              (49, 10) fits a [1, 49, 10, 1] tensor. Writing: the tensor's own type and shape.
//   *.f32.npy  writing only: float32 values, dequantized with the tensor's scale and zero point
//              (a FLOAT32 tensor is copied). Reading a .f32.npy is the same as reading any .npy.
// Anything else is refused. Errors throw HostError naming the file, the tensor and the numbers:
//   "in.bin: 400 bytes, but input 0 (tensor 0 "input_1", INT8 [1, 49, 10, 1]) needs 490"
//
//   mote::host::load_input(interp, 0, "features.npy");
//   interp.invoke();
//   mote::host::save_output(interp, 0, "scores.f32.npy");
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/interpreter.h"

namespace mote::host {

// "[1, 49, 10, 1]".
std::string shape_string(const mote::Shape& s);
// "input 0 (tensor 0 "input_1", INT8 [1, 49, 10, 1])" — how messages name an I/O tensor.
std::string describe_io(const char* kind, int i, const mote::TensorRef& r);

// Reads a raw tensor file whose size must be exactly `expected_bytes`; `what` names the tensor in
// the error ("in.bin: 400 bytes, but <what> needs 490").
std::vector<uint8_t> read_bin(const std::string& path, size_t expected_bytes, const std::string& what);

// Throws HostError unless `path` names a kind load_input (output=false) or save_output
// (output=true) handles: lets a command refuse bad names before doing any work.
void check_file_kind(const std::string& path, bool output);

// Fills input i of a prepared interpreter from a .bin or .npy file.
void load_input(mote::Interpreter& interp, int i, const std::string& path);
// Writes output i of an invoked interpreter to a .bin, .npy or .f32.npy file.
void save_output(const mote::Interpreter& interp, int i, const std::string& path);

}  // namespace mote::host
