// STRIDED_SLICE: the plan and kernels against hand-computed slices (negative strides, each mask,
// clamping), the op through the interpreter on ModelBuilder models compared with a naive
// index-list implementation on random 1-5 D slices of every type, prepare errors, and the seanet
// int16 STRIDED_SLICE models end to end.
#include "runtime/kernels/strided_slice.h"

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
using testing::ModelBuilder;
using testing::Options;
using testing::Quant;
using testing::RunResult;
using testing::shape_of;
using testing::values_of;

// Runs a model with only STRIDED_SLICE registered.
RunResult run_model(const std::vector<uint8_t>& model, const std::vector<std::vector<uint8_t>>& inputs) {
  return testing::run_model(model, inputs, {op_strided_slice()});
}

struct Slice {
  std::vector<int32_t> begin, end, strides;
  int32_t begin_mask = 0, end_mask = 0, shrink_mask = 0;
};

// Naive: the list of input indices taken along each axis, then their Cartesian product.
std::vector<std::vector<int32_t>> naive_indices(const std::vector<int32_t>& dims, const Slice& s) {
  std::vector<std::vector<int32_t>> taken(dims.size());
  for (size_t a = 0; a < dims.size(); ++a) {
    const int32_t n = dims[a], st = s.strides[a];
    auto fix = [&](int32_t v, bool masked, bool is_begin) {
      if (masked) return is_begin ? (st > 0 ? 0 : n - 1) : (st > 0 ? n : -1);
      if (v < 0) v += n;
      return st > 0 ? std::clamp(v, 0, n) : std::clamp(v, -1, n - 1);
    };
    const int32_t first = fix(s.begin[a], (s.begin_mask >> a) & 1, true);
    if ((s.shrink_mask >> a) & 1) {
      taken[a] = {first};
      continue;
    }
    const int32_t stop = fix(s.end[a], (s.end_mask >> a) & 1, false);
    for (int32_t i = first; st > 0 ? i < stop : i > stop; i += st) taken[a].push_back(i);
  }
  return taken;
}

std::vector<int32_t> naive_out_shape(const std::vector<int32_t>& dims, const Slice& s) {
  auto taken = naive_indices(dims, s);
  std::vector<int32_t> out;
  for (size_t a = 0; a < dims.size(); ++a)
    if (!((s.shrink_mask >> a) & 1)) out.push_back(static_cast<int32_t>(taken[a].size()));
  return out;
}

template <typename T>
std::vector<T> naive_slice(const std::vector<int32_t>& dims, const std::vector<T>& in, const Slice& s) {
  auto taken = naive_indices(dims, s);
  std::vector<T> out;
  std::vector<size_t> pos(dims.size(), 0);
  for (auto& t : taken)
    if (t.empty()) return out;
  while (true) {
    size_t src = 0;
    for (size_t a = 0; a < dims.size(); ++a) src = src * dims[a] + taken[a][pos[a]];
    out.push_back(in[src]);
    size_t a = dims.size();
    while (a-- > 0) {
      if (++pos[a] < taken[a].size()) break;
      pos[a] = 0;
    }
    if (a == static_cast<size_t>(-1)) return out;
  }
}

// Runs the kernel directly for a slice of an iota tensor; returns (output shape, values).
std::pair<std::vector<int32_t>, std::vector<int32_t>> kernel_slice(const std::vector<int32_t>& dims, const Slice& s) {
  StridedSlicePlan plan;
  Shape out;
  int32_t bad = -1;
  StridedSliceMasks m;
  m.begin = static_cast<uint32_t>(s.begin_mask);
  m.end = static_cast<uint32_t>(s.end_mask);
  m.shrink_axis = static_cast<uint32_t>(s.shrink_mask);
  EXPECT_EQ(plan_strided_slice(shape_of(dims), s.begin.data(), s.end.data(), s.strides.data(), m, &plan, &out, &bad),
            StridedSliceError::kOk);
  std::vector<int32_t> in(shape_of(dims).elements());
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int32_t>(i);
  std::vector<int32_t> values(out.elements(), -1);
  strided_slice_s32(plan, in.data(), values.data());
  return {std::vector<int32_t>(out.dims, out.dims + out.rank), values};
}

