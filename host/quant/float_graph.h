// mote quantizer — cleaning up a float graph before it is calibrated and quantized.
//
//   ir::Graph g = float_graph;
//   prepare_float_graph(g, "model.tflite", &notes);   // checks + the three rewrites below
//
// Checks: the graph has exactly one input; no activation is already quantized (an int8 / int16 /
// uint8 tensor that is not a constant: "already quantized" — mote quantize needs a float model).
//
// Rewrites, in this order:
//   1. hybrid weights: constant int8/uint8/int16 tensors with a scale (per tensor or per channel)
//      become float32 constants, w = scale · (q - zero_point). A hybrid model (float activations,
//      int8 weights) is then an ordinary float model.
//   2. constant DEQUANTIZE ops (float16 weights, as TensorFlow Lite's float16 models have them, or
//      the output of step 1) are replaced by float32 constants.
//   3. batch-norm folding: CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED without a fused activation,
//      whose output is read only by a MUL by a constant, optionally followed by an ADD of a constant
//      (or only by such an ADD), the constants holding one value or one per output channel:
//      w'[c] = w[c]·m[c], b'[c] = b[c]·m[c] + a[c]; the MUL/ADD's fused activation moves to the
//      op. The op then writes the last tensor of the chain (its name survives).
//   4. activation fusion: a RELU or RELU6 that is the only reader of the output of an op with a
//      fused_activation_function field (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, SUB,
//      MUL) that is NONE becomes that field; the op writes the RELU's output.
// Tensors that become unused are removed. `notes` (optional) receives one line per rewrite.
#pragma once

#include <string>
#include <vector>

#include "host/ir/graph.h"

namespace mote::quant {

void prepare_float_graph(ir::Graph& g, const std::string& name, std::vector<std::string>* notes = nullptr);
// The checks alone.
void check_float_graph(const ir::Graph& g, const std::string& name);

// The rewrites alone (each returns how many places it changed).
int dequantize_hybrid_weights(ir::Graph& g);
int fold_constant_dequantize(ir::Graph& g);
int fold_batch_norm(ir::Graph& g);
int fuse_activations(ir::Graph& g);

// Field id of the op's fused_activation_function, or -1 when it has none.
int fused_activation_field(int32_t code);

}  // namespace mote::quant
