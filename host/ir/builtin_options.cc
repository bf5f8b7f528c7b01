#include "host/ir/builtin_options.h"

#include <cstring>
#include <sstream>

#include "host/error.h"

namespace mote::ir {

namespace {

// One entry per table of the BuiltinOptions union, in union order (entry k has union index k+1).
// `fields` spells the kind of each field, field id 0 first:
//   b bool   c byte / byte enum   i int   u uint   l long   f float   I [int]   F [float]   s string
struct TableSchema {
  const char* name;
  const char* fields;
};

constexpr TableSchema kTables[kNumOptionsTypes] = {
    {"Conv2DOptions", "ciiciic"},
    {"DepthwiseConv2DOptions", "ciiicii"},
    {"ConcatEmbeddingsOptions", "iII"},
    {"LSHProjectionOptions", "c"},
    {"Pool2DOptions", "ciiiic"},
    {"SVDFOptions", "icb"},
    {"RNNOptions", "cb"},
    {"FullyConnectedOptions", "ccbbc"},
    {"SoftmaxOptions", "f"},
    {"ConcatenationOptions", "ic"},
    {"AddOptions", "cb"},
    {"L2NormOptions", "c"},
    {"LocalResponseNormalizationOptions", "ifff"},
    {"LSTMOptions", "cffcb"},
    {"ResizeBilinearOptions", "iibb"},
    {"CallOptions", "u"},
    {"ReshapeOptions", "I"},
    {"SkipGramOptions", "iib"},
    {"SpaceToDepthOptions", "i"},
    {"EmbeddingLookupSparseOptions", "c"},
    {"MulOptions", "c"},
    {"PadOptions", ""},
    {"GatherOptions", "ii"},
    {"BatchToSpaceNDOptions", ""},
    {"SpaceToBatchNDOptions", ""},
    {"TransposeOptions", ""},
    {"ReducerOptions", "b"},
    {"SubOptions", "cb"},
    {"DivOptions", "c"},
    {"SqueezeOptions", "I"},
    {"SequenceRNNOptions", "bcb"},
    {"StridedSliceOptions", "iiiiib"},
    {"ExpOptions", ""},
    {"TopKV2Options", ""},
    {"SplitOptions", "i"},
    {"LogSoftmaxOptions", ""},
    {"CastOptions", "cc"},
    {"DequantizeOptions", ""},
    {"MaximumMinimumOptions", ""},
    {"ArgMaxOptions", "c"},
    {"LessOptions", ""},
    {"NegOptions", ""},
    {"PadV2Options", ""},
    {"GreaterOptions", ""},
    {"GreaterEqualOptions", ""},
    {"LessEqualOptions", ""},
    {"SelectOptions", ""},
    {"SliceOptions", ""},
    {"TransposeConvOptions", "ciicc"},
    {"SparseToDenseOptions", "b"},
    {"TileOptions", ""},
    {"ExpandDimsOptions", ""},
    {"EqualOptions", ""},
    {"NotEqualOptions", ""},
    {"ShapeOptions", "c"},
    {"PowOptions", ""},
    {"ArgMinOptions", "c"},
    {"FakeQuantOptions", "ffib"},
    {"PackOptions", "ii"},
    {"LogicalOrOptions", ""},
    {"OneHotOptions", "i"},
    {"LogicalAndOptions", ""},
    {"LogicalNotOptions", ""},
    {"UnpackOptions", "ii"},
    {"FloorDivOptions", ""},
    {"SquareOptions", ""},
    {"ZerosLikeOptions", ""},
    {"FillOptions", ""},
    {"BidirectionalSequenceLSTMOptions", "cffbbb"},
    {"BidirectionalSequenceRNNOptions", "bcbb"},
    {"UnidirectionalSequenceLSTMOptions", "cffbbb"},
    {"FloorModOptions", ""},
    {"RangeOptions", ""},
    {"ResizeNearestNeighborOptions", "bb"},
    {"LeakyReluOptions", "f"},
    {"SquaredDifferenceOptions", ""},
    {"MirrorPadOptions", "c"},
    {"AbsOptions", ""},
    {"SplitVOptions", "i"},
    {"UniqueOptions", "c"},
    {"ReverseV2Options", ""},
    {"AddNOptions", ""},
    {"GatherNdOptions", ""},
    {"CosOptions", ""},
    {"WhereOptions", ""},
    {"RankOptions", ""},
    {"ReverseSequenceOptions", "ii"},
    {"MatrixDiagOptions", ""},
    {"QuantizeOptions", ""},
    {"MatrixSetDiagOptions", ""},
    {"HardSwishOptions", ""},
    {"IfOptions", "ii"},
    {"WhileOptions", "ii"},
    {"DepthToSpaceOptions", "i"},
    {"NonMaxSuppressionV4Options", ""},
    {"NonMaxSuppressionV5Options", ""},
    {"ScatterNdOptions", ""},
    {"SelectV2Options", ""},
    {"DensifyOptions", ""},
    {"SegmentSumOptions", ""},
    {"BatchMatMulOptions", "bbb"},
    {"CumsumOptions", "bb"},
    {"CallOnceOptions", "i"},
    {"BroadcastToOptions", ""},
    {"Rfft2dOptions", ""},
    {"Conv3DOptions", "ciiiciii"},
    {"HashtableOptions", "icc"},
    {"HashtableFindOptions", ""},
    {"HashtableImportOptions", ""},
    {"HashtableSizeOptions", ""},
    {"VarHandleOptions", "ss"},
    {"ReadVariableOptions", ""},
    {"AssignVariableOptions", ""},
    {"RandomOptions", "ll"},
    {"BucketizeOptions", "F"},
    {"GeluOptions", "b"},
    {"DynamicUpdateSliceOptions", ""},
    {"UnsortedSegmentProdOptions", ""},
    {"UnsortedSegmentMaxOptions", ""},
    {"UnsortedSegmentMinOptions", ""},
    {"UnsortedSegmentSumOptions", ""},
    {"ATan2Options", ""},
    {"SignOptions", ""},
    {"BitcastOptions", ""},
    {"BitwiseXorOptions", ""},
    {"RightShiftOptions", ""},
};

// Builtin op code -> its options table, for ops whose options tables tools create.
struct OpOptions {
  int32_t code;
  uint8_t type;
};
constexpr OpOptions kOpOptions[] = {
    {0, options_type::kAdd},            {1, options_type::kPool2D},
    {2, options_type::kConcatenation},  {3, options_type::kConv2D},
    {4, options_type::kDepthwiseConv2D}, {6, options_type::kDequantize},
    {9, options_type::kFullyConnected}, {12, options_type::kPool2D},
    {17, options_type::kPool2D},        {18, options_type::kMul},
    {22, options_type::kReshape},       {25, options_type::kSoftmax},
    {27, options_type::kSVDF},          {34, options_type::kPad},
    {36, 23 /* GatherOptions */},       {39, 26 /* TransposeOptions */},
    {40, options_type::kReducer},       {41, options_type::kSub},
    {42, 29 /* DivOptions */},          {43, options_type::kSqueeze},
    {44, options_type::kUnidirectionalSequenceLSTM},
    {45, options_type::kStridedSlice},  {49, 35 /* SplitOptions */},
    {60, 43 /* PadV2Options */},        {67, options_type::kTransposeConv},
    {74, options_type::kReducer},       {82, options_type::kReducer},
    {83, 59 /* PackOptions */},         {88, 64 /* UnpackOptions */},
    {98, options_type::kLeakyRelu},     {114, options_type::kQuantize},
    {117, 91 /* HardSwishOptions */},   {126, 101 /* BatchMatMulOptions */},
};

FieldKind kind_of(char c) {
  switch (c) {
    case 'b': return FieldKind::kBool;
    case 'c': return FieldKind::kInt8;
    case 'i': return FieldKind::kInt32;
    case 'u': return FieldKind::kUInt32;
    case 'l': return FieldKind::kInt64;
    case 'f': return FieldKind::kFloat32;
    case 'I': return FieldKind::kInt32Vector;
    case 'F': return FieldKind::kFloat32Vector;
    default: return FieldKind::kString;
  }
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof(float)) == 0; }

bool is_integer(FieldKind k) {
  return k == FieldKind::kBool || k == FieldKind::kInt8 || k == FieldKind::kInt32 || k == FieldKind::kUInt32 ||
         k == FieldKind::kInt64;
}

OptionValue int_value(FieldKind k, int64_t v) {
  OptionValue o;
  o.kind = k;
  o.i = v;
  return o;
}

std::string describe(uint8_t type, int id) {
  const char* n = options_type_name(type);
  return std::string(n ? n : "options type " + std::to_string(type)) + " field " + std::to_string(id);
}

}  // namespace

