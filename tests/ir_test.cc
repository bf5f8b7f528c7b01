// Host model IR (host/ir/): the FlatBuffers builder, the builtin options schema, the .tflite writer's
// format rules (TFL3, schema 3, buffer 0 empty, 16-byte aligned constants, both op code fields,
// shared identical buffers, options presence kept), the reader's refusals, the graph editing and
// ordering helpers, and a hand-built model that runs in mote with the values computed by hand —
// before and after editing its graph.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "host/error.h"
#include "host/ir/flatbuffer_builder.h"
#include "host/ir/graph.h"
#include "host/ir/tflite_reader.h"
#include "host/ir/tflite_writer.h"
#include "runtime/flatbuf.h"
#include "runtime/model.h"
#include "tests/support/model_builder.h"
#include "tests/support/run_model.h"

namespace mote {
namespace {

using host::HostError;
using ir::BuiltinOptions;
using ir::FieldKind;
using ir::FlatBufferBuilder;
using ir::Graph;
using ir::Op;
using ir::Quantization;
using ir::Tensor;
using testing::AlignedModel;

// Expects `f` to throw HostError with `part` in its message.
template <typename F>
void expect_error(F f, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "no HostError; expected one mentioning \"" << part << "\"";
  } catch (const HostError& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << "message: " << e.what();
  }
}

template <typename T>
std::vector<T> elements(const fb::Vector& v) {
  std::vector<T> out;
  for (uint32_t i = 0; i < v.count; ++i) out.push_back(v.at<T>(i));
  return out;
}

Op make_op(int32_t code, std::vector<int32_t> inputs, std::vector<int32_t> outputs, int32_t version = 1) {
  Op op;
  op.code = code;
  op.version = version;
  op.inputs = std::move(inputs);
  op.outputs = std::move(outputs);
  op.options = BuiltinOptions::for_op(code);
  return op;
}

// ---------------------------------------------------------------------------------------------
// FlatBufferBuilder

TEST(FlatBufferBuilder, TableFieldsReadBackWithTheRuntimeReader) {
  FlatBufferBuilder b;
  const auto name = b.create_string("conv");
  const std::vector<int32_t> dims = {1, -2, 3};
  const auto vec = b.create_vector(dims);
  b.start_table();
  b.add_scalar<int32_t>(0, 7);
  const auto child = b.end_table();
  b.start_table();
  b.add_scalar<int32_t>(0, -123456);
  b.add_scalar<uint8_t>(1, 200);
  b.add_scalar<int64_t>(2, int64_t{1} << 40);
  b.add_offset(3, name);
  b.add_scalar<float>(4, 0.375f);
  b.add_offset(5, vec);
  b.add_offset(6, child);
  const std::vector<uint8_t> bytes = b.finish(b.end_table(), "TEST");

  ASSERT_EQ(bytes.size() % 8, 0u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data()) + 4, 4), "TEST");
  AlignedModel m(bytes);
  fb::Problem p;
  ASSERT_TRUE(fb::check_table(m.data(), m.size(), fb::load<uint32_t>(m.data()), &p)) << p.what;
  const fb::Table t = fb::Table::root(m.data(), m.size());
  EXPECT_EQ(t.scalar<int32_t>(0, 0), -123456);
  EXPECT_EQ(t.scalar<uint8_t>(1, 0), 200);
  EXPECT_EQ(t.scalar<int64_t>(2, 0), int64_t{1} << 40);
  uint32_t len = 0;
  ASSERT_NE(t.string(3, &len), nullptr);
  EXPECT_EQ(std::string(t.string(3, nullptr), len), "conv");
  EXPECT_EQ(t.scalar<float>(4, 0.0f), 0.375f);
  EXPECT_EQ(elements<int32_t>(t.vector(5, 4)), dims);
  EXPECT_EQ(t.table(6).scalar<int32_t>(0, 0), 7);
  EXPECT_EQ(t.field_offset(7), 0u);  // never added: absent
  // Scalars sit at their natural alignment inside the table.
  EXPECT_EQ((t.position() + t.field_offset(2)) % 8, 0u);
}

TEST(FlatBufferBuilder, VectorsAlignedFromTheStartOfTheFile) {
  FlatBufferBuilder b;
  std::vector<uint32_t> refs;
  for (int i = 0; i < 6; ++i) {
    b.create_string(std::string(static_cast<size_t>(i * 3 + 1), 'x'));  // odd sizes push things around
    refs.push_back(b.create_vector(std::vector<uint8_t>(static_cast<size_t>(i + 5), 1), 16));
    refs.push_back(b.create_vector(std::vector<int64_t>(static_cast<size_t>(i + 1), -1)));
  }
  const auto list = b.create_offset_vector(refs);
  b.start_table();
  b.add_offset(0, list);
  const std::vector<uint8_t> bytes = b.finish(b.end_table(), "TFL3");
  ASSERT_EQ(bytes.size() % 16, 0u);
  AlignedModel m(bytes);
  const fb::Table t = fb::Table::root(m.data(), m.size());
  const fb::Vector v = t.vector(0, 4);
  ASSERT_EQ(v.count, 12u);
  for (uint32_t i = 0; i < v.count; ++i) {
    const size_t elem = static_cast<size_t>(v.data - m.data()) + 4 * i;
    const size_t target = elem + fb::load<uint32_t>(v.data + 4 * i);
    const size_t first_element = target + 4;
    EXPECT_EQ(first_element % (i % 2 == 0 ? 16 : 8), 0u) << "vector " << i;
    EXPECT_EQ(fb::load<uint32_t>(m.data() + target), i % 2 == 0 ? i / 2 + 5 : i / 2 + 1);
  }
}

