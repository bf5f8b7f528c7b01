// mote host IR — a model as an editable graph of tensors and operators.
//
// The IR mirrors one .tflite subgraph, but owns everything: tensors carry their constant bytes,
// operators carry typed builtin options. Tools (the quantizer, graph rewrites) edit it freely, and
// tflite_writer.h turns it back into a .tflite file; tflite_reader.h builds it from a verified model.
//
//   Graph g = read_tflite_file("model.tflite");
//   for (const Op& op : g.ops) printf("%s\n", op.name().c_str());
//   int c = g.producer(g.outputs[0]);          // the op that computes the output (-1: none)
//   std::vector<uint8_t> bytes = write_tflite(g);
//
// Conventions:
//   - Tensors and ops are referred to by index (int32_t), as in the file. An op input of -1 is an
//     omitted optional input.
//   - ops are in execution order; check_topological_order() says whether that order is valid.
//   - A tensor is constant iff `data` is non-empty; its size must then be elements x type size.
//   - Quantization: empty scales = not quantized; one scale = per tensor; more = per channel along
//     quantized_dimension. min/max are kept as found (converters record calibration ranges there).
//   - Equality (operator==, first_difference) compares floats bit for bit.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "host/ir/builtin_options.h"
#include "runtime/tensor.h"

namespace mote::ir {

constexpr int32_t kCustomCode = 32;  // BuiltinOperator CUSTOM

struct Quantization {
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int32_t quantized_dimension = 0;
  std::vector<float> min, max;

  static Quantization per_tensor(float scale, int64_t zero_point);
  // `zero_points` empty: all zero (symmetric weights).
  static Quantization per_channel(std::vector<float> scales, int32_t dimension, std::vector<int64_t> zero_points = {});
  bool empty() const { return scales.empty() && zero_points.empty() && min.empty() && max.empty() && quantized_dimension == 0; }
  bool quantized() const { return !scales.empty(); }
  bool operator==(const Quantization& o) const;
  bool operator!=(const Quantization& o) const { return !(*this == o); }
};

struct Tensor {
  std::string name;
  TensorType type = TensorType::kFloat32;
  std::vector<int32_t> shape;
  std::vector<int32_t> shape_signature;  // optional (-1 marks a dynamic dimension); empty = absent
  bool has_rank = false;                 // the schema's has_rank flag, kept as found
  Quantization quant;
  std::vector<uint8_t> data;             // constant bytes (little-endian); empty = not constant
  bool is_variable = false;

  bool is_constant() const { return !data.empty(); }
  int64_t elements() const;
  // elements x type size (0 for types without a fixed size).
  size_t byte_size() const;
  // Copies of the constant data as typed values, and back.
  template <typename T>
  std::vector<T> values() const {
    std::vector<T> v(data.size() / sizeof(T));
    for (size_t i = 0; i < v.size(); ++i) std::memcpy(&v[i], data.data() + i * sizeof(T), sizeof(T));
    return v;
  }
  template <typename T>
  void set_values(const std::vector<T>& v) {
    const uint8_t* p = reinterpret_cast<const uint8_t*>(v.data());
    data.assign(p, p + v.size() * sizeof(T));
  }
  bool operator==(const Tensor& o) const;
  bool operator!=(const Tensor& o) const { return !(*this == o); }
};

struct Op {
  int32_t code = 0;                  // BuiltinOperator (kCustomCode for custom ops)
  int32_t version = 1;
  std::string custom_code;           // custom ops only
  std::vector<int32_t> inputs;       // tensor indices; -1 = omitted optional input
  std::vector<int32_t> outputs;
  BuiltinOptions options;
  std::vector<uint8_t> custom_options;             // opaque bytes (FlexBuffers), kept as they are
  int8_t custom_options_format = 0;                // 0 = FLEXBUFFERS, the only format defined
  std::vector<uint8_t> mutating_variable_inputs;   // one 0/1 per input, or empty
  std::vector<int32_t> intermediates;              // tensor indices internal to the op

  // "CONV_2D", the custom code, or "BUILTIN_<code>" for codes without a name.
  std::string name() const;
  bool operator==(const Op& o) const;
  bool operator!=(const Op& o) const { return !(*this == o); }
};

// A named blob stored in the model's buffers (e.g. "min_runtime_version").
struct Metadata {
  std::string name;
  std::vector<uint8_t> data;
  bool operator==(const Metadata& o) const { return name == o.name && data == o.data; }
};

// A named tensor of a signature.
struct TensorMap {
  std::string name;
  int32_t tensor = 0;
  bool operator==(const TensorMap& o) const { return name == o.name && tensor == o.tensor; }
};

struct SignatureDef {
  std::string key;
  std::vector<TensorMap> inputs, outputs;
  bool operator==(const SignatureDef& o) const { return key == o.key && inputs == o.inputs && outputs == o.outputs; }
};

struct Graph {
  std::string description;   // the model's description string
  std::string name;          // the subgraph's name
  std::vector<Tensor> tensors;
  std::vector<Op> ops;       // execution order
  std::vector<int32_t> inputs, outputs;
  std::vector<Metadata> metadata;
  std::vector<SignatureDef> signatures;

  // --- building and editing ---------------------------------------------------------------------
  int32_t add_tensor(Tensor t);
  // Inserts `op` so it becomes ops[index] (index == ops.size() appends). Returns index.
  int insert_op(int index, Op op);
  int add_op(Op op) { return insert_op(static_cast<int>(ops.size()), std::move(op)); }
  // Removes ops[index]; tensors stay (see remove_unused_tensors).
  void remove_op(int index);
  // Every op input (from op `first_op` on) and graph output that reads `from` reads `to` instead.
  void replace_uses(int32_t from, int32_t to, int first_op = 0);
  // Drops tensors no op, graph input/output or signature refers to and renumbers the rest in their
  // current order. Returns old index -> new index (-1 for removed ones).
  std::vector<int32_t> remove_unused_tensors();

  // --- queries ------------------------------------------------------------------------------------
  // The op that writes `tensor`, or -1 (graph input, constant, or not written). The first, if
  // several do (check_topological_order reports that).
  int producer(int32_t tensor) const;
  // Ops that read `tensor`, in execution order, each once.
  std::vector<int> consumers(int32_t tensor) const;
  bool is_graph_input(int32_t tensor) const;
  bool is_graph_output(int32_t tensor) const;

  // --- checks -------------------------------------------------------------------------------------
  // Every index in range, constant sizes match shapes, per-channel scale counts match the
  // quantized dimension, zero point counts match scale counts. Throws HostError naming the first
  // problem.
  void validate() const;
  // True if ops can run in their current order: each input is a constant, a variable, a graph
  // input or written by an earlier op; no tensor is written twice; no constant or graph input is
  // written; every graph output is available at the end. Otherwise false and `problem` says why.
  bool check_topological_order(std::string* problem = nullptr) const;
  // An execution order (op indices) that satisfies the rules above, keeping the current order
  // where it already does (stable). Throws HostError on a cycle or a tensor nobody writes.
  std::vector<int> topological_order() const;
  // Reorders ops into topological_order().
  void sort_topologically();

  bool operator==(const Graph& o) const { return first_difference(*this, o).empty(); }
  bool operator!=(const Graph& o) const { return !(*this == o); }
  // "" if equal, else a sentence naming the first field that differs: "tensor 3 (conv/w): scale 1
  // is 0.5 vs 0.25".
  static std::string first_difference(const Graph& a, const Graph& b);
};

}  // namespace mote::ir