const char* field_kind_name(FieldKind k) {
  switch (k) {
    case FieldKind::kBool: return "bool";
    case FieldKind::kInt8: return "byte";
    case FieldKind::kInt32: return "int";
    case FieldKind::kUInt32: return "uint";
    case FieldKind::kInt64: return "long";
    case FieldKind::kFloat32: return "float";
    case FieldKind::kInt32Vector: return "[int]";
    case FieldKind::kFloat32Vector: return "[float]";
    case FieldKind::kString: return "string";
  }
  return "?";
}

bool OptionValue::operator==(const OptionValue& o) const {
  if (kind != o.kind) return false;
  switch (kind) {
    case FieldKind::kFloat32: return same_bits(f, o.f);
    case FieldKind::kInt32Vector: return ints == o.ints;
    case FieldKind::kFloat32Vector:
      if (floats.size() != o.floats.size()) return false;
      for (size_t k = 0; k < floats.size(); ++k)
        if (!same_bits(floats[k], o.floats[k])) return false;
      return true;
    case FieldKind::kString: return str == o.str;
    default: return i == o.i;
  }
}

std::string OptionValue::to_string() const {
  std::ostringstream s;
  switch (kind) {
    case FieldKind::kBool: s << (i ? "true" : "false"); break;
    case FieldKind::kFloat32: s << f; break;
    case FieldKind::kInt32Vector:
    case FieldKind::kFloat32Vector: {
      s << '[';
      const size_t n = kind == FieldKind::kInt32Vector ? ints.size() : floats.size();
      for (size_t k = 0; k < n; ++k) {
        if (k) s << ", ";
        if (kind == FieldKind::kInt32Vector) s << ints[k];
        else s << floats[k];
      }
      s << ']';
      break;
    }
    case FieldKind::kString: s << '"' << str << '"'; break;
    default: s << i;
  }
  return s.str();
}

