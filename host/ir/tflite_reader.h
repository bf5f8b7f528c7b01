// mote host IR — .tflite → Graph.
//
// Reading never trusts the bytes: they are first verified by the runtime's loader (mote::Model::
// load checks every offset, vector, string, index and size), then converted with the runtime's
// bounds-checked FlatBuffers accessors. Everything the IR holds is copied out, so the Graph does
// not depend on the bytes afterwards.
//
//   mote::ir::Graph g = mote::ir::read_tflite_file("model.tflite");
//   mote::ir::Graph h = mote::ir::read_tflite(bytes.data(), bytes.size(), "in-memory model");
//
// Read: subgraph 0 (tensors with constant data, quantization incl. per-channel and min/max,
// shape_signature, has_rank, is_variable; ops with builtin options of every BuiltinOptions table,
// custom options, mutating_variable_inputs, intermediates; graph inputs and outputs), the model
// description, metadata entries and signature defs.
// Refused with HostError (rather than silently lost): more than one subgraph, BuiltinOptions2,
// an options table of an unknown type or with fields beyond the known schema, custom quantization
// details, variant sub-types, external buffers, custom options stored outside the FlatBuffer, and
// anything the verifier refuses. Messages name the source (`name`), the op or tensor and the rule.
// Dropped: the deprecated metadata_buffer list and debug-metadata indices.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "host/ir/graph.h"
#include "runtime/model.h"

namespace mote::ir {

// Copies `data` into 16-byte aligned memory, verifies it and converts it. `name` starts every
// error message (a file name, "calibrated model", ...).
Graph read_tflite(const uint8_t* data, size_t size, const std::string& name = "model");
inline Graph read_tflite(const std::vector<uint8_t>& bytes, const std::string& name = "model") {
  return read_tflite(bytes.data(), bytes.size(), name);
}
Graph read_tflite_file(const std::string& path);

// Converts a model that mote::Model::load already verified.
Graph graph_from_model(const mote::Model& model, const std::string& name = "model");

}  // namespace mote::ir