using V = std::vector<int32_t>;

TEST(StridedSliceKernel, HandComputed1D) {
  const V dims = {6};  // values 0..5
  EXPECT_EQ(kernel_slice(dims, {{1}, {4}, {1}}).second, (V{1, 2, 3}));
  EXPECT_EQ(kernel_slice(dims, {{0}, {6}, {2}}).second, (V{0, 2, 4}));
  EXPECT_EQ(kernel_slice(dims, {{-1}, {0}, {-1}}).second, (V{5, 4, 3, 2, 1}));          // x[-1:0:-1]
  EXPECT_EQ(kernel_slice(dims, {{0}, {0}, {-1}, 1, 1}).second, (V{5, 4, 3, 2, 1, 0}));  // x[::-1] via masks
  EXPECT_EQ(kernel_slice(dims, {{4}, {1}, {-2}}).second, (V{4, 2}));
  EXPECT_EQ(kernel_slice(dims, {{-100}, {100}, {3}}).second, (V{0, 3}));             // clamped
  EXPECT_EQ(kernel_slice(dims, {{100}, {-100}, {-2}}).second, (V{5, 3, 1}));         // clamped backwards
  EXPECT_EQ(kernel_slice(dims, {{3}, {3}, {1}}).first, (V{0}));                      // empty
  EXPECT_EQ(kernel_slice(dims, {{2}, {-1}, {1}, 0, 1}).second, (V{2, 3, 4, 5}));     // end_mask
  EXPECT_EQ(kernel_slice(dims, {{2}, {-1}, {1}, 1, 0}).second, (V{0, 1, 2, 3, 4}));  // begin_mask
}

TEST(StridedSliceKernel, HandComputed2DShrinkAndMasks) {
  const V dims = {3, 4};                                           // row-major 0..11
  auto r = kernel_slice(dims, {{1, 0}, {2, 4}, {1, 1}, 0, 0, 1});  // x[1, :]
  EXPECT_EQ(r.first, (V{4}));
  EXPECT_EQ(r.second, (V{4, 5, 6, 7}));
  r = kernel_slice(dims, {{0, -1}, {3, 0}, {1, 1}, 0, 0, 2});  // x[:, -1]
  EXPECT_EQ(r.first, (V{3}));
  EXPECT_EQ(r.second, (V{3, 7, 11}));
  r = kernel_slice(dims, {{0, 0}, {0, 0}, {-1, -2}, 3, 3});  // x[::-1, ::-2]
  EXPECT_EQ(r.first, (V{3, 2}));
  EXPECT_EQ(r.second, (V{11, 9, 7, 5, 3, 1}));
  r = kernel_slice(dims, {{-2, 1}, {0, 0}, {1, 1}, 0, 3, 1});  // x[-2, 1:]
  EXPECT_EQ(r.first, (V{3}));
  EXPECT_EQ(r.second, (V{5, 6, 7}));
}

TEST(StridedSliceKernel, PlanRejectsZeroStrideAndBadShrinks) {
  StridedSlicePlan plan;
  Shape out;
  int32_t bad = -1;
  StridedSliceMasks m;
  const int32_t b[2] = {0, 0}, e[2] = {2, 2}, zero[2] = {1, 0};
  EXPECT_EQ(plan_strided_slice(shape_of({2, 2}), b, e, zero, m, &plan, &out, &bad), StridedSliceError::kZeroStride);
  EXPECT_EQ(bad, 1);
  m.shrink_axis = 1;
  const int32_t far[2] = {5, 0}, one[2] = {1, 1}, neg[2] = {-1, 1};
  EXPECT_EQ(plan_strided_slice(shape_of({2, 2}), far, e, one, m, &plan, &out, &bad),
            StridedSliceError::kShrinkOutOfRange);
  EXPECT_EQ(plan_strided_slice(shape_of({2, 2}), b, e, neg, m, &plan, &out, &bad), StridedSliceError::kShrinkNegative);
}

