// MEAN: the op through the interpreter (which exercises the axis grouping and the mean_* kernels)
// against a naive reference written here: every output element sums its inputs in row-major
// order, then int8/int16 rescale with the reference's folded multiplier. Hand-computed values,
// keep_dims on and off, negative and repeated axes, differing input/output scales, validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "runtime/kernels/mean.h"
#include "tests/support/model_builder.h"
#include "tests/support/op_test_util.h"
#include "tests/support/quant_reference.h"
#include "tests/support/run_model.h"

namespace mote {
namespace {

using testing::bytes_of;
using testing::elements_of;
using testing::for_each_index;
using testing::ModelBuilder;
using testing::Options;
using testing::Quant;
using testing::random_ints;
using testing::ref_quantize_multiplier;
using testing::ref_rescale32;
using testing::RunResult;
using testing::values_of;

// ---------------------------------------------------------------------------------------------
// Reference.

struct Case {
  std::vector<int32_t> shape;
  std::vector<int32_t> axes;
  bool keep_dims;
};

std::vector<bool> reduced_mask(const Case& c) {
  std::vector<bool> r(c.shape.size(), false);
  for (int32_t a : c.axes) r[a < 0 ? a + static_cast<int32_t>(c.shape.size()) : a] = true;
  return r;
}

std::vector<int32_t> out_shape(const Case& c) {
  std::vector<int32_t> s;
  const auto r = reduced_mask(c);
  for (size_t i = 0; i < c.shape.size(); ++i) {
    if (!r[i]) s.push_back(c.shape[i]);
    else if (c.keep_dims) s.push_back(1);
  }
  return s;
}

// Sums per output element, inputs taken in row-major order; also returns the reduced count.
template <typename Acc, typename T>
std::vector<Acc> ref_sums(const Case& c, const std::vector<T>& in, int64_t* count) {
  const auto r = reduced_mask(c);
  const int rank = static_cast<int>(c.shape.size());
  int64_t outs = 1;
  *count = 1;
  for (int i = 0; i < rank; ++i) (r[i] ? *count : outs) *= c.shape[i];
  std::vector<Acc> sums(static_cast<size_t>(outs), Acc(0));
  for_each_index(c.shape, [&](size_t k, const std::vector<int32_t>& idx) {
    int64_t o = 0;
    for (int i = 0; i < rank; ++i)
      if (!r[i]) o = o * c.shape[i] + idx[i];
    sums[static_cast<size_t>(o)] += in[k];
  });
  return sums;
}

template <typename T>
std::vector<T> ref_mean_int(const Case& c, const std::vector<T>& in, float in_scale, int32_t in_zp, float out_scale,
                            int32_t out_zp) {
  int64_t n = 0;
  const auto sums = ref_sums<int64_t>(c, in, &n);
  int32_t m, s;
  ref_quantize_multiplier(static_cast<double>(in_scale) / static_cast<double>(out_scale), &m, &s);
  // Division by n folded into the multiplier: k = floor(log2 n), capped at 32 and 31 + shift.
  int k = 0;
  while ((int64_t{1} << (k + 1)) <= n) ++k;
  k = std::min({k, 32, 31 + s});
  m = static_cast<int32_t>((static_cast<int64_t>(m) << k) / n);
  s -= k;
  std::vector<T> out;
  for (int64_t sum : sums) {
    const int32_t v = ref_rescale32(static_cast<int32_t>(sum - in_zp * n), m, s) + out_zp;
    out.push_back(static_cast<T>(std::min<int32_t>(std::max<int32_t>(v, std::numeric_limits<T>::min()),
                                                   std::numeric_limits<T>::max())));
  }
  return out;
}

std::vector<float> ref_mean_f32(const Case& c, const std::vector<float>& in) {
  int64_t n = 0;
  auto sums = ref_sums<float>(c, in, &n);
  for (auto& v : sums) v = v / static_cast<float>(n);
  return sums;
}

// ---------------------------------------------------------------------------------------------
// Harness.

// Runs a model with only MEAN registered on one input.
template <typename T>
RunResult run_mean(const std::vector<uint8_t>& model, const std::vector<T>& input) {
  return testing::run_model(model, {bytes_of(input)}, {op_mean()});
}

RunResult prepare_mean(const std::vector<uint8_t>& model) { return testing::prepare_model(model, {op_mean()}); }

std::vector<uint8_t> build(TensorType type, const Case& c, Quant qin, Quant qout, std::vector<int32_t> oshape = {},
                           bool const_axis = true) {
  ModelBuilder b;
  int in = b.add_tensor(type, c.shape, qin);
  int ax = const_axis ? b.add_const_i32({static_cast<int32_t>(c.axes.size())}, c.axes)
                      : b.add_tensor(TensorType::kInt32, {static_cast<int32_t>(c.axes.size())});
  int out = b.add_tensor(type, oshape.empty() ? out_shape(c) : oshape, qout);
  b.add_op(BuiltinOp::MEAN, {in, ax}, {out}, Options::reducer(c.keep_dims));
  b.set_inputs(const_axis ? std::vector<int32_t>{in} : std::vector<int32_t>{in, ax});
  b.set_outputs({out});
  return b.finish();
}

const Case kCases[] = {
    {{2, 3, 5, 7}, {1, 2}, true},     // NHWC global average, batch 2, odd channels
    {{2, 3, 5, 7}, {1, 2}, false},
    {{2, 3, 5, 7}, {2, 1}, false},    // axes in either order
    {{1, 4, 4, 3}, {-1}, true},       // negative axis: reduce channels
    {{3, 2, 6}, {0, 2}, false},       // non-adjacent reduced dims
    {{3, 2, 6}, {1, 1, -2}, true},    // duplicates
    {{2, 3, 4}, {0, 1, 2}, false},    // everything: a scalar
    {{4, 1, 5}, {1}, false},          // reducing a size-1 dim only: a copy with rescale
    {{5, 1, 1, 9}, {1, 2}, false},    // reduced dims of size 1 next to kept ones
};

// ---------------------------------------------------------------------------------------------
// Tests.

TEST(MeanKernel, FoldCountMatchesHandValues) {
  int32_t m = 1 << 30, s = 1;  // 1.0
  mean_fold_count(4, &m, &s);  // k = 2: m = 2^32 / 4 = 2^30, shift -1 (0.5 * 2^-... = 1/4)
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, -1);
  m = 1 << 30;
  s = 1;
  mean_fold_count(3, &m, &s);  // k = 1: m = 2^31 / 3
  EXPECT_EQ(m, 715827882);
  EXPECT_EQ(s, 0);
  m = 1 << 30;
  s = -30;
  mean_fold_count(1 << 10, &m, &s);  // k capped at 31 + shift = 1
  EXPECT_EQ(m, (int64_t{1} << 31) / 1024);
  EXPECT_EQ(s, -31);
}

TEST(MeanOp, Int8HandComputedAxes12) {
  // 1x2x2x2, same scale 0.5 both sides, zero point 0. Channel 0: {1, 2, 3, 5} -> 2.75 -> 3;
  // channel 1: {-1, -2, -3, -4} -> -2.5 -> -3 (the rescale rounds this tie away from zero).
  const Case c{{1, 2, 2, 2}, {1, 2}, true};
  const RunResult r = run_mean(build(TensorType::kInt8, c, Quant(0.5f, 0), Quant(0.5f, 0)),
                               std::vector<int8_t>{1, -1, 2, -2, 3, -3, 5, -4});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(values_of<int8_t>(r.output()), (std::vector<int8_t>{3, -3}));
  EXPECT_EQ(r.output_shapes[0].rank, 4);
}

TEST(MeanOp, Int8DifferingScalesHandComputed) {
  // Input scale 0.5 zp 2, output scale 0.25 zp -1; values {4, 6, 9} (real 1, 2, 3.5): mean
  // 6.5 / 3 = 2.1667 real = 8.667 steps -> 9, - 1 = 8.
  const Case c{{1, 3}, {1}, false};
  const RunResult r =
      run_mean(build(TensorType::kInt8, c, Quant(0.5f, 2), Quant(0.25f, -1)), std::vector<int8_t>{4, 6, 9});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(values_of<int8_t>(r.output()), (std::vector<int8_t>{8}));
}

TEST(MeanOp, Int8MatchesReferenceWithAndWithoutRescale) {
  std::mt19937 rng(61);
  const struct {
    float in_scale;
    int32_t in_zp;
    float out_scale;
    int32_t out_zp;
  } quants[] = {{0.1f, -3, 0.1f, -3}, {0.5f, 2, 0.25f, -1}, {0.02f, -128, 0.07f, 10}, {0.3f, 7, 0.05f, 0}};
  for (const Case& c : kCases)
    for (const auto& q : quants) {
      auto in = random_ints<int8_t>(rng, elements_of(c.shape));
      const RunResult r =
          run_mean(build(TensorType::kInt8, c, Quant(q.in_scale, q.in_zp), Quant(q.out_scale, q.out_zp)), in);
      ASSERT_EQ(r.status, Status::kOk) << r.message;
      EXPECT_EQ(values_of<int8_t>(r.output()), ref_mean_int(c, in, q.in_scale, q.in_zp, q.out_scale, q.out_zp))
          << "axes " << c.axes.size() << " keep " << c.keep_dims << " scales " << q.in_scale << "/" << q.out_scale;
      EXPECT_EQ(r.output_shapes[0].rank, static_cast<int32_t>(out_shape(c).size()));
    }
}

TEST(MeanOp, Int16MatchesReference) {
  std::mt19937 rng(67);
  for (const Case& c : kCases) {
    auto in = random_ints<int16_t>(rng, elements_of(c.shape));
    const RunResult r = run_mean(build(TensorType::kInt16, c, Quant(0.001f, 0), Quant(0.0007f, 0)), in);
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    EXPECT_EQ(values_of<int16_t>(r.output()), ref_mean_int(c, in, 0.001f, 0, 0.0007f, 0)) << "axes " << c.axes.size();
  }
}

TEST(MeanOp, FloatMatchesReferenceBitForBit) {
  std::mt19937 rng(71);
  std::uniform_real_distribution<float> dist(-100.0f, 100.0f);
  for (const Case& c : kCases) {
    std::vector<float> in(elements_of(c.shape));
    for (auto& v : in) v = dist(rng);
    const RunResult r = run_mean(build(TensorType::kFloat32, c, Quant(), Quant()), in);
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    EXPECT_EQ(values_of<float>(r.output()), ref_mean_f32(c, in)) << "axes " << c.axes.size();
  }
}

TEST(MeanOp, RejectsWrongOutputShapeNamingBothShapes) {
  const Case c{{2, 3, 5, 7}, {1, 2}, false};
  const RunResult r = prepare_mean(build(TensorType::kInt8, c, Quant(0.1f, 0), Quant(0.1f, 0), {2, 1, 1, 7}));
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("[2,1,1,7]"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("[2,7]"), std::string::npos) << r.message;
}

TEST(MeanOp, RejectsBadAxes) {
  {
    const Case c{{2, 3}, {2}, false};
    const RunResult r = prepare_mean(build(TensorType::kFloat32, c, Quant(), Quant(), {2, 3}));
    EXPECT_EQ(r.status, Status::kInvalidModel);
    EXPECT_NE(r.message.find("axis 2 out of range"), std::string::npos) << r.message;
  }
  {
    const Case c{{2, 3}, {1}, false};
    const RunResult r = prepare_mean(build(TensorType::kFloat32, c, Quant(), Quant(), {}, /*const_axis=*/false));
    EXPECT_EQ(r.status, Status::kUnsupported);
    EXPECT_NE(r.message.find("constant"), std::string::npos) << r.message;
  }
}

}  // namespace
}  // namespace mote