TEST(FlatBufferBuilder, IdenticalVtablesAreSharedAndOutputIsDeterministic) {
  auto build = [](bool second_differs) {
    FlatBufferBuilder b;
    std::vector<uint32_t> tables;
    for (int i = 0; i < 3; ++i) {
      b.start_table();
      b.add_scalar<int32_t>(1, i);
      if (second_differs && i == 1) b.add_scalar<int32_t>(2, 5);
      tables.push_back(b.end_table());
    }
    const auto list = b.create_offset_vector(tables);
    b.start_table();
    b.add_offset(0, list);
    return b.finish(b.end_table(), "TEST");
  };
  const std::vector<uint8_t> a = build(false);
  EXPECT_TRUE(a == build(false));
  AlignedModel m(a);
  const fb::Table root = fb::Table::root(m.data(), m.size());
  const fb::Vector v = root.vector(0, 4);
  std::vector<int64_t> vtables;
  for (uint32_t i = 0; i < 3; ++i) {
    const fb::Table t = root.table_at(v, i);
    ASSERT_TRUE(t.present());
    fb::Problem p;
    EXPECT_TRUE(fb::check_table(m.data(), m.size(), t.position(), &p)) << p.what;  // negative soffsets too
    EXPECT_EQ(t.scalar<int32_t>(1, -1), static_cast<int32_t>(i));
    vtables.push_back(static_cast<int64_t>(t.position()) - fb::load<int32_t>(m.data() + t.position()));
  }
  EXPECT_EQ(vtables[0], vtables[1]);
  EXPECT_EQ(vtables[1], vtables[2]);
  EXPECT_GT(build(true).size(), a.size());  // a different layout needs its own vtable
}

TEST(FlatBufferBuilder, MisuseThrows) {
  FlatBufferBuilder b;
  b.start_table();
  expect_error([&] { b.create_string("x"); }, "inside a table");
  b.add_scalar<int32_t>(0, 1);
  expect_error([&] { b.add_scalar<int32_t>(0, 2); }, "added twice");
  b.end_table();
  expect_error([&] { b.end_table(); }, "without start_table");
}

// ---------------------------------------------------------------------------------------------
// Builtin options schema

TEST(BuiltinOptions, UnionIndicesMatchTableNames) {
  namespace t = ir::options_type;
  const std::pair<uint8_t, const char*> expect[] = {
      {t::kConv2D, "Conv2DOptions"}, {t::kDepthwiseConv2D, "DepthwiseConv2DOptions"}, {t::kPool2D, "Pool2DOptions"},
      {t::kSVDF, "SVDFOptions"}, {t::kFullyConnected, "FullyConnectedOptions"}, {t::kSoftmax, "SoftmaxOptions"},
      {t::kConcatenation, "ConcatenationOptions"}, {t::kAdd, "AddOptions"}, {t::kReshape, "ReshapeOptions"},
      {t::kMul, "MulOptions"}, {t::kPad, "PadOptions"}, {t::kReducer, "ReducerOptions"}, {t::kSub, "SubOptions"},
      {t::kSqueeze, "SqueezeOptions"}, {t::kStridedSlice, "StridedSliceOptions"}, {t::kDequantize, "DequantizeOptions"},
      {t::kTransposeConv, "TransposeConvOptions"}, {t::kUnidirectionalSequenceLSTM, "UnidirectionalSequenceLSTMOptions"},
      {t::kLeakyRelu, "LeakyReluOptions"}, {t::kQuantize, "QuantizeOptions"}, {126, "RightShiftOptions"},
      {115, "BucketizeOptions"}, {111, "VarHandleOptions"}, {114, "RandomOptions"}};
  for (const auto& [type, name] : expect) EXPECT_STREQ(ir::options_type_name(type), name) << int(type);
  EXPECT_EQ(ir::options_type_name(0), nullptr);
  EXPECT_EQ(ir::options_type_name(127), nullptr);
  EXPECT_EQ(ir::options_field_count(127), -1);
}