// ---- the op through the interpreter -------------------------------------------------------------

template <typename T>
std::vector<uint8_t> slice_model(TensorType type, const std::vector<int32_t>& dims, const Slice& s,
                                 std::vector<int32_t> out_dims, Quant q, Options opt, bool int64_indices = false) {
  ModelBuilder b;
  const int rank = static_cast<int>(dims.size());
  int in = b.add_tensor(type, dims, q);
  auto idx = [&](const std::vector<int32_t>& v) {
    if (!int64_indices) return b.add_const_i32({rank}, v);
    return b.add_const_i64({rank}, std::vector<int64_t>(v.begin(), v.end()));
  };
  int tb = idx(s.begin), te = idx(s.end), ts = idx(s.strides);
  int out = b.add_tensor(type, out_dims, q);
  b.add_op(BuiltinOp::STRIDED_SLICE, {in, tb, te, ts}, {out}, opt);
  b.set_inputs({in});
  b.set_outputs({out});
  return b.finish();
}

Options options_of(const Slice& s) { return Options::strided_slice(s.begin_mask, s.end_mask, 0, 0, s.shrink_mask); }

template <typename T>
void check_random(TensorType type, Quant q, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> dim(1, 5), val(-100, 100);
  const int32_t strides[] = {-3, -2, -1, 1, 1, 2, 3};
  int nonempty = 0;
  for (int iter = 0; iter < 150; ++iter) {
    const int rank = 1 + iter % 5;
    std::vector<int32_t> dims(rank);
    for (auto& d : dims) d = dim(rng);
    Slice s;
    for (int a = 0; a < rank; ++a) {
      std::uniform_int_distribution<int32_t> index(-dims[a] - 2, dims[a] + 2);
      s.begin.push_back(index(rng));
      s.end.push_back(index(rng));
      s.strides.push_back(strides[rng() % 7]);
      if (rng() % 4 != 0) {  // mostly a non-empty range in the stride's direction
        const int32_t lo = std::uniform_int_distribution<int32_t>(0, dims[a] - 1)(rng);
        const int32_t hi = std::uniform_int_distribution<int32_t>(lo, dims[a] - 1)(rng);
        s.begin[a] = s.strides[a] > 0 ? lo : hi;
        s.end[a] = s.strides[a] > 0 ? hi + 1 : (lo > 0 ? lo - 1 : -dims[a] - 1);
        if (rng() % 2) s.begin[a] -= dims[a];  // the same index, counted from the end
      }
      if (rng() % 4 == 0) s.begin_mask |= 1 << a;
      if (rng() % 4 == 0) s.end_mask |= 1 << a;
      if (rng() % 6 == 0) {  // a valid shrink: stride 1, begin inside the axis
        s.shrink_mask |= 1 << a;
        s.strides[a] = 1;
        s.begin_mask &= ~(1 << a);
        s.begin[a] = std::uniform_int_distribution<int32_t>(-dims[a], dims[a] - 1)(rng);
      }
    }
    std::vector<T> in(shape_of(dims).elements());
    for (auto& x : in) x = static_cast<T>(val(rng));
    const std::vector<int32_t> out_dims = naive_out_shape(dims, s);
    const std::vector<T> want = naive_slice(dims, in, s);
    RunResult r = run_model(slice_model<T>(type, dims, s, out_dims, q, options_of(s), iter % 4 == 0), {bytes_of(in)});
    ASSERT_EQ(r.status, Status::kOk) << r.message << " (iteration " << iter << ")";
    ASSERT_EQ(values_of<T>(r.output()), want) << "iteration " << iter;
    nonempty += want.empty() ? 0 : 1;
  }
  EXPECT_GT(nonempty, 75);  // the random slices are not mostly empty
}

