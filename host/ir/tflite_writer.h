// mote host IR — Graph → .tflite.
//
// Writes a FlatBuffers .tflite file (schema version 3, file identifier "TFL3") with mote's own
// FlatBufferBuilder. The output loads in mote's verifier and in TensorFlow Lite (Micro):
//   - buffer 0 is the empty sentinel; each constant tensor's bytes go into a buffer whose data is
//     16-byte aligned in the file (so int64 biases and float weights are aligned when the file is);
//     constants with identical bytes share one buffer unless WriteOptions says otherwise;
//   - one OperatorCode per distinct (code, version, custom code), in order of first use, with both
//     deprecated_builtin_code = min(code, 127) and builtin_code = code;
//   - builtin options are written field by field as the IR holds them (absent fields stay absent,
//     so schema defaults apply exactly as in the source); custom options byte for byte;
//   - metadata entries get buffers after the tensors' buffers; signature defs refer to subgraph 0.
// The bytes depend only on the Graph and the options: writing the same graph twice gives the same
// file.
//
//   std::vector<uint8_t> bytes = mote::ir::write_tflite(graph);
//   mote::ir::write_tflite_file(graph, "out.tflite");
//
// The graph is checked first (Graph::validate); problems throw HostError naming the tensor or op.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/ir/graph.h"

namespace mote::ir {

struct WriteOptions {
  // Constant tensors (and metadata) with byte-identical data share one buffer.
  bool share_identical_buffers = true;
};

std::vector<uint8_t> write_tflite(const Graph& graph, const WriteOptions& options = {});
void write_tflite_file(const Graph& graph, const std::string& path, const WriteOptions& options = {});

}  // namespace mote::ir