TEST(BuiltinOptions, FieldKindsOfTablesTheRuntimeReads) {
  namespace t = ir::options_type;
  ASSERT_EQ(ir::options_field_count(t::kConv2D), 7);
  const FieldKind conv[] = {FieldKind::kInt8, FieldKind::kInt32, FieldKind::kInt32, FieldKind::kInt8,
                            FieldKind::kInt32, FieldKind::kInt32, FieldKind::kInt8};
  for (int id = 0; id < 7; ++id) EXPECT_EQ(ir::options_field_kind(t::kConv2D, id), conv[id]) << id;
  EXPECT_EQ(ir::options_field_count(t::kDepthwiseConv2D), 7);
  EXPECT_EQ(ir::options_field_kind(t::kDepthwiseConv2D, ir::depthwise_opt::kDepthMultiplier), FieldKind::kInt32);
  EXPECT_EQ(ir::options_field_count(t::kFullyConnected), 5);
  EXPECT_EQ(ir::options_field_kind(t::kFullyConnected, ir::fully_connected_opt::kKeepNumDims), FieldKind::kBool);
  EXPECT_EQ(ir::options_field_kind(t::kSoftmax, ir::softmax_opt::kBeta), FieldKind::kFloat32);
  EXPECT_EQ(ir::options_field_kind(t::kReshape, ir::reshape_opt::kNewShape), FieldKind::kInt32Vector);
  EXPECT_EQ(ir::options_field_count(t::kStridedSlice), 6);
  EXPECT_EQ(ir::options_field_kind(t::kStridedSlice, ir::strided_slice_opt::kOffset), FieldKind::kBool);
  EXPECT_EQ(ir::options_field_count(t::kTransposeConv), 5);
  EXPECT_EQ(ir::options_field_kind(t::kAdd, ir::add_opt::kPotScaleInt16), FieldKind::kBool);
  EXPECT_EQ(ir::options_field_count(t::kQuantize), 0);
  EXPECT_EQ(ir::options_field_kind(115, 0), FieldKind::kFloat32Vector);
  EXPECT_EQ(ir::options_field_kind(111, 1), FieldKind::kString);
  EXPECT_EQ(ir::options_field_kind(114, 0), FieldKind::kInt64);
  EXPECT_EQ(ir::options_field_kind(16, 0), FieldKind::kUInt32);  // CallOptions.subgraph
}

TEST(BuiltinOptions, OptionsTypeOfEachOpAgreesWithTheTestModelBuilder) {
  int checked = 0;
  for (int32_t code = 0; code <= 209; ++code) {
    const uint8_t want = testing::options_type_for(code);
    if (want == 0) continue;
    EXPECT_EQ(ir::options_type_for_op(code), want) << builtin_op_name(code);
    ++checked;
  }
  EXPECT_GE(checked, 18);
  EXPECT_EQ(ir::options_type_for_op(14), 0);  // LOGISTIC has no options
  EXPECT_EQ(BuiltinOptions::for_op(3).type, ir::options_type::kConv2D);
}

TEST(BuiltinOptions, TypedAccessAndKindChecks) {
  BuiltinOptions o = BuiltinOptions::for_op(3);  // CONV_2D
  EXPECT_EQ(o.get_int(ir::conv2d_opt::kDilationW, 1), 1);  // absent: the caller's default
  o.set_int8(ir::conv2d_opt::kPadding, static_cast<int8_t>(Padding::kValid));
  o.set_int32(ir::conv2d_opt::kStrideW, 2);
  EXPECT_EQ(o.get_int(ir::conv2d_opt::kPadding, 0), 1);
  EXPECT_EQ(o.get_int(ir::conv2d_opt::kStrideW, 1), 2);
  EXPECT_TRUE(o.has(ir::conv2d_opt::kStrideW));
  o.erase(ir::conv2d_opt::kStrideW);
  EXPECT_FALSE(o.has(ir::conv2d_opt::kStrideW));
  expect_error([&] { o.set_int32(ir::conv2d_opt::kPadding, 1); }, "Conv2DOptions field 0 is byte, not int");
  expect_error([&] { o.set_int32(7, 1); }, "does not exist");
  expect_error([&] { o.get_float(ir::conv2d_opt::kPadding, 0.0f); }, "not a float");
  BuiltinOptions none;
  expect_error([&] { none.set_bool(0, true); }, "unknown options type 0");
  BuiltinOptions r = BuiltinOptions::for_op(22);  // RESHAPE
  r.set_ints(ir::reshape_opt::kNewShape, {1, -1});
  ASSERT_NE(r.get_ints(ir::reshape_opt::kNewShape), nullptr);
  EXPECT_EQ(*r.get_ints(ir::reshape_opt::kNewShape), (std::vector<int32_t>{1, -1}));
  EXPECT_EQ(r.fields.at(0).to_string(), "[1, -1]");
}

// ---------------------------------------------------------------------------------------------
// A runnable model built from scratch: FULLY_CONNECTED int8, per-channel weights, fused RELU.
//
//   x (int8 [1,4], scale 0.5, zp -1) -> FC(w int8 [3,4] scales {0.5, 0.25, 1}, bias int32 [3])
//   -> y (int8 [1,3], scale 0.25, zp 2)
// Effective multipliers in*w/out are 1, 0.5 and 2, so every result is exact (no rounding ties).

const std::vector<int8_t> kX = {3, -5, 10, 0};
const std::vector<int8_t> kW = {1, 2, 3, -4, 5, 1, 2, 0, -3, 4, -2, 1};
const std::vector<int32_t> kBias = {10, 6, 20};

Graph fc_graph() {
  Graph g;
  g.description = "ir_test fully connected";
  g.name = "main";
  Tensor x{"x", TensorType::kInt8, {1, 4}, {}, false, Quantization::per_tensor(0.5f, -1), {}, false};
  Tensor w{"w", TensorType::kInt8, {3, 4}, {}, false, Quantization::per_channel({0.5f, 0.25f, 1.0f}, 0), {}, false};
  w.set_values(kW);
  Tensor b{"b", TensorType::kInt32, {3}, {}, false, Quantization::per_channel({0.25f, 0.125f, 0.5f}, 0), {}, false};
  b.set_values(kBias);
  Tensor y{"y", TensorType::kInt8, {1, 3}, {}, false, Quantization::per_tensor(0.25f, 2), {}, false};
  const int32_t xi = g.add_tensor(x), wi = g.add_tensor(w), bi = g.add_tensor(b), yi = g.add_tensor(y);
  Op fc = make_op(static_cast<int32_t>(BuiltinOp::FULLY_CONNECTED), {xi, wi, bi}, {yi});
  fc.options.set_int8(ir::fully_connected_opt::kActivation, static_cast<int8_t>(Activation::kRelu));
  g.add_op(fc);
  g.inputs = {xi};
  g.outputs = {yi};
  return g;
}

