// mote host IR — builtin operator options as typed fields.
//
// In a .tflite file an operator's options are a FlatBuffers table chosen by a union: the union
// index ("options type", e.g. 1 = Conv2DOptions) says which table, and each table has fields
// numbered 0, 1, 2... in schema order. The IR keeps exactly that: the options type plus a map
// from field id to a typed value, holding only the fields that were present in the file (absent
// fields take the schema default, so presence is preserved for an exact round trip).
//
//   BuiltinOptions o = BuiltinOptions::for_op(3);                  // CONV_2D: Conv2DOptions
//   o.set_int8(conv2d_opt::kPadding, static_cast<int8_t>(Padding::kValid));
//   o.set_int32(conv2d_opt::kStrideW, 2);
//   int32_t dw = o.get_int(conv2d_opt::kDilationW, 1);            // absent: default 1
//
// The types of every field of every table in the BuiltinOptions union (union indices 1..126,
// Conv2DOptions .. RightShiftOptions) are described in builtin_options.cc, so options of any
// builtin op — also ops mote does not run, such as SVDF or LSTM — are read and written losslessly.
// BuiltinOptions2 (StableHLO ops) is not described; the reader refuses ops that use it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mote::ir {

// The value types that occur in BuiltinOptions tables.
enum class FieldKind : uint8_t {
  kBool,           // bool (1 byte)
  kInt8,           // byte, and byte-sized enums: Padding, ActivationFunctionType, TensorType ...
  kInt32,          // int
  kUInt32,         // uint
  kInt64,          // long
  kFloat32,        // float
  kInt32Vector,    // [int]
  kFloat32Vector,  // [float]
  kString,         // string
};
const char* field_kind_name(FieldKind k);

struct OptionValue {
  FieldKind kind = FieldKind::kInt32;
  int64_t i = 0;                // integer kinds and kBool (0 or 1)
  float f = 0.0f;               // kFloat32
  std::vector<int32_t> ints;    // kInt32Vector
  std::vector<float> floats;    // kFloat32Vector
  std::string str;              // kString

  // Same kind and value; floats are compared bit for bit (so NaN equals itself, -0 != +0).
  bool operator==(const OptionValue& o) const;
  bool operator!=(const OptionValue& o) const { return !(*this == o); }
  // "3", "true", "0.5", "[1, 2]", "\"name\"".
  std::string to_string() const;
};

struct BuiltinOptions {
  uint8_t type = 0;                    // BuiltinOptions union index; 0 = the op has no options table
  std::map<int, OptionValue> fields;   // present fields by schema field id

  // An empty options table of the type that belongs to builtin op `code` (type 0 if none).
  static BuiltinOptions for_op(int32_t code);

  bool has(int id) const { return fields.count(id) != 0; }
  // Field `id` as an integer (bool/int8/int32/uint32/int64) or `dflt` if absent. A field of
  // another kind throws HostError.
  int64_t get_int(int id, int64_t dflt) const;
  bool get_bool(int id, bool dflt) const { return get_int(id, dflt ? 1 : 0) != 0; }
  float get_float(int id, float dflt) const;
  // nullptr if absent.
  const std::vector<int32_t>* get_ints(int id) const;

  // Setters check the kind against the schema of `type` (HostError on a mismatch or an id the
  // table does not have).
  void set_bool(int id, bool v);
  void set_int8(int id, int8_t v);
  void set_int32(int id, int32_t v);
  void set_uint32(int id, uint32_t v);
  void set_int64(int id, int64_t v);
  void set_float(int id, float v);
  void set_ints(int id, std::vector<int32_t> v);
  void set_floats(int id, std::vector<float> v);
  void set_string(int id, std::string v);
  void erase(int id) { fields.erase(id); }

  bool operator==(const BuiltinOptions& o) const { return type == o.type && fields == o.fields; }
  bool operator!=(const BuiltinOptions& o) const { return !(*this == o); }

 private:
  void set(int id, OptionValue v);
};

// --- the schema of the options tables ---------------------------------------------------------
constexpr uint8_t kNumOptionsTypes = 126;  // union indices 1..126
// "Conv2DOptions"; nullptr for 0 or an index mote does not know.
const char* options_type_name(uint8_t type);
// Number of fields of the table (field ids 0..n-1); -1 for an unknown type.
int options_field_count(uint8_t type);
// Kind of field `id` of table `type`; the caller checks id < options_field_count(type).
FieldKind options_field_kind(uint8_t type, int id);
// The options type that belongs to builtin op `code` (0: none, or not known to mote).
uint8_t options_type_for_op(int32_t code);

// --- union indices and field ids of the tables the runtime's ops read -------------------------
namespace options_type {
enum : uint8_t {
  kNone = 0, kConv2D = 1, kDepthwiseConv2D = 2, kPool2D = 5, kSVDF = 6, kFullyConnected = 8, kSoftmax = 9,
  kConcatenation = 10, kAdd = 11, kReshape = 17, kMul = 21, kPad = 22, kReducer = 27, kSub = 28, kSqueeze = 30,
  kStridedSlice = 32, kDequantize = 38, kTransposeConv = 49, kUnidirectionalSequenceLSTM = 71, kLeakyRelu = 75,
  kQuantize = 89,
};
}
namespace conv2d_opt {
enum : int { kPadding = 0, kStrideW = 1, kStrideH = 2, kActivation = 3, kDilationW = 4, kDilationH = 5, kQuantizedBiasType = 6 };
}
namespace depthwise_opt {
enum : int { kPadding = 0, kStrideW = 1, kStrideH = 2, kDepthMultiplier = 3, kActivation = 4, kDilationW = 5, kDilationH = 6 };
}
namespace pool2d_opt {
enum : int { kPadding = 0, kStrideW = 1, kStrideH = 2, kFilterW = 3, kFilterH = 4, kActivation = 5 };
}
namespace fully_connected_opt {
enum : int { kActivation = 0, kWeightsFormat = 1, kKeepNumDims = 2, kAsymmetricQuantizeInputs = 3, kQuantizedBiasType = 4 };
}
namespace softmax_opt { enum : int { kBeta = 0 }; }
namespace concatenation_opt { enum : int { kAxis = 0, kActivation = 1 }; }
// AddOptions and SubOptions share this layout; pot_scale_int16 defaults to true.
namespace add_opt { enum : int { kActivation = 0, kPotScaleInt16 = 1 }; }
namespace mul_opt { enum : int { kActivation = 0 }; }
namespace reshape_opt { enum : int { kNewShape = 0 }; }
namespace reducer_opt { enum : int { kKeepDims = 0 }; }
namespace strided_slice_opt {
enum : int { kBeginMask = 0, kEndMask = 1, kEllipsisMask = 2, kNewAxisMask = 3, kShrinkAxisMask = 4, kOffset = 5 };
}
namespace transpose_conv_opt {
enum : int { kPadding = 0, kStrideW = 1, kStrideH = 2, kActivation = 3, kQuantizedBiasType = 4 };
}
namespace leaky_relu_opt { enum : int { kAlpha = 0 }; }

}  // namespace mote::ir
