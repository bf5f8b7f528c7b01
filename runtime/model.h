// mote runtime — a verified, zero-copy view of a .tflite model in memory (usually flash).
//
//   alignas(16) const uint8_t kModel[] = {...};     // or a file read into aligned memory
//   mote::Model model;
//   mote::Error err;
//   if (model.load(kModel, sizeof(kModel), &err) != mote::Status::kOk) { report(err.message); }
//
// load() checks the entire file once: every offset, vtable, vector and string lies inside the
// buffer; the schema version is 3; every operator code is a known builtin (or CUSTOM); every tensor
// index used by an operator or as a graph input/output exists; constant buffers hold exactly
// elements × element size bytes; shapes are non-negative and their byte size fits in 31 bits;
// quantization parameters are consistent (per-channel scale count = size of the quantized
// dimension). The data flow between operators (no tensor read before it is written, none written
// twice, no constant written) is checked by the planner, which has a workspace to do it in linear
// time.
// After a successful load no accessor can read outside the buffer, whatever the bytes say.
//
// Ownership: the Model borrows the bytes; they must stay valid and unchanged while the Model (and
// any Interpreter built on it) is used. Constant tensor data is used in place, so each constant
// buffer must be aligned to min(element size, 4) in memory (keep the model 16-byte aligned);
// 64-bit constants (int64 biases) are only 4-byte aligned in real files and are read unaligned-safe.
//
// Only subgraph 0 is executed; further subgraphs are verified structurally.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "runtime/flatbuf.h"
#include "runtime/op.h"
#include "runtime/status.h"
#include "runtime/tensor.h"

namespace mote {

constexpr int32_t kCustomOpCode = 32;

// One operator of subgraph 0, as stored in the model.
struct OpView {
  int32_t builtin_code = 0;     // effective code (max of deprecated and extended field)
  int32_t version = 1;
  const char* custom_code = nullptr;  // for CUSTOM ops
  fb::Table options;                  // builtin options table (may be absent)
  fb::Vector inputs;                  // int32 tensor indices (-1: omitted optional input)
  fb::Vector outputs;                 // int32 tensor indices

  int num_inputs() const { return static_cast<int>(inputs.count); }
  int num_outputs() const { return static_cast<int>(outputs.count); }
  int32_t input(int i) const { return inputs.at<int32_t>(static_cast<uint32_t>(i)); }
  int32_t output(int i) const { return outputs.at<int32_t>(static_cast<uint32_t>(i)); }
  // "CONV_2D", or the custom code, or "UNKNOWN".
  const char* name() const;
};

class Model {
 public:
  // Largest model accepted (bytes): offsets are 32-bit.
  static constexpr size_t kMaxModelBytes = size_t{0x7FFFFFFF};

  Status load(const uint8_t* data, size_t size, Error* err);
  bool loaded() const { return data_ != nullptr; }

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  uint32_t schema_version() const { return version_; }
  const char* description() const { return description_; }

  int num_tensors() const { return static_cast<int>(tensors_.count); }
  int num_ops() const { return static_cast<int>(ops_.count); }
  int num_inputs() const { return static_cast<int>(inputs_.count); }
  int num_outputs() const { return static_cast<int>(outputs_.count); }
  int num_subgraphs() const { return static_cast<int>(num_subgraphs_); }
  int32_t input_tensor(int i) const { return inputs_.at<int32_t>(static_cast<uint32_t>(i)); }
  int32_t output_tensor(int i) const { return outputs_.at<int32_t>(static_cast<uint32_t>(i)); }

  // Tensor `index` of subgraph 0 (index must be in [0, num_tensors())).
  TensorInfo tensor(int32_t index) const;
  // Operator `index` of subgraph 0 in execution order.
  OpView op(int index) const;

 private:
  Status verify_root(Error* err);
  Status verify_opcodes(Error* err);
  Status verify_buffers(Error* err);
  Status verify_subgraph(const fb::Table& sg, uint32_t sg_index, Error* err);
  Status verify_tensor(const fb::Table& t, uint32_t sg, uint32_t index, Error* err);
  Status verify_quantization(const fb::Table& q, const Shape& shape, uint32_t sg, uint32_t index, Error* err);
  Status verify_operator(const fb::Table& op, uint32_t sg, uint32_t index, uint32_t num_tensors, Error* err);
  // Constant data of buffer `b` (nullptr/0 if empty).
  bool buffer_data(uint32_t b, const uint8_t** data, size_t* bytes) const;
  Shape read_shape(const fb::Table& tensor) const;

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  uint32_t version_ = 0;
  const char* description_ = nullptr;
  fb::Table root_;
  fb::Vector opcodes_;
  fb::Vector buffers_;
  fb::Table subgraph_;
  uint32_t num_subgraphs_ = 0;
  fb::Vector tensors_;
  fb::Vector ops_;
  fb::Vector inputs_;
  fb::Vector outputs_;
};

}  // namespace mote