// The same computation written out naively in doubles: (x - zp_x) * w + bias, times the exact
// multiplier, rounded, plus the output zero point, clamped by `relu` at the zero point.
std::vector<int8_t> naive_fc(bool relu) {
  const double mult[3] = {0.5 * 0.5 / 0.25, 0.5 * 0.25 / 0.25, 0.5 * 1.0 / 0.25};
  std::vector<int8_t> out;
  for (int c = 0; c < 3; ++c) {
    int64_t acc = kBias[c];
    for (int k = 0; k < 4; ++k) acc += (kX[k] + 1) * static_cast<int64_t>(kW[c * 4 + k]);
    const double v = static_cast<double>(acc) * mult[c];
    EXPECT_NE(std::fabs(v - std::trunc(v)), 0.5) << "rounding tie in the test data";
    int64_t q = static_cast<int64_t>(std::llround(v)) + 2;
    q = std::min<int64_t>(std::max<int64_t>(q, relu ? 2 : -128), 127);
    out.push_back(static_cast<int8_t>(q));
  }
  return out;
}

std::vector<int8_t> run_int8(const std::vector<uint8_t>& model) {
  const testing::RunResult r = testing::run_model(model, {testing::bytes_of(kX)});
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  if (r.outputs.size() != 1) return {};
  return std::vector<int8_t>(r.outputs[0].begin(), r.outputs[0].end());
}

TEST(TfliteWriter, HandBuiltModelRunsWithHandComputedOutputs) {
  const std::vector<int8_t> expected = {37, 24, 2};  // 35*1+2, 44*0.5+2, relu(-29*2+2)
  EXPECT_EQ(naive_fc(true), expected);
  const std::vector<uint8_t> bytes = ir::write_tflite(fc_graph());
  EXPECT_EQ(run_int8(bytes), expected);
  EXPECT_EQ(Graph::first_difference(ir::read_tflite(bytes), fc_graph()), "");
}

TEST(TfliteWriter, EditedGraphRunsAfterRewrite) {
  // Drop the fused activation: the third channel goes negative.
  Graph g = fc_graph();
  g.ops[0].options.erase(ir::fully_connected_opt::kActivation);
  EXPECT_EQ(run_int8(ir::write_tflite(g)), naive_fc(false));
  EXPECT_EQ(naive_fc(false)[2], -56);
  // Put the activation back as a separate RELU op: FC now writes a new tensor that RELU reads.
  const int32_t y = g.outputs[0];
  Tensor mid = g.tensors[y];
  mid.name = "fc_out";
  const int32_t m = g.add_tensor(mid);
  g.ops[0].outputs = {m};
  g.insert_op(1, make_op(static_cast<int32_t>(BuiltinOp::RELU), {m}, {y}));
  EXPECT_TRUE(g.check_topological_order());
  EXPECT_EQ(g.producer(y), 1);
  EXPECT_EQ(g.consumers(m), std::vector<int>{1});
  EXPECT_EQ(run_int8(ir::write_tflite(g)), naive_fc(true));
}

// ---------------------------------------------------------------------------------------------
// Everything the IR keeps, in one (loadable, not runnable) model.

constexpr int32_t kBucketize = 147, kRandomUniform = 148, kVarHandle = 142;

