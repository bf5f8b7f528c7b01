// ModelBuilder — writes small .tflite models in memory, for tests.
//
// A hand-written FlatBuffers *writer* for the subset of the .tflite schema mote reads: Model,
// OperatorCode, SubGraph, Tensor (shape, type, buffer, name, quantization incl. per-channel,
// is_variable), Operator (inputs, outputs, builtin options) and Buffer. No flatc, no generated code:
// the bytes are laid out directly from the FlatBuffers binary format.
//
// Typical use — one CONV_2D with int8 activations and per-channel int8 weights:
//
//   using namespace mote;
//   using namespace mote::testing;
//   ModelBuilder b;
//   int in  = b.add_tensor(TensorType::kInt8, {1, 8, 8, 3}, Quant(0.5f, -1), "input");
//   int w   = b.add_const_i8({4, 3, 3, 3}, weights, Quant::per_channel(scales, 0), "w");
//   int bia = b.add_const_i32({4}, bias, Quant::per_channel(bias_scales, 0));
//   int out = b.add_tensor(TensorType::kInt8, {1, 8, 8, 4}, Quant(0.25f, 3));
//   b.add_op(BuiltinOp::CONV_2D, {in, w, bia}, {out},
//            Options::conv2d(Padding::kSame, /*stride_w=*/1, /*stride_h=*/1));
//   b.set_inputs({in});
//   b.set_outputs({out});
//   std::vector<uint8_t> bytes = b.finish();
//   AlignedModel m(bytes);                 // 16-byte aligned copy, as the loader wants
//   mote::Model model;  mote::Error err;
//   ASSERT_EQ(model.load(m.data(), m.size(), &err), Status::kOk) << err.message;
//
// What finish() produces:
//   - schema version 3 (set_version() to change), buffer 0 empty as every .tflite file has;
//   - one OperatorCode per distinct (code, version, custom name), deprecated_builtin_code =
//     min(code, 127) and builtin_code = code, as current converters write them;
//   - builtin_options_type chosen from the op (Conv2DOptions for CONV_2D ...) when options are
//     given; Options::type() overrides it, Options::none() writes an op without options;
//   - constant data 16-byte aligned inside the file (like the converter's force_align), so an
//     aligned copy of the bytes loads without alignment complaints.
// Every add_* returns the index of what it added (tensor index, op index, buffer index).
//
// Deliberately broken models, for robustness tests:
//   - anything expressible as a field value: any schema version, unknown op codes
//     (add_op_code(999, ...)), tensor indices out of range, negative or huge dims, buffer data of
//     the wrong size (add_const_raw), scale counts that do not match, a constant as an op output...;
//   - fields can be left out: TensorSpec::has_shape = false, Options with only some ids, etc.;
//   - structural damage: finish() returns plain bytes, and layout() tells where the root table,
//     each tensor / operator / operator-code table and each buffer's data ended up, so a test can
//     poke exactly the byte it wants (poke_u32 / poke_u16 helpers below).
//
// Not supported (mote does not read them): sparsity, signature defs, metadata, custom options,
// more than one subgraph.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runtime/op.h"
#include "runtime/tensor.h"

namespace mote::testing {

// Quantization parameters of one tensor. Default-constructed = no quantization table at all.
struct Quant {
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int32_t quantized_dimension = 0;
  std::vector<float> min, max;  // optional; written only when non-empty

  Quant() = default;
  // Per-tensor: one scale and one zero point.
  Quant(float scale, int64_t zero_point) : scales{scale}, zero_points{zero_point} {}
  // Per-channel along dimension `dim`; zero points default to all zero (int8 weights).
  static Quant per_channel(std::vector<float> scales, int32_t dim, std::vector<int64_t> zero_points = {});
  bool empty() const { return scales.empty() && zero_points.empty() && min.empty() && max.empty(); }
};
using quant = Quant;

// A builtin options table: arbitrary scalar fields by schema field id (0-based field order of the
// options table in the schema), plus int32 vectors. Unset fields are absent, so the schema default
// applies when the runtime reads them.
//
//   Options().i8(0, 1).i32(1, 2).i32(2, 2)      // Conv2DOptions: padding VALID, stride 2x2
//   Options::conv2d(Padding::kValid, 2, 2)      // the same, spelled out
class Options {
 public:
  Options() = default;

  Options& i8(int id, int8_t v) { return raw(id, &v, 1); }
  Options& u8(int id, uint8_t v) { return raw(id, &v, 1); }
  Options& boolean(int id, bool v) { return u8(id, v ? 1 : 0); }
  Options& i16(int id, int16_t v) { return raw(id, &v, 2); }
  Options& u16(int id, uint16_t v) { return raw(id, &v, 2); }
  Options& i32(int id, int32_t v) { return raw(id, &v, 4); }
  Options& u32(int id, uint32_t v) { return raw(id, &v, 4); }
  Options& f32(int id, float v) { return raw(id, &v, 4); }
  Options& i64(int id, int64_t v) { return raw(id, &v, 8); }
  Options& f64(int id, double v) { return raw(id, &v, 8); }
  // A [int] vector field (ReshapeOptions.new_shape, SqueezeOptions.squeeze_dims ...).
  Options& vec_i32(int id, std::vector<int32_t> v);
  // Any scalar of 1, 2, 4 or 8 bytes, copied as-is (little-endian host assumed).
  Options& raw(int id, const void* bytes, size_t size);