const char* options_type_name(uint8_t type) {
  if (type == 0 || type > kNumOptionsTypes) return nullptr;
  return kTables[type - 1].name;
}

int options_field_count(uint8_t type) {
  if (type == 0 || type > kNumOptionsTypes) return -1;
  return static_cast<int>(std::strlen(kTables[type - 1].fields));
}

FieldKind options_field_kind(uint8_t type, int id) { return kind_of(kTables[type - 1].fields[id]); }

uint8_t options_type_for_op(int32_t code) {
  for (const OpOptions& o : kOpOptions)
    if (o.code == code) return o.type;
  return 0;
}

BuiltinOptions BuiltinOptions::for_op(int32_t code) {
  BuiltinOptions o;
  o.type = options_type_for_op(code);
  return o;
}

int64_t BuiltinOptions::get_int(int id, int64_t dflt) const {
  auto it = fields.find(id);
  if (it == fields.end()) return dflt;
  if (!is_integer(it->second.kind))
    throw host::HostError(describe(type, id) + " is " + field_kind_name(it->second.kind) + ", not an integer");
  return it->second.i;
}

float BuiltinOptions::get_float(int id, float dflt) const {
  auto it = fields.find(id);
  if (it == fields.end()) return dflt;
  if (it->second.kind != FieldKind::kFloat32)
    throw host::HostError(describe(type, id) + " is " + field_kind_name(it->second.kind) + ", not a float");
  return it->second.f;
}

const std::vector<int32_t>* BuiltinOptions::get_ints(int id) const {
  auto it = fields.find(id);
  if (it == fields.end()) return nullptr;
  if (it->second.kind != FieldKind::kInt32Vector)
    throw host::HostError(describe(type, id) + " is " + field_kind_name(it->second.kind) + ", not [int]");
  return &it->second.ints;
}

void BuiltinOptions::set(int id, OptionValue v) {
  const int n = options_field_count(type);
  if (n < 0) throw host::HostError("cannot set field " + std::to_string(id) + " of unknown options type " + std::to_string(type));
  if (id < 0 || id >= n)
    throw host::HostError(describe(type, id) + " does not exist (the table has " + std::to_string(n) + " fields)");
  const FieldKind want = options_field_kind(type, id);
  if (want != v.kind)
    throw host::HostError(describe(type, id) + " is " + field_kind_name(want) + ", not " + field_kind_name(v.kind));
  fields[id] = std::move(v);
}

void BuiltinOptions::set_bool(int id, bool v) { set(id, int_value(FieldKind::kBool, v ? 1 : 0)); }
void BuiltinOptions::set_int8(int id, int8_t v) { set(id, int_value(FieldKind::kInt8, v)); }
void BuiltinOptions::set_int32(int id, int32_t v) { set(id, int_value(FieldKind::kInt32, v)); }
void BuiltinOptions::set_uint32(int id, uint32_t v) { set(id, int_value(FieldKind::kUInt32, v)); }
void BuiltinOptions::set_int64(int id, int64_t v) { set(id, int_value(FieldKind::kInt64, v)); }

void BuiltinOptions::set_float(int id, float v) {
  OptionValue o;
  o.kind = FieldKind::kFloat32;
  o.f = v;
  set(id, std::move(o));
}

void BuiltinOptions::set_ints(int id, std::vector<int32_t> v) {
  OptionValue o;
  o.kind = FieldKind::kInt32Vector;
  o.ints = std::move(v);
  set(id, std::move(o));
}

void BuiltinOptions::set_floats(int id, std::vector<float> v) {
  OptionValue o;
  o.kind = FieldKind::kFloat32Vector;
  o.floats = std::move(v);
  set(id, std::move(o));
}

void BuiltinOptions::set_string(int id, std::string v) {
  OptionValue o;
  o.kind = FieldKind::kString;
  o.str = std::move(v);
  set(id, std::move(o));
}

}  // namespace mote::ir