Graph full_graph() {
  Graph g;
  g.description = "every field";
  g.name = "sg";
  Tensor in{"in", TensorType::kFloat32, {1, 4}, {-1, 4}, true, {}, {}, false};
  const int32_t i0 = g.add_tensor(in);
  Tensor shape{"shape", TensorType::kInt32, {1}, {}, true, {}, {}, false};
  shape.set_values(std::vector<int32_t>{4});
  const int32_t i1 = g.add_tensor(shape);
  const int32_t i2 = g.add_tensor(Tensor{"flat", TensorType::kFloat32, {4}, {}, false, {}, {}, false});
  const int32_t i3 = g.add_tensor(Tensor{"bucket", TensorType::kInt32, {4}, {}, false, {}, {}, false});
  const int32_t i4 = g.add_tensor(Tensor{"handle", TensorType::kResource, {}, {}, true, {}, {}, false});
  Tensor state{"state", TensorType::kInt16, {1, 2}, {}, false, Quantization::per_tensor(0.125f, 3), {}, true};
  const int32_t i5 = g.add_tensor(state);
  Tensor w{"w", TensorType::kInt8, {2, 3}, {}, false, Quantization::per_channel({0.5f, 0.25f, 2.0f}, 1, {0, 1, -1}), {}, false};
  w.quant.min = {-1.0f, -2.0f, -3.0f};
  w.quant.max = {1.0f, 2.0f, 3.5f};
  w.set_values(std::vector<int8_t>{1, 2, 3, 4, 5, 6});
  const int32_t i6 = g.add_tensor(w);
  Tensor same = w;  // identical bytes: shares a buffer with w
  same.name = "w_again";
  const int32_t i7 = g.add_tensor(same);
  Tensor big{"i64", TensorType::kInt64, {3}, {}, false, {}, {}, false};
  big.set_values(std::vector<int64_t>{-1, int64_t{1} << 50, 7});
  const int32_t i8 = g.add_tensor(big);
  const int32_t i9 = g.add_tensor(Tensor{"custom_out", TensorType::kInt32, {4}, {}, false, {}, {}, false});
  const int32_t i10 = g.add_tensor(Tensor{"scratch", TensorType::kInt16, {4}, {}, false, Quantization::per_tensor(1.0f, 0), {}, false});
  const int32_t i11 = g.add_tensor(Tensor{"out", TensorType::kInt32, {4}, {}, false, {}, {}, false});

  Op reshape = make_op(static_cast<int32_t>(BuiltinOp::RESHAPE), {i0, i1}, {i2});
  reshape.options.set_ints(ir::reshape_opt::kNewShape, {4});
  Op bucket = make_op(kBucketize, {i2}, {i3});
  bucket.options.type = 115;
  bucket.options.set_floats(0, {0.5f, -0.0f, 1.5f});
  Op var = make_op(kVarHandle, {}, {i4});
  var.options.type = 111;
  var.options.set_string(0, "container");
  var.options.set_string(1, "");
  Op random = make_op(kRandomUniform, {i1}, {i10}, 2);
  random.options.type = 114;
  random.options.set_int64(0, int64_t{1} << 40);
  random.options.set_int64(1, -7);
  Op custom = make_op(ir::kCustomCode, {i3, i5, -1, i6, i7, i8}, {i9});
  custom.custom_code = "MyOp";
  custom.custom_options = {1, 2, 3, 250};
  custom.mutating_variable_inputs = {0, 1, 0, 0, 0, 0};
  custom.intermediates = {i10};
  Op add = make_op(static_cast<int32_t>(BuiltinOp::ADD), {i9, i3}, {i11}, 3);
  add.options.set_bool(ir::add_opt::kPotScaleInt16, false);  // explicit, and activation absent
  g.ops = {reshape, bucket, var, random, custom, add};
  g.inputs = {i0};
  g.outputs = {i11};
  g.metadata = {{"min_runtime_version", {'1', '.', '5', 0}}, {"copy_of_w", {1, 2, 3, 4, 5, 6}}};
  g.signatures = {{"serving_default", {{"x", i0}}, {{"y", i11}}}};
  return g;
}

struct Written {
  std::vector<uint8_t> bytes;
  AlignedModel aligned;
  Model model;
  explicit Written(std::vector<uint8_t> b) : bytes(std::move(b)), aligned(bytes) {
    Error err;
    EXPECT_EQ(model.load(aligned.data(), aligned.size(), &err), Status::kOk) << err.message;
  }
  fb::Table root() const { return fb::Table::root(aligned.data(), aligned.size()); }
};

TEST(TfliteWriter, FileLevelRules) {
  Written w(ir::write_tflite(full_graph()));
  ASSERT_TRUE(w.model.loaded());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(w.bytes.data()) + 4, 4), "TFL3");
  EXPECT_EQ(w.model.schema_version(), 3u);
  EXPECT_STREQ(w.model.description(), "every field");
  const fb::Table root = w.root();
  const fb::Vector buffers = root.vector(4, 4);
  // Buffer 0 empty; shape, w (shared with w_again and the metadata blob), i64, runtime version.
  ASSERT_EQ(buffers.count, 5u);
  EXPECT_EQ(root.table_at(buffers, 0).field_offset(0), 0u);
  for (int t = 0; t < w.model.num_tensors(); ++t) {
    const TensorInfo info = w.model.tensor(t);
    if (info.const_data) {
      EXPECT_EQ((info.const_data - w.aligned.data()) % 16, 0) << "tensor " << t;
    }
  }
  EXPECT_EQ(w.model.tensor(6).const_data, w.model.tensor(7).const_data);
  // Operator codes: both fields, 127 in the deprecated one above 127, in order of first use.
  const fb::Vector codes = root.vector(1, 4);
  ASSERT_EQ(codes.count, 6u);
  const int32_t want[6][2] = {{22, 22}, {127, kBucketize}, {127, kVarHandle}, {127, kRandomUniform}, {32, 32}, {0, 0}};
  for (uint32_t i = 0; i < 6; ++i) {
    const fb::Table c = root.table_at(codes, i);
    EXPECT_EQ(c.scalar<int8_t>(0, -1), want[i][0]) << i;
    EXPECT_EQ(c.scalar<int32_t>(3, -1), want[i][1]) << i;
  }
  EXPECT_STREQ(root.table_at(codes, 4).string(1, nullptr), "MyOp");
  EXPECT_EQ(root.table_at(codes, 3).scalar<int32_t>(2, 0), 2);  // version
  EXPECT_EQ(w.model.op(5).version, 3);
  // Options presence as in the IR: ADD has pot_scale_int16 = false and no activation field.
  EXPECT_EQ(w.model.op(5).options.field_offset(ir::add_opt::kActivation), 0u);
  ASSERT_NE(w.model.op(5).options.field_offset(ir::add_opt::kPotScaleInt16), 0u);
  EXPECT_EQ(w.model.op(5).options.scalar<uint8_t>(ir::add_opt::kPotScaleInt16, 1), 0);
  EXPECT_EQ(elements<int32_t>(w.model.op(0).options.vector(ir::reshape_opt::kNewShape, 4)), std::vector<int32_t>{4});
  // Quantization as given, including min/max and the per-channel dimension.
  EXPECT_EQ(w.model.tensor(6).num_scales, 3u);
  EXPECT_EQ(w.model.tensor(6).quantized_dimension, 1);
  EXPECT_EQ(w.model.tensor(6).zero_point_at(2), -1);
}

