// mote host library — every intermediate activation of one inference, as floats.
//
// The quantizer calibrates on these (the float model's activation ranges) and `mote eval` compares
// a float model's activations with its quantized twin's, layer by layer, matching them by tensor
// name. run_capturing() runs the ops one at a time with Interpreter::invoke_op and, right after
// each op, reads that op's outputs while they are still alive in the arena (a later op may reuse
// their memory).
//
//   mote::host::Session s("model.tflite");
//   mote::host::run_capturing(s, {features}, [&](int op, const std::vector<Activation>& outs) {
//     for (const Activation& a : outs) printf("op %d -> %s: %zu values\n", op, a.name.c_str(), a.values.size());
//   });
//
// Values of int8/int16 tensors are dequantized: (q - zero_point) * scale, as double then float.
// int32/int64/uint8/bool tensors are converted as numbers (scaled when they carry a scale).
// Errors (a sample whose size differs from the input's, a failing op) throw HostError with one line
// naming the input or op and the numbers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "host/session.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"

namespace mote::host {

struct Activation {            // one op output after one inference
  int32_t tensor = -1;         // tensor index in the model
  std::string name;            // tensor name from the file
  std::vector<float> values;   // as float: dequantized (scale, zero point) if the tensor is int8/int16
};

using ActivationCallback = std::function<void(int op, const std::vector<Activation>& outputs)>;

// Runs one inference of `session` op by op after setting input i from inputs[i] (float values,
// quantized by the runtime when the input is int8/int16). After each op calls on_op(op index,
// outputs of that op). Throws HostError on a size mismatch or a failing op.
void run_capturing(Session& session, const std::vector<std::vector<float>>& inputs, const ActivationCallback& on_op);

// The same on a model and a prepared interpreter held elsewhere (e.g. a model built in memory).
// `what` names the model in error messages.
void run_capturing(const mote::Model& model, mote::Interpreter& interp, const std::vector<std::vector<float>>& inputs,
                   const ActivationCallback& on_op, const std::string& what = "model");

// The values of a tensor of a prepared interpreter as floats (the conversion described above).
std::vector<float> tensor_as_float(const mote::TensorRef& t);

}  // namespace mote::host