  // builtin_options_type to write (the BuiltinOptions union index, e.g. 1 = Conv2DOptions).
  // Without it the builder picks the type that belongs to the op.
  Options& type(uint8_t union_type) {
    type_ = union_type;
    has_type_ = true;
    return *this;
  }
  // An op with no options table at all (also what a default-constructed Options means).
  static Options none() { return Options(); }

  // Named helpers for the ops mote runs (field ids from the .tflite schema).
  static Options conv2d(Padding padding, int32_t stride_w, int32_t stride_h, Activation act = Activation::kNone,
                        int32_t dilation_w = 1, int32_t dilation_h = 1);
  static Options depthwise_conv2d(Padding padding, int32_t stride_w, int32_t stride_h, int32_t depth_multiplier,
                                  Activation act = Activation::kNone, int32_t dilation_w = 1, int32_t dilation_h = 1);
  static Options pool2d(Padding padding, int32_t stride_w, int32_t stride_h, int32_t filter_w, int32_t filter_h,
                        Activation act = Activation::kNone);
  static Options fully_connected(Activation act = Activation::kNone, bool keep_num_dims = false);
  static Options softmax(float beta);
  static Options concatenation(int32_t axis, Activation act = Activation::kNone);
  // ADD / SUB (pot_scale_int16 defaults to true in the schema; written only when false).
  static Options add(Activation act = Activation::kNone, bool pot_scale_int16 = true);
  static Options sub(Activation act = Activation::kNone, bool pot_scale_int16 = true) { return add(act, pot_scale_int16); }
  static Options mul(Activation act = Activation::kNone);
  static Options reshape(std::vector<int32_t> new_shape);
  static Options strided_slice(int32_t begin_mask, int32_t end_mask, int32_t ellipsis_mask = 0, int32_t new_axis_mask = 0,
                               int32_t shrink_axis_mask = 0, bool offset = false);
  static Options transpose_conv(Padding padding, int32_t stride_w, int32_t stride_h, Activation act = Activation::kNone);
  static Options leaky_relu(float alpha);
  static Options reducer(bool keep_dims);  // MEAN

  // Internal representation (read by ModelBuilder).
  struct Field {
    int id;
    std::vector<uint8_t> scalar;   // 1/2/4/8 bytes, or empty for a vector field
    std::vector<int32_t> vector;
    bool is_vector;
  };
  const std::vector<Field>& fields() const { return fields_; }
  bool has_type() const { return has_type_; }
  uint8_t type_value() const { return type_; }
  // A table is written when there is a field or an explicit type.
  bool empty() const { return fields_.empty() && !has_type_; }

 private:
  std::vector<Field> fields_;
  uint8_t type_ = 0;
  bool has_type_ = false;
};

// The BuiltinOptions union index that belongs to a builtin op code (0 = none / unknown).
uint8_t options_type_for(int32_t builtin_code);

// Everything written for one tensor. Reach it with ModelBuilder::tensor(i) to bend the rules.
struct TensorSpec {
  TensorType type = TensorType::kFloat32;
  int raw_type = -1;             // >= 0: this byte is written as the type instead of `type`
  std::vector<int32_t> shape;
  bool has_shape = true;         // false: no shape field (a scalar, per the schema)
  uint32_t buffer = 0;           // 0 = no data (activation)
  std::string name;
  bool has_name = true;
  Quant quant;
  bool is_variable = false;
  std::vector<int32_t> shape_signature;  // written when non-empty
};

// Where finish() put things (absolute byte positions in the returned bytes).
struct Layout {
  size_t root_table = 0;
  size_t version_field = 0;                // the uint32 schema version
  std::vector<size_t> operator_codes;      // OperatorCode tables
  std::vector<size_t> buffers;             // Buffer tables
  std::vector<size_t> buffer_data;         // first data byte of each buffer (0 if it has none)
  size_t subgraph = 0;                     // SubGraph 0 table
  std::vector<size_t> tensors;             // Tensor tables
  std::vector<size_t> operators;           // Operator tables
};

class ModelBuilder {
 public:
  ModelBuilder();