TEST(TfliteWriter, ReadBackGivesTheSameGraphAndTheSameBytes) {
  const Graph g = full_graph();
  const std::vector<uint8_t> bytes = ir::write_tflite(g);
  const Graph back = ir::read_tflite(bytes);
  EXPECT_EQ(Graph::first_difference(g, back), "");
  EXPECT_TRUE(ir::write_tflite(back) == bytes);
  EXPECT_TRUE(ir::write_tflite(g) == bytes);  // deterministic
}

TEST(TfliteWriter, BufferSharingCanBeTurnedOff) {
  ir::WriteOptions o;
  o.share_identical_buffers = false;
  Written w(ir::write_tflite(full_graph(), o));
  EXPECT_EQ(w.root().vector(4, 4).count, 7u);
  EXPECT_NE(w.model.tensor(6).const_data, w.model.tensor(7).const_data);
  EXPECT_EQ(Graph::first_difference(ir::read_tflite(w.bytes), full_graph()), "");
}

TEST(TfliteWriter, InvalidGraphsAreRefusedWithTheReason) {
  Graph g = fc_graph();
  g.tensors[1].data.pop_back();
  expect_error([&] { ir::write_tflite(g); }, "tensor 1 (w): constant holds 11 bytes but shape x INT8 needs 12");
  g = fc_graph();
  g.ops[0].inputs[0] = 9;
  expect_error([&] { ir::write_tflite(g); }, "op 0 (FULLY_CONNECTED) input: tensor index 9 outside [0, 4)");
  g = fc_graph();
  g.tensors[1].quant.scales.push_back(1.0f);
  g.tensors[1].quant.zero_points.push_back(0);
  expect_error([&] { ir::write_tflite(g); }, "4 per-channel scales do not match quantized dimension 0");
  g = fc_graph();
  g.tensors[0].quant.zero_points.push_back(0);
  expect_error([&] { ir::write_tflite(g); }, "2 zero points for 1 scales");
  g = fc_graph();
  g.ops[0].options.fields[ir::fully_connected_opt::kActivation].kind = FieldKind::kInt32;  // bypasses the setter
  expect_error([&] { ir::write_tflite(g); }, "FullyConnectedOptions field 0 is byte, the IR holds int");
  g = fc_graph();
  g.ops[0].mutating_variable_inputs = {1};
  expect_error([&] { ir::write_tflite(g); }, "mutating_variable_inputs has 1 entries for 3 inputs");
}

// ---------------------------------------------------------------------------------------------
// Reader refusals

TEST(TfliteReader, RefusesWhatTheVerifierRefuses) {
  std::vector<uint8_t> bytes = ir::write_tflite(fc_graph());
  bytes[8] ^= 0xFF;  // damage the root table's soffset
  expect_error([&] { ir::read_tflite(bytes, "damaged.tflite"); }, "damaged.tflite: not a valid model");
  expect_error([&] { ir::read_tflite(std::vector<uint8_t>{}, "empty"); }, "empty: model is empty");
  expect_error([] { ir::read_tflite_file("/nonexistent/model.tflite"); }, "/nonexistent/model.tflite: cannot open");
}

std::vector<uint8_t> model_with_options(const testing::Options& o) {
  testing::ModelBuilder b;
  const int in = b.add_tensor(TensorType::kFloat32, {1, 4});
  const int out = b.add_tensor(TensorType::kFloat32, {1, 4});
  b.add_op(BuiltinOp::RELU, {in}, {out}, o);
  b.set_inputs({in});
  b.set_outputs({out});
  return b.finish();
}

TEST(TfliteReader, RefusesOptionsItCannotKeep) {
  expect_error([] { ir::read_tflite(model_with_options(testing::Options().i32(0, 1).type(200)), "m"); },
               "op 0 (RELU): builtin options type 200 is unknown to mote's IR");
  expect_error([] { ir::read_tflite(model_with_options(testing::Options().i32(9, 1).type(ir::options_type::kConv2D)), "m"); },
               "Conv2DOptions has field 9 beyond the 7 fields mote knows");
  expect_error([] { ir::read_tflite(model_with_options(testing::Options().i32(0, 1).type(0)), "m"); },
               "builtin options table without an options type");
  // Options of a type that does not belong to the op are kept as they are.
  std::vector<uint8_t> bytes = model_with_options(testing::Options().vec_i32(0, {2, 2}).type(ir::options_type::kReshape));
  const Graph g = ir::read_tflite(bytes);
  ASSERT_EQ(g.ops.size(), 1u);
  EXPECT_EQ(g.ops[0].options.type, ir::options_type::kReshape);
  EXPECT_EQ(*g.ops[0].options.get_ints(0), (std::vector<int32_t>{2, 2}));
  // The verifier does not look inside options tables; a vector pointing outside the file is
  // refused by the reader instead of being dropped.
  size_t field = 0;
  {
    AlignedModel m(bytes);
    Model model;
    Error err;
    ASSERT_EQ(model.load(m.data(), m.size(), &err), Status::kOk) << err.message;
    const fb::Table o = model.op(0).options;
    field = o.position() + o.field_offset(0);
  }
  testing::poke_u32(&bytes, field, 0x7FFFFF00u);
  expect_error([&] { ir::read_tflite(bytes, "m"); }, "m: op 0 (RELU): ReshapeOptions field 0 ([int]) lies outside the file");
}