TEST(StridedSliceOp, Int8RandomSlicesMatchNaive) { check_random<int8_t>(TensorType::kInt8, Quant(0.1f, 3), 1); }
TEST(StridedSliceOp, Int16RandomSlicesMatchNaive) { check_random<int16_t>(TensorType::kInt16, Quant(0.1f, 0), 2); }
TEST(StridedSliceOp, Int32RandomSlicesMatchNaive) { check_random<int32_t>(TensorType::kInt32, Quant(), 3); }
TEST(StridedSliceOp, Float32RandomSlicesMatchNaive) { check_random<float>(TensorType::kFloat32, Quant(), 4); }

TEST(StridedSliceOp, FiveDimensionalBatchSlice) {
  const std::vector<int32_t> dims = {2, 3, 2, 3, 4};
  std::vector<int16_t> in(2 * 3 * 2 * 3 * 4);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int16_t>(i);
  Slice s{{1, 0, 0, 2, 3}, {2, 3, 2, 0, 0}, {1, 2, 1, -1, -3}, 0, 0, 0};
  const std::vector<int32_t> out_dims = naive_out_shape(dims, s);
  EXPECT_EQ(out_dims, (std::vector<int32_t>{1, 2, 2, 2, 1}));
  RunResult r = run_model(slice_model<int16_t>(TensorType::kInt16, dims, s, out_dims, Quant(1, 0), options_of(s)),
                          {bytes_of(in)});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  // Element [b=1, c, h, w, d=3] = 72 + 24c + 12h + 4w + 3, c in {0, 2}, w in {2, 1}.
  EXPECT_EQ(values_of<int16_t>(r.output()), (std::vector<int16_t>{83, 79, 95, 91, 131, 127, 143, 139}));
}

TEST(StridedSliceOp, RejectsWhatItCannotRunFaithfully) {
  const std::vector<int32_t> dims = {4, 4};
  Slice s{{0, 0}, {4, 4}, {1, 1}};
  auto run = [&](Options opt, std::vector<int32_t> out_dims) {
    return run_model(slice_model<float>(TensorType::kFloat32, dims, s, out_dims, Quant(), opt),
                     {std::vector<uint8_t>(64)});
  };
  RunResult r = run(Options::strided_slice(0, 0, /*ellipsis=*/1), {4, 4});
  EXPECT_EQ(r.status, Status::kUnsupported) << r.message;
  r = run(Options::strided_slice(0, 0, 0, /*new_axis=*/2), {4, 4});
  EXPECT_EQ(r.status, Status::kUnsupported) << r.message;
  r = run(Options::strided_slice(0, 0, 0, 0, 0, /*offset=*/true), {4, 4});
  EXPECT_EQ(r.status, Status::kUnsupported) << r.message;
  r = run(Options::strided_slice(0, 0), {4, 3});  // wrong output shape
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("[4,3]"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("[4,4]"), std::string::npos) << r.message;
  s.strides = {1, 0};
  r = run(Options::strided_slice(0, 0), {4, 4});
  EXPECT_EQ(r.status, Status::kInvalidModel) << r.message;

  // Non-constant begin.
  ModelBuilder b;
  int in = b.add_tensor(TensorType::kFloat32, dims);
  int tb = b.add_tensor(TensorType::kInt32, {2});
  int te = b.add_const_i32({2}, {4, 4}), ts = b.add_const_i32({2}, {1, 1});
  int out = b.add_tensor(TensorType::kFloat32, dims);
  b.add_op(BuiltinOp::STRIDED_SLICE, {in, tb, te, ts}, {out}, Options::strided_slice(0, 0));
  b.set_inputs({in, tb});
  b.set_outputs({out});
  r = run_model(b.finish(), {std::vector<uint8_t>(64), std::vector<uint8_t>(8)});
  EXPECT_EQ(r.status, Status::kUnsupported) << r.message;
}

// ---- seanet int16 models end to end ---------------------------------------------------------------

TEST(Seanet, StridedSliceInt16CasesMatchTflm) {
  if (testing::shared_dir().empty()) GTEST_SKIP() << "../shared/conformance not found";
  EXPECT_EQ(testing::check_seanet_cases("strided_slice", {op_strided_slice()}), 34);
}

}  // namespace
}  // namespace mote
