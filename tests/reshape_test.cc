// RESHAPE: through the interpreter (aliased input/output, a constant input that must be copied, a
// chain of reshapes, shape given by input / options / nothing), eval on equal and distinct
// pointers, and prepare errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/op.h"
#include "tests/support/model_builder.h"
#include "tests/support/run_model.h"

namespace mote {
namespace {

using testing::bytes_of;
using testing::ModelBuilder;
using testing::Options;
using testing::Quant;
using testing::RunResult;

// Runs a model with only RESHAPE registered.
RunResult run_model(const std::vector<uint8_t>& model, const std::vector<std::vector<uint8_t>>& inputs) {
  return testing::run_model(model, inputs, {op_reshape()});
}

std::vector<int8_t> iota8(size_t n) {
  std::vector<int8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<int8_t>(i * 7 - 50);
  return v;
}

TEST(ReshapeOp, KeepsBytesWithShapeInputOptionsOrNothing) {
  const std::vector<int8_t> in = iota8(24);
  for (int variant = 0; variant < 3; ++variant) {
    ModelBuilder b;
    int x = b.add_tensor(TensorType::kInt8, {2, 3, 4}, Quant(0.5f, 1));
    int y = b.add_tensor(TensorType::kInt8, {6, 4}, Quant(0.5f, 1));
    if (variant == 0) b.add_op(BuiltinOp::RESHAPE, {x, b.add_const_i32({2}, {6, 4})}, {y});
    if (variant == 1) b.add_op(BuiltinOp::RESHAPE, {x}, {y}, Options::reshape({-1, 4}));
    if (variant == 2) b.add_op(BuiltinOp::RESHAPE, {x}, {y});
    b.set_inputs({x});
    b.set_outputs({y});
    RunResult r = run_model(b.finish(), {bytes_of(in)});
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    EXPECT_EQ(r.output(), bytes_of(in)) << "variant " << variant;
  }
}

TEST(ReshapeOp, ChainOfReshapesAndFloat) {
  ModelBuilder b;
  int x = b.add_tensor(TensorType::kFloat32, {1, 2, 2, 3});
  int y = b.add_tensor(TensorType::kFloat32, {12});
  int z = b.add_tensor(TensorType::kFloat32, {3, 4});
  b.add_op(BuiltinOp::RESHAPE, {x}, {y}, Options::reshape({12}));
  b.add_op(BuiltinOp::RESHAPE, {y}, {z}, Options::reshape({3, 4}));
  b.set_inputs({x});
  b.set_outputs({z});
  std::vector<float> in(12);
  for (size_t i = 0; i < in.size(); ++i) in[i] = 0.25f * static_cast<float>(i) - 1.0f;
  RunResult r = run_model(b.finish(), {bytes_of(in)});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.output(), bytes_of(in));
}

TEST(ReshapeOp, ConstantInputIsCopied) {
  ModelBuilder b;
  const std::vector<int32_t> values = {1, -2, 3, -4, 5, -6};
  int c = b.add_const_i32({2, 3}, values);
  int y = b.add_tensor(TensorType::kInt32, {3, 2});
  b.add_op(BuiltinOp::RESHAPE, {c}, {y});
  b.set_inputs({});
  b.set_outputs({y});
  RunResult r = run_model(b.finish(), {});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.output(), bytes_of(values));
}

TEST(ReshapeOp, RejectsMismatchedElementsOrTypes) {
  {
    ModelBuilder b;
    int x = b.add_tensor(TensorType::kInt8, {2, 3}, Quant(1, 0));
    int y = b.add_tensor(TensorType::kInt8, {7}, Quant(1, 0));
    b.add_op(BuiltinOp::RESHAPE, {x}, {y});
    b.set_inputs({x});
    b.set_outputs({y});
    RunResult r = run_model(b.finish(), {std::vector<uint8_t>(6)});
    EXPECT_EQ(r.status, Status::kInvalidModel);
    EXPECT_NE(r.message.find("6 elements"), std::string::npos) << r.message;
  }
  {
    ModelBuilder b;
    int x = b.add_tensor(TensorType::kInt8, {4}, Quant(1, 0));
    int y = b.add_tensor(TensorType::kInt16, {4}, Quant(1, 0));
    b.add_op(BuiltinOp::RESHAPE, {x}, {y});
    b.set_inputs({x});
    b.set_outputs({y});
    RunResult r = run_model(b.finish(), {std::vector<uint8_t>(4)});
    EXPECT_EQ(r.status, Status::kInvalidModel) << r.message;
  }
}

// Eval directly: the same buffer is left alone, a different one receives a copy.
TEST(ReshapeEval, NoOpInPlaceCopyOtherwise) {
  TensorInfo in, out;
  in.type = out.type = TensorType::kInt16;
  in.shape.rank = 2;
  in.shape.dims[0] = 2;
  in.shape.dims[1] = 3;
  out.shape.rank = 1;
  out.shape.dims[0] = 6;
  in.bytes = out.bytes = 12;
  const TensorInfo* ins[1] = {&in};
  const TensorInfo* outs[1] = {&out};
  Error err;
  PrepareContext::Init init{0, BuiltinOp::RESHAPE, 1, fb::Table(), ins, 1, outs, 1, nullptr, &err};
  PrepareContext measure(init);
  ASSERT_EQ(op_reshape()->prepare(measure), Status::kOk) << err.message;
  std::vector<uint64_t> data(measure.persistent_request() / 8 + 1);
  init.op_data = data.data();
  PrepareContext fill(init);
  ASSERT_EQ(op_reshape()->prepare(fill), Status::kOk);

  std::vector<int16_t> a = {1, 2, 3, 4, 5, 6}, b(6, 0);
  void* in_ptrs[1] = {a.data()};
  void* same[1] = {a.data()};
  EvalContext ctx{data.data(), in_ptrs, same, nullptr};
  ASSERT_EQ(op_reshape()->eval(ctx), Status::kOk);
  EXPECT_EQ(a, (std::vector<int16_t>{1, 2, 3, 4, 5, 6}));
  void* other[1] = {b.data()};
  EvalContext ctx2{data.data(), in_ptrs, other, nullptr};
  ASSERT_EQ(op_reshape()->eval(ctx2), Status::kOk);
  EXPECT_EQ(b, a);
}

}  // namespace
}  // namespace mote