TEST(TfliteReader, RefusesModelsWithMoreThanOneSubgraph) {
  FlatBufferBuilder b;
  std::vector<uint32_t> sgs;
  for (int i = 0; i < 2; ++i) {
    b.start_table();
    sgs.push_back(b.end_table());
  }
  const auto sg_vec = b.create_offset_vector(sgs);
  b.start_table();
  const auto empty_buffer = b.end_table();
  const auto buffers = b.create_offset_vector({empty_buffer});
  const auto codes = b.create_offset_vector({});
  b.start_table();
  b.add_scalar<uint32_t>(0, 3);
  b.add_offset(1, codes);
  b.add_offset(2, sg_vec);
  b.add_offset(4, buffers);
  const std::vector<uint8_t> bytes = b.finish(b.end_table(), "TFL3");
  expect_error([&] { ir::read_tflite(bytes, "two.tflite"); }, "two.tflite: model has 2 subgraphs; the IR holds one");
}

// ---------------------------------------------------------------------------------------------
// Graph helpers

// in -> op0 RELU -> a -> op1 RELU6 -> b -> op2 ADD(a, b) -> out
Graph chain() {
  Graph g;
  for (const char* n : {"in", "a", "b", "out"}) g.add_tensor(Tensor{n, TensorType::kFloat32, {1, 2}, {}, false, {}, {}, false});
  g.add_op(make_op(static_cast<int32_t>(BuiltinOp::RELU), {0}, {1}));
  g.add_op(make_op(static_cast<int32_t>(BuiltinOp::RELU6), {1}, {2}));
  g.add_op(make_op(static_cast<int32_t>(BuiltinOp::ADD), {1, 2}, {3}));
  g.inputs = {0};
  g.outputs = {3};
  return g;
}

TEST(Graph, ProducersAndConsumers) {
  const Graph g = chain();
  EXPECT_EQ(g.producer(0), -1);
  EXPECT_EQ(g.producer(1), 0);
  EXPECT_EQ(g.producer(3), 2);
  EXPECT_EQ(g.consumers(1), (std::vector<int>{1, 2}));
  EXPECT_EQ(g.consumers(3), std::vector<int>{});
  EXPECT_TRUE(g.is_graph_input(0));
  EXPECT_TRUE(g.is_graph_output(3));
  EXPECT_FALSE(g.is_graph_output(2));
  EXPECT_EQ(g.ops[2].name(), "ADD");
  Op unnamed;
  unnamed.code = 300;
  EXPECT_EQ(unnamed.name(), "BUILTIN_300");
  Op custom;
  custom.code = ir::kCustomCode;
  custom.custom_code = "Foo";
  EXPECT_EQ(custom.name(), "Foo");
}

TEST(Graph, TopologicalOrderProblemsAreNamed) {
  std::string why;
  EXPECT_TRUE(chain().check_topological_order(&why)) << why;
  Graph g = chain();
  std::swap(g.ops[0], g.ops[1]);
  EXPECT_FALSE(g.check_topological_order(&why));
  EXPECT_EQ(why, "op 0 (RELU6) reads tensor 1 (a) before any op writes it");
  g = chain();
  g.ops[1].outputs = {1};
  EXPECT_FALSE(g.check_topological_order(&why));
  EXPECT_EQ(why, "op 1 (RELU6) writes tensor 1 (a), a graph input or already written");
  g = chain();
  g.tensors[2].data = std::vector<uint8_t>(8, 0);
  EXPECT_FALSE(g.check_topological_order(&why));
  EXPECT_EQ(why, "op 1 (RELU6) writes constant tensor 2 (b)");
  g = chain();
  g.outputs.push_back(g.add_tensor(Tensor{"dangling", TensorType::kFloat32, {1}, {}, false, {}, {}, false}));
  EXPECT_FALSE(g.check_topological_order(&why));
  EXPECT_EQ(why, "graph output tensor 4 (dangling) is never written");
  g = chain();
  g.tensors[1].is_variable = true;  // variables may be written by several ops
  g.ops[1].outputs.push_back(1);
  EXPECT_TRUE(g.check_topological_order(&why)) << why;
}

