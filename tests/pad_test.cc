// PAD: the plan (folding of unpadded dimensions), the kernels against hand-computed values and a
// naive per-element implementation, the op through the interpreter on ModelBuilder models (every
// type, 4-D asymmetric pads, batch > 1, int64 paddings, pad value input), prepare errors, and the
// seanet int16 PAD models end to end.
#include "runtime/kernels/pad.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/support/model_builder.h"
#include "tests/support/op_test_util.h"
#include "tests/support/run_model.h"
#include "tests/support/test_support.h"

namespace mote {
namespace {

using testing::bytes_of;
using testing::elements_of;
using testing::for_each_index;
using testing::ModelBuilder;
using testing::Options;
using testing::Quant;
using testing::RunResult;
using testing::shape_of;
using testing::values_of;

// Runs a model with only PAD registered.
RunResult run_model(const std::vector<uint8_t>& model, const std::vector<std::vector<uint8_t>>& inputs) {
  return testing::run_model(model, inputs, {op_pad()});
}

// Naive PAD: every output element decides on its own whether it is inside the input.
template <typename T>
std::vector<T> naive_pad(const std::vector<int32_t>& in_dims, const std::vector<T>& in,
                         const std::vector<int32_t>& before, const std::vector<int32_t>& after, T value) {
  const size_t rank = in_dims.size();
  std::vector<int32_t> out_dims(rank);
  for (size_t d = 0; d < rank; ++d) out_dims[d] = in_dims[d] + before[d] + after[d];
  std::vector<T> out(elements_of(out_dims));
  for_each_index(out_dims, [&](size_t k, const std::vector<int32_t>& idx) {
    bool inside = true;
    size_t src = 0;
    for (size_t d = 0; d < rank; ++d) {
      const int32_t i = idx[d] - before[d];
      inside = inside && i >= 0 && i < in_dims[d];
      src = src * in_dims[d] + (inside ? i : 0);
    }
    out[k] = inside ? in[src] : value;
  });
  return out;
}

// ---- plan and kernels ------------------------------------------------------------------------

TEST(PadPlan, FoldsUnpaddedDimensionsIntoTheirOuterNeighbour) {
  PadPlan p;
  const int32_t before[4] = {0, 1, 0, 0}, after[4] = {0, 2, 0, 0};
  plan_pad(shape_of({2, 3, 4, 5}), before, after, &p);  // pad H of NHWC: rows of W*C
  ASSERT_EQ(p.rank, 2);
  EXPECT_EQ(p.in_dims[0], 2);
  EXPECT_EQ(p.in_dims[1], 60);
  EXPECT_EQ(p.before[1], 20);
  EXPECT_EQ(p.after[1], 40);
  EXPECT_EQ(p.out_stride[0], 120);
  EXPECT_EQ(p.out_stride[1], 1);

  const int32_t none[3] = {0, 0, 0};
  plan_pad(shape_of({2, 3, 4}), none, none, &p);  // no padding: one copy
  ASSERT_EQ(p.rank, 1);
  EXPECT_EQ(p.in_dims[0], 24);
}

TEST(PadKernel, HandComputed2D) {
  // [[1,2],[3,4]] padded (1,0) rows, (0,2) columns with 9.
  PadPlan p;
  const int32_t before[2] = {1, 0}, after[2] = {0, 2};
  plan_pad(shape_of({2, 2}), before, after, &p);
  const std::vector<int16_t> in = {1, 2, 3, 4};
  std::vector<int16_t> out(12, -1);
  pad_s16(p, in.data(), 9, out.data());
  EXPECT_EQ(out, (std::vector<int16_t>{9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9}));
}

TEST(PadKernel, EveryTypeMatchesNaiveOnRandomShapes) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int32_t> dim(1, 4), pad(0, 3), val(-100, 100);
  for (int iter = 0; iter < 200; ++iter) {
    const int rank = 1 + iter % 6;
    std::vector<int32_t> dims(rank), before(rank), after(rank);
    for (int d = 0; d < rank; ++d) {
      dims[d] = dim(rng);
      before[d] = iter % 3 == 0 ? 0 : pad(rng);
      after[d] = pad(rng);
    }
    const Shape s = shape_of(dims);
    PadPlan p;
    plan_pad(s, before.data(), after.data(), &p);
    std::vector<int8_t> in8(s.elements());
    for (auto& x : in8) x = static_cast<int8_t>(val(rng));
    const auto want8 = naive_pad<int8_t>(dims, in8, before, after, -7);
    std::vector<int8_t> out8(want8.size(), 55);
    pad_s8(p, in8.data(), -7, out8.data());
    ASSERT_EQ(out8, want8) << "iteration " << iter;

    std::vector<float> inf(in8.begin(), in8.end());
    std::vector<float> outf(want8.size(), 55.0f);
    pad_f32(p, inf.data(), 0.5f, outf.data());
    ASSERT_EQ(outf, naive_pad<float>(dims, inf, before, after, 0.5f));

    std::vector<int32_t> in32(in8.begin(), in8.end());
    std::vector<int32_t> out32(want8.size(), 55);
    pad_s32(p, in32.data(), 1 << 20, out32.data());
    ASSERT_EQ(out32, naive_pad<int32_t>(dims, in32, before, after, 1 << 20));
  }
}

// ---- the op through the interpreter -----------------------------------------------------------

template <typename T>
std::vector<uint8_t> pad_model(TensorType type, std::vector<int32_t> in_dims, std::vector<int32_t> before,
                               std::vector<int32_t> after, Quant q, bool int64_paddings = false) {
  ModelBuilder b;
  std::vector<int32_t> out_dims(in_dims.size());
  std::vector<int32_t> pads;
  std::vector<int64_t> pads64;
  for (size_t d = 0; d < in_dims.size(); ++d) {
    out_dims[d] = in_dims[d] + before[d] + after[d];
    pads.push_back(before[d]);
    pads.push_back(after[d]);
    pads64.push_back(before[d]);
    pads64.push_back(after[d]);
  }
  const int rank = static_cast<int>(in_dims.size());
  int in = b.add_tensor(type, in_dims, q, "in");
  int p = int64_paddings ? b.add_const_i64({rank, 2}, pads64) : b.add_const_i32({rank, 2}, pads);
  int out = b.add_tensor(type, out_dims, q, "out");
  b.add_op(BuiltinOp::PAD, {in, p}, {out});
  b.set_inputs({in});
  b.set_outputs({out});
  return b.finish();
}

TEST(PadOp, Int8FourDimensionalAsymmetricPadsWithZeroPoint) {
  // Batch 2, odd sizes; padding on every axis including batch and channels.
  const std::vector<int32_t> dims = {2, 3, 5, 3}, before = {1, 0, 2, 1}, after = {0, 3, 1, 2};
  std::mt19937 rng(3);
  std::vector<int8_t> in(2 * 3 * 5 * 3);
  for (auto& x : in) x = static_cast<int8_t>(rng());
  RunResult r = run_model(pad_model<int8_t>(TensorType::kInt8, dims, before, after, Quant(0.1f, -3)), {bytes_of(in)});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  // The pad value is the output zero point (real 0.0).
  EXPECT_EQ(values_of<int8_t>(r.output()), naive_pad<int8_t>(dims, in, before, after, -3));
}

TEST(PadOp, Int16PadsWithZeroAndInt64Paddings) {
  const std::vector<int32_t> dims = {1, 2, 7, 2}, before = {0, 0, 3, 0}, after = {0, 0, 3, 0};
  std::vector<int16_t> in(28);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int16_t>(1000 * i - 9000);
  for (bool i64 : {false, true}) {
    RunResult r =
        run_model(pad_model<int16_t>(TensorType::kInt16, dims, before, after, Quant(0.001f, 0), i64), {bytes_of(in)});
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    EXPECT_EQ(values_of<int16_t>(r.output()), naive_pad<int16_t>(dims, in, before, after, 0));
  }
}

TEST(PadOp, Float32AndInt32) {
  const std::vector<int32_t> dims = {3, 1, 2}, before = {1, 2, 0}, after = {2, 0, 1};
  std::vector<float> inf = {1.5f, -2.0f, 3.25f, 4.0f, -5.5f, 6.0f};
  RunResult r = run_model(pad_model<float>(TensorType::kFloat32, dims, before, after, Quant()), {bytes_of(inf)});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(values_of<float>(r.output()), naive_pad<float>(dims, inf, before, after, 0.0f));
  std::vector<int32_t> ini = {7, -8, 9, 10, 11, -12};
  r = run_model(pad_model<int32_t>(TensorType::kInt32, dims, before, after, Quant()), {bytes_of(ini)});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(values_of<int32_t>(r.output()), naive_pad<int32_t>(dims, ini, before, after, 0));
}

TEST(PadOp, ConstantPadValueInput) {
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kFloat32, {2, 2}, {}, "in");
  int p = b.add_const_i32({2, 2}, {0, 1, 1, 0});
  int v = b.add_const_f32({}, {-1.0f});
  int out = b.add_tensor(TensorType::kFloat32, {3, 3}, {}, "out");
  b.add_op(BuiltinOp::PAD, {in, p, v}, {out});
  b.set_inputs({in});
  b.set_outputs({out});
  RunResult r = run_model(b.finish(), {bytes_of(std::vector<float>{1, 2, 3, 4})});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(values_of<float>(r.output()), (std::vector<float>{-1, 1, 2, -1, 3, 4, -1, -1, -1}));
}

