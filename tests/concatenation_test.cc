// CONCATENATION: the byte kernel against hand-computed values, the op through the interpreter on
// ModelBuilder models (every axis including negative ones, 1 to 5 inputs, every type, constant
// inputs, batch > 1) compared with a naive index-by-index implementation, and prepare errors.
#include "runtime/kernels/concatenation.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/support/model_builder.h"
#include "tests/support/op_test_util.h"
#include "tests/support/run_model.h"

namespace mote {
namespace {

using testing::bytes_of;
using testing::elements_of;
using testing::for_each_index;
using testing::ModelBuilder;
using testing::Options;
using testing::Quant;
using testing::RunResult;
using testing::values_of;

// Runs a model with only CONCATENATION registered.
RunResult run_model(const std::vector<uint8_t>& model, const std::vector<std::vector<uint8_t>>& inputs) {
  return testing::run_model(model, inputs, {op_concatenation()});
}

// Naive concatenation: for each output multi-index, find the input that owns its axis position.
template <typename T>
std::vector<T> naive_concat(const std::vector<std::vector<int32_t>>& shapes, const std::vector<std::vector<T>>& data,
                            int axis) {
  std::vector<int32_t> out_dims = shapes[0];
  out_dims[axis] = 0;
  for (auto& s : shapes) out_dims[axis] += s[axis];
  std::vector<T> out(elements_of(out_dims));
  for_each_index(out_dims, [&](size_t k, const std::vector<int32_t>& idx) {
    int32_t pos = idx[axis];
    size_t which = 0;
    while (pos >= shapes[which][axis]) pos -= shapes[which++][axis];
    size_t src = 0;
    for (size_t d = 0; d < out_dims.size(); ++d)
      src = src * shapes[which][d] + (static_cast<int>(d) == axis ? pos : idx[d]);
    out[k] = data[which][src];
  });
  return out;
}

TEST(ConcatenationKernel, HandComputed) {
  // a: [2, 3] and b: [2, 1] int16 along axis 1.
  const std::vector<int16_t> a = {1, 2, 3, 4, 5, 6}, b = {-1, -2};
  const void* inputs[2] = {a.data(), b.data()};
  const int32_t bytes[2] = {3 * 2, 1 * 2};
  std::vector<int16_t> out(8, 0);
  concatenation(2, inputs, bytes, 2, out.data());
  EXPECT_EQ(out, (std::vector<int16_t>{1, 2, 3, -1, 4, 5, 6, -2}));
}

// Builds a model concatenating `shapes` along `axis` (the option value, may be negative);
// `const_mask` bit i makes input i a constant holding data[i].
template <typename T>
std::vector<uint8_t> concat_model(TensorType type, const std::vector<std::vector<int32_t>>& shapes,
                                  const std::vector<std::vector<T>>& data, int axis_option, Quant q,
                                  uint32_t const_mask = 0) {
  ModelBuilder b;
  const int rank = static_cast<int>(shapes[0].size());
  const int axis = axis_option < 0 ? axis_option + rank : axis_option;
  std::vector<int32_t> ins, graph_ins;
  std::vector<int32_t> out_dims = shapes[0];
  out_dims[axis] = 0;
  for (size_t i = 0; i < shapes.size(); ++i) {
    out_dims[axis] += shapes[i][axis];
    int t;
    if ((const_mask >> i) & 1u) {
      t = b.add_const_raw(type, shapes[i], bytes_of(data[i]), q);
    } else {
      t = b.add_tensor(type, shapes[i], q);
      graph_ins.push_back(t);
    }
    ins.push_back(t);
  }
  int out = b.add_tensor(type, out_dims, q);
  b.add_op(BuiltinOp::CONCATENATION, ins, {out}, Options::concatenation(axis_option));
  b.set_inputs(graph_ins);
  b.set_outputs({out});
  return b.finish();
}

template <typename T>
void check_random(TensorType type, Quant q, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> dim(1, 4), count(1, 5), val(-120, 120);
  for (int iter = 0; iter < 40; ++iter) {
    const int rank = 1 + iter % 5;
    std::vector<int32_t> base(rank);
    for (auto& d : base) d = dim(rng);
    const int axis = static_cast<int>(rng() % rank);
    const int axis_option = iter % 2 ? axis - rank : axis;  // exercise negative axes
    const int n = count(rng);
    std::vector<std::vector<int32_t>> shapes(n, base);
    std::vector<std::vector<T>> data(n);
    std::vector<std::vector<uint8_t>> feeds;
    const uint32_t const_mask = iter % 3 == 0 ? 1u : 0u;  // sometimes input 0 is a constant
    for (int i = 0; i < n; ++i) {
      shapes[i][axis] = dim(rng);
      size_t e = 1;
      for (int32_t d : shapes[i]) e *= d;
      for (size_t k = 0; k < e; ++k) data[i].push_back(static_cast<T>(val(rng)));
      if (!((const_mask >> i) & 1u)) feeds.push_back(bytes_of(data[i]));
    }
    RunResult r = run_model(concat_model<T>(type, shapes, data, axis_option, q, const_mask), feeds);
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    ASSERT_EQ(values_of<T>(r.output()), naive_concat<T>(shapes, data, axis))
        << "iteration " << iter << " axis " << axis_option;
  }
}

TEST(ConcatenationOp, Int8AnyAxisMatchesNaive) { check_random<int8_t>(TensorType::kInt8, Quant(0.5f, -4), 1); }
TEST(ConcatenationOp, Int16AnyAxisMatchesNaive) { check_random<int16_t>(TensorType::kInt16, Quant(0.01f, 0), 2); }
TEST(ConcatenationOp, Int32AnyAxisMatchesNaive) { check_random<int32_t>(TensorType::kInt32, Quant(), 3); }
TEST(ConcatenationOp, Float32AnyAxisMatchesNaive) { check_random<float>(TensorType::kFloat32, Quant(), 4); }

TEST(ConcatenationOp, NegativeAxisHandComputed) {
  // Two [2, 2, 1] float tensors joined along axis -1 -> [2, 2, 2], interleaving them.
  std::vector<std::vector<float>> data = {{1, 2, 3, 4}, {10, 20, 30, 40}};
  RunResult r = run_model(concat_model<float>(TensorType::kFloat32, {{2, 2, 1}, {2, 2, 1}}, data, -1, Quant()),
                          {bytes_of(data[0]), bytes_of(data[1])});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(values_of<float>(r.output()), (std::vector<float>{1, 10, 2, 20, 3, 30, 4, 40}));
}

RunResult build_and_prepare(ModelBuilder& b, const std::vector<int32_t>& ins, const std::vector<int32_t>& shape_out,
                            TensorType type, Quant out_q, Options opt) {
  int out = b.add_tensor(type, shape_out, out_q);
  b.add_op(BuiltinOp::CONCATENATION, ins, {out}, opt);
  b.set_inputs(ins);
  b.set_outputs({out});
  std::vector<std::vector<uint8_t>> feeds;
  for (int32_t t : ins) {
    size_t e = 1;
    for (int32_t d : b.tensor(t).shape) e *= d;
    feeds.push_back(std::vector<uint8_t>(e * type_size(b.tensor(t).type)));
  }
  return run_model(b.finish(), feeds);
}

TEST(ConcatenationOp, RejectsInconsistentModels) {
  {  // int8 inputs must share the output's quantization
    ModelBuilder b;
    int a = b.add_tensor(TensorType::kInt8, {1, 2}, Quant(0.5f, 0));
    int c = b.add_tensor(TensorType::kInt8, {1, 2}, Quant(0.25f, 0));
    RunResult r = build_and_prepare(b, {a, c}, {1, 4}, TensorType::kInt8, Quant(0.5f, 0), Options::concatenation(1));
    EXPECT_EQ(r.status, Status::kInvalidModel);
    EXPECT_NE(r.message.find("scale"), std::string::npos) << r.message;
  }
  {  // a non-axis dimension differs
    ModelBuilder b;
    int a = b.add_tensor(TensorType::kFloat32, {2, 2});
    int c = b.add_tensor(TensorType::kFloat32, {3, 2});
    RunResult r = build_and_prepare(b, {a, c}, {2, 4}, TensorType::kFloat32, Quant(), Options::concatenation(1));
    EXPECT_EQ(r.status, Status::kInvalidModel) << r.message;
  }
  {  // the axis sizes do not add up
    ModelBuilder b;
    int a = b.add_tensor(TensorType::kFloat32, {2, 2});
    int c = b.add_tensor(TensorType::kFloat32, {2, 3});
    RunResult r = build_and_prepare(b, {a, c}, {2, 6}, TensorType::kFloat32, Quant(), Options::concatenation(-1));
    EXPECT_EQ(r.status, Status::kInvalidModel);
    EXPECT_NE(r.message.find("sum to 5"), std::string::npos) << r.message;
  }
  {  // axis out of range
    ModelBuilder b;
    int a = b.add_tensor(TensorType::kFloat32, {2, 2});
    RunResult r = build_and_prepare(b, {a}, {2, 2}, TensorType::kFloat32, Quant(), Options::concatenation(-3));
    EXPECT_EQ(r.status, Status::kInvalidModel) << r.message;
  }
  {  // fused activation
    ModelBuilder b;
    int a = b.add_tensor(TensorType::kFloat32, {2, 2});
    RunResult r =
        build_and_prepare(b, {a}, {2, 2}, TensorType::kFloat32, Quant(), Options::concatenation(0, Activation::kRelu));
    EXPECT_EQ(r.status, Status::kUnsupported) << r.message;
  }
  {  // int16 with a zero point
    ModelBuilder b;
    int a = b.add_tensor(TensorType::kInt16, {2}, Quant(0.5f, 3));
    RunResult r = build_and_prepare(b, {a}, {2}, TensorType::kInt16, Quant(0.5f, 3), Options::concatenation(0));
    EXPECT_EQ(r.status, Status::kInvalidModel) << r.message;
  }
  {  // mixed types
    ModelBuilder b;
    int a = b.add_tensor(TensorType::kInt32, {2});
    int c = b.add_tensor(TensorType::kFloat32, {2});
    RunResult r = build_and_prepare(b, {a, c}, {4}, TensorType::kInt32, Quant(), Options::concatenation(0));
    EXPECT_EQ(r.status, Status::kInvalidModel) << r.message;
  }
}

}  // namespace
}  // namespace mote