TEST(Graph, TopologicalSortIsStableAndFindsCycles) {
  Graph g = chain();
  // An independent op (RELU on the input) placed last stays last; the swapped pair is repaired.
  g.add_tensor(Tensor{"side", TensorType::kFloat32, {1, 2}, {}, false, {}, {}, false});
  g.add_op(make_op(static_cast<int32_t>(BuiltinOp::RELU), {0}, {4}));
  g.outputs.push_back(4);
  std::swap(g.ops[1], g.ops[2]);  // ADD before RELU6: invalid
  EXPECT_FALSE(g.check_topological_order());
  EXPECT_EQ(g.topological_order(), (std::vector<int>{0, 2, 1, 3}));
  g.sort_topologically();
  EXPECT_TRUE(g.check_topological_order());
  EXPECT_EQ(g.ops[1].code, static_cast<int32_t>(BuiltinOp::RELU6));
  Graph c = chain();
  c.ops[0].inputs = {2};  // RELU reads RELU6's output, which reads RELU's
  expect_error([&] { c.topological_order(); }, "the ops form a cycle: 3 ops can never run");
  Graph u = chain();
  u.tensors.push_back(Tensor{"nobody", TensorType::kFloat32, {1}, {}, false, {}, {}, false});
  u.ops[0].inputs = {4};
  expect_error([&] { u.topological_order(); }, "op 0 (RELU) reads tensor 4 (nobody), which no op writes");
}

TEST(Graph, InsertRemoveAndReplaceUses) {
  Graph g = chain();
  const int32_t t = g.add_tensor(Tensor{"neg", TensorType::kFloat32, {1, 2}, {}, false, {}, {}, false});
  g.insert_op(1, make_op(59 /* NEG */, {1}, {t}));
  EXPECT_EQ(g.ops[1].code, 59);
  g.replace_uses(1, t, 2);  // ops from index 2 on read the negated tensor
  EXPECT_EQ(g.ops[2].inputs, std::vector<int32_t>{t});
  EXPECT_EQ(g.ops[3].inputs, (std::vector<int32_t>{t, 2}));
  EXPECT_EQ(g.ops[1].inputs, std::vector<int32_t>{1});
  g.replace_uses(3, 2);  // a graph output is redirected too
  EXPECT_EQ(g.outputs, std::vector<int32_t>{2});
  g.remove_op(1);
  EXPECT_EQ(g.ops.size(), 3u);
  expect_error([&] { g.remove_op(3); }, "remove_op: index 3 outside [0, 3)");
  expect_error([&] { g.insert_op(5, Op{}); }, "insert_op: index 5 outside [0, 3]");
}

TEST(Graph, RemoveUnusedTensorsRenumbersEverything) {
  Graph g = chain();
  g.tensors.insert(g.tensors.begin(), Tensor{"unused0", TensorType::kInt8, {1}, {}, false, {}, {}, false});
  for (Op& op : g.ops) {
    for (int32_t& i : op.inputs) ++i;
    for (int32_t& o : op.outputs) ++o;
  }
  g.inputs = {1};
  g.outputs = {4};
  g.add_tensor(Tensor{"unused5", TensorType::kInt8, {1}, {}, false, {}, {}, false});
  const int32_t named = g.add_tensor(Tensor{"sig_only", TensorType::kInt8, {1}, {}, false, {}, {}, false});
  g.signatures = {{"s", {{"x", 1}, {"extra", named}}, {{"y", 4}}}};
  g.ops[2].intermediates = {2};
  const std::vector<int32_t> remap = g.remove_unused_tensors();
  EXPECT_EQ(remap, (std::vector<int32_t>{-1, 0, 1, 2, 3, -1, 4}));
  ASSERT_EQ(g.tensors.size(), 5u);
  EXPECT_EQ(g.tensors[0].name, "in");
  EXPECT_EQ(g.tensors[4].name, "sig_only");
  EXPECT_EQ(g.ops[2].inputs, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(g.ops[2].intermediates, std::vector<int32_t>{1});
  EXPECT_EQ(g.inputs, std::vector<int32_t>{0});
  EXPECT_EQ(g.outputs, std::vector<int32_t>{3});
  EXPECT_EQ(g.signatures[0].inputs[1].tensor, 4);
  EXPECT_EQ(g.signatures[0].outputs[0].tensor, 3);
  EXPECT_TRUE(g.check_topological_order());
}

TEST(Graph, FirstDifferenceNamesTheField) {
  const Graph a = fc_graph();
  Graph b = a;
  EXPECT_EQ(Graph::first_difference(a, b), "");
  EXPECT_TRUE(a == b);
  b.tensors[1].quant.scales[1] = 0.5f;
  EXPECT_EQ(Graph::first_difference(a, b), "tensor 1 (w): scale[1] is 0.25 vs 0.5");
  EXPECT_FALSE(a == b);
  b = a;
  b.ops[0].options.set_int8(ir::fully_connected_opt::kActivation, 3);
  EXPECT_EQ(Graph::first_difference(a, b), "op 0 (FULLY_CONNECTED): option field 0 is 1 vs 3");
  b = a;
  b.ops[0].options.set_bool(ir::fully_connected_opt::kKeepNumDims, false);
  EXPECT_EQ(Graph::first_difference(a, b), "op 0 (FULLY_CONNECTED): option field 2 is absent vs present");
  b = a;
  b.tensors[1].data[11] = 9;
  EXPECT_EQ(Graph::first_difference(a, b), "tensor 1 (w): data[11] is 1 vs 9");
  b = a;
  b.tensors[3].quant.min = {-1.0f};
  EXPECT_EQ(Graph::first_difference(a, b), "tensor 3 (y): min has 0 vs 1 elements");
  // Floats compare bit for bit: -0 differs from +0.
  b = a;
  b.tensors[0].quant.scales[0] = -0.0f;
  Graph c = a;
  c.tensors[0].quant.scales[0] = 0.0f;
  EXPECT_NE(Graph::first_difference(b, c), "");
}

}  // namespace
}  // namespace mote
