// Regressions found by the fuzzer (fuzz/model_fuzzer.cc under ASan + UBSan). Each test rebuilds the
// hostile condition with the ModelBuilder and pins the defined result; under the sanitizer build
// (scripts/test.sh host-asan) the original undefined behaviour would abort the test.
#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <vector>

#include "tests/support/model_builder.h"
#include "tests/support/run_model.h"

namespace mote {
namespace {

using testing::bytes_of;
using testing::ModelBuilder;
using testing::Options;
using testing::Quant;
using testing::run_model;
using testing::Stage;

// A stride far larger than the axis (-50331647 on an axis of 8) selects one element; the step
// product stride * inner size used to overflow int32 while planning the slice.
TEST(Regression, StridedSliceHugeStrideSelectsOneElement) {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {2, 8}, Quant(1.0f, 0));
  int begin = b.add_const_i32({2}, {0, 7});
  int end = b.add_const_i32({2}, {2, 0});
  int strides = b.add_const_i32({2}, {1, -50331647});
  int out = b.add_tensor(TensorType::kInt8, {2, 1}, Quant(1.0f, 0));
  b.add_op(BuiltinOp::STRIDED_SLICE, {in, begin, end, strides}, {out}, Options::strided_slice(0, 0));
  b.set_inputs({in});
  b.set_outputs({out});
  std::vector<int8_t> x(16);
  for (int i = 0; i < 16; ++i) x[i] = static_cast<int8_t>(i * 3 - 20);
  auto r = run_model(b.finish(), {bytes_of(x)});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.outputs[0], bytes_of(std::vector<int8_t>{x[7], x[15]}));
}

// An int32 bias near INT32_MIN: the accumulator wraps (the reference's int32 arithmetic) instead of
// overflowing. -128 + (INT32_MIN + 10) wraps to 2147483530, which requantizes far above 127.
TEST(Regression, FullyConnectedBiasAddWraps) {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {1, 1}, Quant(1.0f, 0));
  int w = b.add_const_i8({1, 1}, {-128}, Quant(1.0f, 0));
  int bias = b.add_const_i32({1}, {INT32_MIN + 10}, Quant(1.0f, 0));
  int out = b.add_tensor(TensorType::kInt8, {1, 1}, Quant(1024.0f, 0));
  b.add_op(BuiltinOp::FULLY_CONNECTED, {in, w, bias}, {out}, Options::fully_connected());
  b.set_inputs({in});
  b.set_outputs({out});
  auto r = run_model(b.finish(), {bytes_of(std::vector<int8_t>{1})});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.outputs[0], bytes_of(std::vector<int8_t>{127}));
}

// A 16x8 convolution whose int64 bias (2^60) is far outside what a valid model can hold: the
// 64-bit requantization saturates at its documented |x| < 2^47 instead of overflowing, and the
// output clamps to the int16 maximum.
TEST(Regression, Conv16x8HugeBiasSaturates) {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt16, {1, 1, 1, 1}, Quant(1.0f, 0));
  int w = b.add_const_i8({1, 1, 1, 1}, {1}, Quant::per_channel({1.0f}, 0));
  int bias = b.add_const_i64({1}, {int64_t{1} << 60}, Quant::per_channel({1.0f}, 0));
  int out = b.add_tensor(TensorType::kInt16, {1, 1, 1, 1}, Quant(1.0f, 0));
  b.add_op(BuiltinOp::CONV_2D, {in, w, bias}, {out}, Options::conv2d(Padding::kValid, 1, 1));
  b.set_inputs({in});
  b.set_outputs({out});
  auto r = run_model(b.finish(), {bytes_of(std::vector<int16_t>{5})});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.outputs[0], bytes_of(std::vector<int16_t>{32767}));
}

// An int64 bias near INT64_MIN: `accumulator + bias` used to overflow before the 64-bit
// requantization could saturate; biases are clamped to +-2^47 as they are read, so the output
// clamps to the int16 minimum.
TEST(Regression, Conv16x8MostNegativeBiasSaturates) {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt16, {1, 1, 1, 1}, Quant(1.0f, 0));
  int w = b.add_const_i8({1, 1, 1, 1}, {-1}, Quant::per_channel({1.0f}, 0));
  int bias = b.add_const_i64({1}, {INT64_MIN + 1174}, Quant::per_channel({1.0f}, 0));
  int out = b.add_tensor(TensorType::kInt16, {1, 1, 1, 1}, Quant(1.0f, 0));
  b.add_op(BuiltinOp::CONV_2D, {in, w, bias}, {out}, Options::conv2d(Padding::kValid, 1, 1));
  b.set_inputs({in});
  b.set_outputs({out});
  auto r = run_model(b.finish(), {bytes_of(std::vector<int16_t>{32767})});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.outputs[0], bytes_of(std::vector<int16_t>{-32768}));
}

// An output scale so small that the requantization multiplier needs a left shift beyond 31 bits:
// refused at prepare (it used to reach the kernel and shift by 37).
TEST(Regression, ConvMultiplierBeyondShiftRangeIsRefused) {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {1, 1, 1, 1}, Quant(1.0f, 0));
  int w = b.add_const_i8({1, 1, 1, 1}, {1}, Quant::per_channel({1.0f}, 0));
  int bias = b.add_const_i32({1}, {0}, Quant::per_channel({1.0f}, 0));
  int out = b.add_tensor(TensorType::kInt8, {1, 1, 1, 1}, Quant(1e-12f, 0));
  b.add_op(BuiltinOp::CONV_2D, {in, w, bias}, {out}, Options::conv2d(Padding::kValid, 1, 1));
  b.set_inputs({in});
  b.set_outputs({out});
  auto r = run_model(b.finish(), {bytes_of(std::vector<int8_t>{1})});
  EXPECT_EQ(r.stage, Stage::kPlan);
  EXPECT_NE(r.status, Status::kOk);
  EXPECT_NE(r.message.find("op 0 (CONV_2D)"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace mote