TEST(PadOp, RejectsInconsistentModels) {
  {  // output dim disagrees with input + pads
    ModelBuilder b;
    int in = b.add_tensor(TensorType::kInt8, {1, 4}, Quant(1, 0));
    int p = b.add_const_i32({2, 2}, {0, 0, 1, 1});
    int out = b.add_tensor(TensorType::kInt8, {1, 7}, Quant(1, 0));
    b.add_op(BuiltinOp::PAD, {in, p}, {out});
    b.set_inputs({in});
    b.set_outputs({out});
    RunResult r = run_model(b.finish(), {std::vector<uint8_t>(4)});
    EXPECT_EQ(r.status, Status::kInvalidModel);
    EXPECT_NE(r.message.find("expected 4 + 1 + 1 = 6"), std::string::npos) << r.message;
  }
  {  // paddings not constant
    ModelBuilder b;
    int in = b.add_tensor(TensorType::kInt8, {1, 4}, Quant(1, 0));
    int p = b.add_tensor(TensorType::kInt32, {2, 2});
    int out = b.add_tensor(TensorType::kInt8, {1, 6}, Quant(1, 0));
    b.add_op(BuiltinOp::PAD, {in, p}, {out});
    b.set_inputs({in, p});
    b.set_outputs({out});
    RunResult r = run_model(b.finish(), {std::vector<uint8_t>(4), std::vector<uint8_t>(16)});
    EXPECT_EQ(r.status, Status::kUnsupported);
    EXPECT_NE(r.message.find("constant"), std::string::npos) << r.message;
  }
  // Paddings of the wrong shape, a negative padding, an output type that differs from the input.
  for (int variant = 0; variant < 3; ++variant) {
    ModelBuilder b;
    int in = b.add_tensor(TensorType::kInt8, {1, 4}, Quant(1, 0));
    int p = variant == 0   ? b.add_const_i32({4}, {0, 0, 0, 0})
            : variant == 1 ? b.add_const_i32({2, 2}, {0, 0, -1, 1})
                           : b.add_const_i32({2, 2}, {0, 0, 0, 0});
    int out = b.add_tensor(variant == 2 ? TensorType::kInt16 : TensorType::kInt8, {1, 4}, Quant(1, 0));
    b.add_op(BuiltinOp::PAD, {in, p}, {out});
    b.set_inputs({in});
    b.set_outputs({out});
    RunResult r = run_model(b.finish(), {std::vector<uint8_t>(4)});
    EXPECT_EQ(r.status, Status::kInvalidModel) << "variant " << variant << ": " << r.message;
  }
}

// ---- seanet int16 models end to end -----------------------------------------------------------

TEST(Seanet, PadInt16CasesMatchTflm) {
  if (testing::shared_dir().empty()) GTEST_SKIP() << "../shared/conformance not found";
  EXPECT_EQ(testing::check_seanet_cases("pad", {op_pad()}), 19);
}

}  // namespace
}  // namespace mote