  // --- tensors ---------------------------------------------------------------------------------
  // An activation (no data).
  int add_tensor(TensorType type, std::vector<int32_t> shape, Quant q = {}, std::string name = "");
  // A constant with the given raw little-endian bytes (a new buffer is added for it). The byte
  // count is NOT checked against the shape — pass a wrong count to build a broken model.
  int add_const_raw(TensorType type, std::vector<int32_t> shape, std::vector<uint8_t> bytes, Quant q = {},
                    std::string name = "");
  int add_const_i8(std::vector<int32_t> shape, const std::vector<int8_t>& v, Quant q = {}, std::string name = "");
  int add_const_i16(std::vector<int32_t> shape, const std::vector<int16_t>& v, Quant q = {}, std::string name = "");
  int add_const_i32(std::vector<int32_t> shape, const std::vector<int32_t>& v, Quant q = {}, std::string name = "");
  int add_const_i64(std::vector<int32_t> shape, const std::vector<int64_t>& v, Quant q = {}, std::string name = "");
  int add_const_f32(std::vector<int32_t> shape, const std::vector<float>& v, Quant q = {}, std::string name = "");
  // A variable tensor (state kept across invokes, zeroed at prepare).
  int add_variable(TensorType type, std::vector<int32_t> shape, Quant q = {}, std::string name = "");
  // Mutable access to a tensor already added (set .buffer, .raw_type, .has_shape ...).
  TensorSpec& tensor(int index) { return tensors_.at(static_cast<size_t>(index)); }
  int num_tensors() const { return static_cast<int>(tensors_.size()); }

  // --- buffers ---------------------------------------------------------------------------------
  // Adds a Buffer holding `data` (an empty vector gives an empty Buffer table). Returns its index.
  int add_buffer(std::vector<uint8_t> data);
  int num_buffers() const { return static_cast<int>(buffers_.size()); }

  // --- operators -------------------------------------------------------------------------------
  // Appends an operator (execution order = call order). Input index -1 = omitted optional input.
  int add_op(BuiltinOp op, std::vector<int32_t> inputs, std::vector<int32_t> outputs, Options options = {},
             int32_t version = 1);
  // Any builtin code, including ones the schema does not define (for robustness tests).
  int add_op_code(int32_t builtin_code, std::vector<int32_t> inputs, std::vector<int32_t> outputs, Options options = {},
                  int32_t version = 1);
  // A CUSTOM op (code 32) with the given custom_code string.
  int add_custom_op(const std::string& custom_code, std::vector<int32_t> inputs, std::vector<int32_t> outputs);
  int num_ops() const { return static_cast<int>(ops_.size()); }

  // --- graph and model -------------------------------------------------------------------------
  void set_inputs(std::vector<int32_t> inputs) { inputs_ = std::move(inputs); }
  void set_outputs(std::vector<int32_t> outputs) { outputs_ = std::move(outputs); }
  void set_version(uint32_t v) { version_ = v; }
  void set_description(std::string d) { description_ = std::move(d); }
  void set_subgraph_name(std::string n) { subgraph_name_ = std::move(n); }

  // Serializes the model. Can be called again after further changes.
  std::vector<uint8_t> finish();
  // Positions from the last finish().
  const Layout& layout() const { return layout_; }

 private:
  struct OpCode {
    int32_t code;
    int32_t version;
    std::string custom;
    bool operator==(const OpCode& o) const { return code == o.code && version == o.version && custom == o.custom; }
  };
  struct OpSpec {
    uint32_t opcode_index;
    int32_t builtin_code;
    std::vector<int32_t> inputs, outputs;
    Options options;
  };
  uint32_t opcode_index(const OpCode& oc);
  template <typename T>
  int add_const_typed(TensorType type, std::vector<int32_t> shape, const std::vector<T>& v, Quant q, std::string name) {
    std::vector<uint8_t> bytes(v.size() * sizeof(T));
    if (!v.empty()) std::memcpy(bytes.data(), v.data(), bytes.size());
    return add_const_raw(type, std::move(shape), std::move(bytes), std::move(q), std::move(name));
  }

  uint32_t version_ = 3;
  std::string description_ = "mote test model";
  std::string subgraph_name_ = "main";
  std::vector<TensorSpec> tensors_;
  std::vector<std::vector<uint8_t>> buffers_;
  std::vector<OpCode> opcodes_;
  std::vector<OpSpec> ops_;
  std::vector<int32_t> inputs_, outputs_;
  Layout layout_;
};

// Byte pokes for structural damage (little-endian).
void poke_u32(std::vector<uint8_t>* bytes, size_t pos, uint32_t v);
void poke_u16(std::vector<uint8_t>* bytes, size_t pos, uint16_t v);
uint32_t peek_u32(const std::vector<uint8_t>& bytes, size_t pos);

// A copy of model bytes at a chosen alignment: offset 0 from a 16-byte boundary by default, or
// deliberately misaligned with `misalign` bytes.
class AlignedModel {
 public:
  explicit AlignedModel(const std::vector<uint8_t>& bytes, size_t misalign = 0);
  const uint8_t* data() const { return data_; }
  uint8_t* mutable_data() { return data_; }
  size_t size() const { return size_; }

 private:
  std::unique_ptr<uint8_t[]> storage_;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace mote::testing
