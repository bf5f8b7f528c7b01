// Trainer layers (host/train): the GEMM against a double-precision loop; every layer's forward pass
// against the runtime's float kernels (the op it exports to) or a naive loop; numerical gradient
// checks of every layer w.r.t. its inputs and its parameters; the model graph with a residual
// connection; shape errors; and the time of one forward + backward of the Fashion-MNIST CNN.
//
// Gradient checks: objective f = sum(out * r) for a fixed random r, accumulated in double; the
// analytic gradient is backward(dout = r). Central differences (f(x+h) - f(x-h)) / 2h with
// h = 1e-2 for smooth layers and h = 1e-3 where the layer has kinks (ReLU, ReLU6, max), with inputs
// chosen so no kink lies within 3h of the point. Float rounding of f is about 1e-6, so agreement
// is required to |numeric - analytic| <= 3e-3 + 3e-3 |analytic| (smooth: truncation error h^2 f''').
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "host/error.h"
#include "host/train/gemm.h"
#include "host/train/layers.h"
#include "host/train/model.h"
#include "runtime/kernels/conv2d.h"
#include "runtime/kernels/depthwise_conv2d.h"
#include "runtime/kernels/fully_connected.h"
#include "runtime/kernels/pooling.h"

namespace {

using namespace mote::train;
using mote::host::HostError;

Tensor random_tensor(const Shape& s, uint64_t seed, float scale = 1.0f) {
  Tensor t(s);
  Rng rng(seed);
  for (float& v : t.vec()) v = scale * rng.normal();
  return t;
}

// Values at least `margin` away from 0 (for ReLU-like kinks).
Tensor away_from_zero(const Shape& s, uint64_t seed, float margin) {
  Tensor t = random_tensor(s, seed);
  for (float& v : t.vec()) v = v >= 0 ? v + margin : v - margin;
  return t;
}

// ---- GEMM ----------------------------------------------------------------------------------------

void check_gemm(int M, int N, int K, bool ta, bool tb, bool accumulate) {
  const Tensor a = random_tensor({M * K}, 1), b = random_tensor({K * N}, 2);
  Tensor c = random_tensor({M * N}, 3);
  std::vector<double> want(static_cast<size_t>(M) * N);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      double s = accumulate ? c.at(i * N + j) : 0.0;
      for (int k = 0; k < K; ++k)
        s += static_cast<double>(ta ? a.at(k * M + i) : a.at(i * K + k)) * (tb ? b.at(j * K + k) : b.at(k * N + j));
      want[i * N + j] = s;
    }
  gemm(M, N, K, a.data(), ta ? 1 : K, ta ? M : 1, b.data(), tb ? 1 : N, tb ? K : 1, c.data(), N, accumulate);
  for (int i = 0; i < M * N; ++i)
    ASSERT_NEAR(c.at(i), want[i], 1e-4 * (1 + std::sqrt(static_cast<double>(K))))
        << "M " << M << " N " << N << " K " << K << " ta " << ta << " tb " << tb << " at " << i;
}

TEST(TrainGemm, MatchesDoubleLoopForEveryTransposeAndOddSizes) {
  const int sizes[][3] = {{1, 1, 1}, {7, 17, 5}, {6, 16, 256}, {13, 33, 300}, {100, 3, 9}, {97, 40, 513}};
  for (const auto& s : sizes)
    for (int t = 0; t < 8; ++t) check_gemm(s[0], s[1], s[2], t & 1, t & 2, t & 4);
}

TEST(TrainGemm, GatherReadsAThroughOffsetTables) {
  // A(i, k) = image[rows[i] + cols[k]] for scattered offsets, against gemm on A written out.
  const int M = 23, N = 21, K = 300;
  const Tensor image = random_tensor({5000}, 4), b = random_tensor({K * N}, 5);
  std::vector<ptrdiff_t> rows(M), cols(K);
  for (int i = 0; i < M; ++i) rows[i] = (i * 37) % 200;
  for (int k = 0; k < K; ++k) cols[k] = (k * 13) % 4700 + (k % 3);
  std::vector<float> a(static_cast<size_t>(M) * K);
  for (int i = 0; i < M; ++i)
    for (int k = 0; k < K; ++k) a[i * K + k] = image.at(rows[i] + cols[k]);
  for (bool accumulate : {false, true}) {
    Tensor want = random_tensor({M * N}, 6), got = want;
    gemm_nn(M, N, K, a.data(), K, b.data(), N, want.data(), N, accumulate);
    gemm_gather(M, N, K, image.data(), rows.data(), cols.data(), b.data(), N, 1, got.data(), N, accumulate);
    EXPECT_EQ(got.vec(), want.vec()) << "the same arithmetic in the same order: identical bits";
  }
}

TEST(TrainGemm, ZeroDepthClearsOrKeeps) {
  std::vector<float> c = {1, 2, 3, 4};
  gemm_nn(2, 2, 0, nullptr, 0, nullptr, 0, c.data(), 2, true);
  EXPECT_EQ(c, (std::vector<float>{1, 2, 3, 4}));
  gemm_nn(2, 2, 0, nullptr, 0, nullptr, 0, c.data(), 2, false);
  EXPECT_EQ(c, (std::vector<float>{0, 0, 0, 0}));
}

TEST(TrainGemm, HandComputed) {
  const float a[] = {1, 2, 3, 4, 5, 6};       // [2, 3]
  const float b[] = {1, 0, -1, 2, 0.5f, 1};   // [3, 2]
  float c[4];
  gemm_nn(2, 2, 3, a, 3, b, 2, c, 2, false);
  EXPECT_EQ(c[0], 1 * 1 + 2 * -1 + 3 * 0.5f);
  EXPECT_EQ(c[1], 0 + 2 * 2 + 3 * 1);
  EXPECT_EQ(c[2], 4 - 5 + 3);
  EXPECT_EQ(c[3], 0 + 10 + 6);
}

// ---- forward vs the runtime's kernels ------------------------------------------------------------

void expect_close(const Tensor& got, const std::vector<float>& want, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_NEAR(got.at(i), want[i], 1e-5f * (1 + std::fabs(want[i]))) << what << " element " << i;
}

Tensor run_forward(Layer& layer, const std::vector<Tensor>& xs, bool training = false, uint64_t step = 0) {
  std::vector<const Tensor*> in;
  for (const Tensor& x : xs) in.push_back(&x);
  Tensor out;
  layer.forward(in, out, RunContext{nullptr, training, step});
  return out;
}

Shape build(Layer& layer, const std::vector<Shape>& shapes, uint64_t seed = 5) {
  Rng rng(seed);
  return layer.build(shapes, rng);
}

void randomize_bias(Param& b, uint64_t seed) { b.value = random_tensor(b.value.shape(), seed); }

mote::ConvGeometry geometry(int batch, int h, int w, int c, int kh, int kw, int oh, int ow, int oc,
                            int sh, int sw, int pt, int pl) {
  mote::ConvGeometry g;
  g.batches = batch;
  g.input_height = h;
  g.input_width = w;
  g.input_depth = c;
  g.filter_height = kh;
  g.filter_width = kw;
  g.output_height = oh;
  g.output_width = ow;
  g.output_depth = oc;
  g.stride_height = sh;
  g.stride_width = sw;
  g.pad_top = pt;
  g.pad_left = pl;
  return g;
}

struct ConvCase {
  int h, w, c, filters, kh, kw, sh, sw;
  Padding pad;
  Activation act;
};

TEST(TrainForward, Conv2DMatchesRuntimeConv2dF32) {
  const ConvCase cases[] = {{7, 6, 3, 5, 3, 3, 1, 1, Padding::kSame, Activation::kNone},
                            {7, 6, 3, 5, 3, 3, 2, 2, Padding::kSame, Activation::kRelu},
                            {8, 9, 2, 4, 3, 2, 2, 3, Padding::kValid, Activation::kNone},
                            {5, 5, 8, 17, 1, 1, 1, 1, Padding::kValid, Activation::kRelu6},
                            {6, 6, 4, 3, 5, 5, 1, 1, Padding::kSame, Activation::kRelu6},
                            {4, 7, 2, 3, 2, 4, 2, 1, Padding::kSame, Activation::kNone}};
  for (const ConvCase& k : cases) {
    Conv2D conv({k.filters, k.kh, k.kw, k.sh, k.sw, k.pad, k.act});
    const Shape os = build(conv, {{k.h, k.w, k.c}});
    randomize_bias(conv.bias(), 9);
    const int batch = 3;
    const Tensor x = random_tensor({batch, k.h, k.w, k.c}, 11, 3.0f);
    const Tensor y = run_forward(conv, {x});
    mote::Conv2DParams p;
    const Axis ay = make_axis("t", "h", k.h, k.kh, k.sh, k.pad), ax = make_axis("t", "w", k.w, k.kw, k.sw, k.pad);
    p.geo = geometry(batch, k.h, k.w, k.c, k.kh, k.kw, os[0], os[1], k.filters, k.sh, k.sw, ay.before, ax.before);
    p.filter_depth = k.c;
    p.act_min_f = k.act == Activation::kNone ? -INFINITY : 0.0f;
    p.act_max_f = k.act == Activation::kRelu6 ? 6.0f : INFINITY;
    std::vector<float> want(y.size());
    mote::conv2d_f32(p, x.data(), conv.kernel().value.data(), conv.bias().value.data(), want.data());
    EXPECT_EQ(y.shape(), (Shape{batch, os[0], os[1], k.filters}));
    expect_close(y, want, "conv2d");
  }
}

TEST(TrainForward, Conv1DIsConv2DOfHeightOne) {
  Conv1D conv({6, 1, 5, 1, 2, Padding::kSame, Activation::kNone});
  const Shape os = build(conv, {{11, 3}});
  EXPECT_EQ(os, (Shape{6, 6}));
  EXPECT_EQ(conv.kernel().value.shape(), (Shape{6, 1, 5, 3}));
  randomize_bias(conv.bias(), 4);
  const Tensor x = random_tensor({2, 11, 3}, 12);
  const Tensor y = run_forward(conv, {x});
  mote::Conv2DParams p;
  const Axis ax = make_axis("t", "w", 11, 5, 2, Padding::kSame);
  p.geo = geometry(2, 1, 11, 3, 1, 5, 1, 6, 6, 1, 2, 0, ax.before);
  p.filter_depth = 3;
  p.act_min_f = -INFINITY;
  p.act_max_f = INFINITY;
  std::vector<float> want(y.size());
  mote::conv2d_f32(p, x.data(), conv.kernel().value.data(), conv.bias().value.data(), want.data());
  expect_close(y, want, "conv1d");
}

TEST(TrainForward, DepthwiseMatchesRuntimeDepthwiseConv2dF32) {
  for (int mult : {1, 3}) {
    for (Padding pad : {Padding::kSame, Padding::kValid}) {
      DepthwiseConv2D dw({3, 3, 2, 1, pad, mult, Activation::kRelu6});
      const Shape os = build(dw, {{7, 6, 4}});
      EXPECT_EQ(dw.kernel().value.shape(), (Shape{1, 3, 3, 4 * mult}));
      randomize_bias(dw.bias(), 8);
      const Tensor x = random_tensor({2, 7, 6, 4}, 13, 4.0f);
      const Tensor y = run_forward(dw, {x});
      const Axis ay = make_axis("t", "h", 7, 3, 2, pad), ax = make_axis("t", "w", 6, 3, 1, pad);
      mote::DepthwiseConv2DParams p;
      p.geo = geometry(2, 7, 6, 4, 3, 3, os[0], os[1], 4 * mult, 2, 1, ay.before, ax.before);
      p.depth_multiplier = mult;
      p.act_min_f = 0.0f;
      p.act_max_f = 6.0f;
      std::vector<float> want(y.size());
      mote::depthwise_conv2d_f32(p, x.data(), dw.kernel().value.data(), dw.bias().value.data(), want.data());
      expect_close(y, want, "depthwise");
    }
  }
}

TEST(TrainForward, PoolsMatchRuntimePools) {
  const int shapes[][4] = {{3, 3, 2, 2}, {2, 2, 2, 2}, {3, 2, 1, 2}};  // pool h, w, stride h, w
  for (const auto& s : shapes) {
    for (Padding pad : {Padding::kSame, Padding::kValid}) {
      for (bool is_max : {true, false}) {
        Pool2D pool({s[0], s[1], s[2], s[3], pad}, is_max);
        const Shape os = build(pool, {{7, 8, 3}});
        const Tensor x = random_tensor({2, 7, 8, 3}, 14);
        const Tensor y = run_forward(pool, {x});
        const Axis ay = make_axis("t", "h", 7, s[0], s[2], pad), ax = make_axis("t", "w", 8, s[1], s[3], pad);
        mote::PoolParams p;
        p.batches = 2;
        p.input_h = 7;
        p.input_w = 8;
        p.depth = 3;
        p.output_h = os[0];
        p.output_w = os[1];
        p.filter_h = s[0];
        p.filter_w = s[1];
        p.stride_h = s[2];
        p.stride_w = s[3];
        p.pad_top = ay.before;
        p.pad_left = ax.before;
        p.act_min_f = -INFINITY;
        p.act_max_f = INFINITY;
        std::vector<float> want(y.size());
        if (is_max) mote::max_pool_f32(p, x.data(), want.data());
        else mote::average_pool_f32(p, x.data(), want.data());
        expect_close(y, want, is_max ? "max pool" : "average pool");
      }
    }
  }
}

TEST(TrainForward, DenseMatchesRuntimeFullyConnectedF32) {
  Dense dense({7, Activation::kRelu});
  build(dense, {{13}});
  EXPECT_EQ(dense.kernel().value.shape(), (Shape{7, 13}));
  randomize_bias(dense.bias(), 3);
  const Tensor x = random_tensor({5, 13}, 15);
  const Tensor y = run_forward(dense, {x});
  mote::FullyConnectedParams p;
  p.batches = 5;
  p.input_depth = 13;
  p.output_depth = 7;
  p.act_min_f = 0.0f;
  p.act_max_f = INFINITY;
  std::vector<float> want(y.size());
  mote::fully_connected_f32(p, x.data(), dense.kernel().value.data(), dense.bias().value.data(), want.data());
  expect_close(y, want, "dense");
}

TEST(TrainForward, GlobalAveragePoolSoftmaxAndBatchNormByHand) {
  GlobalAveragePool gap;
  EXPECT_EQ(build(gap, {{2, 2, 2}}), (Shape{2}));
  Tensor x({1, 2, 2, 2});
  x.vec() = {1, 10, 2, 20, 3, 30, 4, 40};
  EXPECT_EQ(run_forward(gap, {x}).vec(), (std::vector<float>{2.5f, 25.0f}));

  Softmax sm;
  build(sm, {{3}});
  Tensor z({1, 3});
  z.vec() = {0.0f, std::log(2.0f), std::log(5.0f)};
  const Tensor p = run_forward(sm, {z});
  EXPECT_NEAR(p.at(0), 0.125f, 1e-7f);
  EXPECT_NEAR(p.at(1), 0.25f, 1e-7f);
  EXPECT_NEAR(p.at(2), 0.625f, 1e-7f);

  BatchNorm bn({0.9f, 1e-3f});
  build(bn, {{1}});
  Tensor b({4, 1});
  b.vec() = {1, 2, 3, 6};  // mean 3, variance (4 + 1 + 0 + 9) / 4 = 3.5
  const Tensor y = run_forward(bn, {b}, true);
  const double s = 1.0 / std::sqrt(3.5 + 1e-3);
  EXPECT_NEAR(y.at(0), -2 * s, 1e-6);
  EXPECT_NEAR(y.at(3), 3 * s, 1e-6);
  EXPECT_NEAR(bn.moving_mean().at(0), 0.1f * 3.0f, 1e-7f);
  EXPECT_NEAR(bn.moving_variance().at(0), 0.9f + 0.1f * 3.5f, 1e-6f);
  const Tensor yi = run_forward(bn, {b}, false);  // moving statistics
  EXPECT_NEAR(yi.at(0), (1 - 0.3) / std::sqrt(1.25 + 1e-3), 1e-6);
}

TEST(TrainForward, DropoutDropsAboutRateAndScalesAndRepeats) {
  Dropout d(0.25f);
  build(d, {{1000}});
  const Tensor x({4, 1000}, 1.0f);
  const Tensor a = run_forward(d, {x}, true, 3), b = run_forward(d, {x}, true, 3);
  const Tensor c = run_forward(d, {x}, true, 4), inf = run_forward(d, {x}, false, 3);
  EXPECT_EQ(a.vec(), b.vec());
  EXPECT_NE(a.vec(), c.vec());
  EXPECT_EQ(inf.vec(), x.vec());
  int zeros = 0;
  for (float v : a.vec()) {
    EXPECT_TRUE(v == 0.0f || v == 1.0f / 0.75f) << v;
    zeros += v == 0.0f;
  }
  EXPECT_NEAR(zeros / 4000.0, 0.25, 0.03);
}

// ---- gradient checks -----------------------------------------------------------------------------

struct Tolerance {
  double h = 1e-2, atol = 3e-3, rtol = 3e-3;
};
const Tolerance kSmooth{1e-2, 3e-3, 3e-3};
const Tolerance kKinked{1e-3, 3e-3, 3e-3};

double objective(Layer& layer, const std::vector<Tensor>& xs, const Tensor& r, const RunContext& ctx) {
  std::vector<const Tensor*> in;
  for (const Tensor& x : xs) in.push_back(&x);
  Tensor out;
  layer.forward(in, out, ctx);
  double f = 0;
  for (size_t i = 0; i < out.size(); ++i) f += static_cast<double>(out.at(i)) * r.at(i);
  return f;
}

// Compares numeric and analytic derivatives of every element of `v`; returns mismatches.
int compare(const std::string& what, Tensor& v, const Tensor& analytic, const Tolerance& tol,
            const std::function<double()>& f) {
  int bad = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    const float keep = v.at(i);
    v.at(i) = keep + static_cast<float>(tol.h);
    const double fp = f();
    v.at(i) = keep - static_cast<float>(tol.h);
    const double fm = f();
    v.at(i) = keep;
    // The step actually taken in float.
    const double step = static_cast<double>(keep + static_cast<float>(tol.h)) - (keep - static_cast<float>(tol.h));
    const double num = (fp - fm) / step, ana = analytic.at(i);
    if (std::fabs(num - ana) > tol.atol + tol.rtol * std::fabs(ana)) {
      if (++bad <= 5) ADD_FAILURE() << what << "[" << i << "]: numeric " << num << " analytic " << ana;
    }
  }
  return bad;
}

// Checks d(sum(out * r))/d(inputs) and /d(params) of `layer` at `xs`.
void grad_check(Layer& layer, std::vector<Tensor> xs, const Tolerance& tol, bool training = false,
                bool check_inputs = true) {
  const RunContext ctx{nullptr, training, 1};
  std::vector<const Tensor*> in;
  for (const Tensor& x : xs) in.push_back(&x);
  Tensor out;
  layer.forward(in, out, ctx);
  const Tensor r = random_tensor(out.shape(), 77);
  std::vector<Tensor> din;
  for (const Tensor& x : xs) din.emplace_back(x.shape(), NAN);
  std::vector<Tensor*> dp;
  for (Tensor& d : din) dp.push_back(check_inputs ? &d : nullptr);
  for (Param* p : layer.params()) p->grad.fill(NAN);
  layer.backward(in, out, r, dp, ctx);
  std::vector<Tensor> pgrad;
  for (Param* p : layer.params()) pgrad.push_back(p->grad);
  auto f = [&] { return objective(layer, xs, r, ctx); };
  int bad = 0;
  if (check_inputs)
    for (size_t k = 0; k < xs.size(); ++k)
      bad += compare(std::string(layer.kind()) + " input " + std::to_string(k), xs[k], din[k], tol, f);
  std::vector<Param*> ps = layer.params();
  for (size_t k = 0; k < ps.size(); ++k) bad += compare(std::string(layer.kind()) + " " + ps[k]->name, ps[k]->value, pgrad[k], tol, f);
  EXPECT_EQ(bad, 0) << layer.kind();
}

// Smallest distance of a pre-activation to a kink of `act` (0 for ReLU; 0 and 6 for ReLU6).
double kink_margin(const Tensor& z, Activation act) {
  double m = INFINITY;
  for (float v : z.vec()) {
    if (act != Activation::kNone) m = std::min(m, std::fabs(static_cast<double>(v)));
    if (act == Activation::kRelu6) m = std::min(m, std::fabs(v - 6.0));
  }
  return m;
}

// For a fused activation: an input (seed searched from 1) whose pre-activations stay 3h away from
// the kinks, found with a twin layer without the activation (same seed: same weights).
template <typename L, typename O>
Tensor input_clear_of_kinks(O opts, const Shape& sample, int batch, float scale) {
  const Activation act = opts.activation;
  opts.activation = Activation::kNone;
  L twin(opts);
  build(twin, {sample});
  for (uint64_t seed = 1; seed < 500; ++seed) {
    const Tensor x = random_tensor(batch_shape(batch, sample), seed, scale);
    if (kink_margin(run_forward(twin, {x}), act) > 3 * kKinked.h) return x;
  }
  ADD_FAILURE() << "no input clear of kinks";
  return Tensor();
}

TEST(TrainGradients, Dense) {
  for (Activation act : {Activation::kNone, Activation::kRelu, Activation::kRelu6}) {
    const Dense::Options o{4, act};
    const Tensor x = input_clear_of_kinks<Dense>(o, {5}, 3, act == Activation::kRelu6 ? 4.0f : 1.0f);
    Dense d(o);
    build(d, {{5}});
    grad_check(d, {x}, act == Activation::kNone ? kSmooth : kKinked);
  }
}

TEST(TrainGradients, Conv2DSameValidStridedAndFused) {
  const ConvCase cases[] = {{5, 6, 3, 4, 3, 3, 1, 1, Padding::kSame, Activation::kNone},
                            {6, 5, 2, 3, 3, 2, 2, 2, Padding::kSame, Activation::kRelu},
                            {6, 7, 2, 3, 3, 3, 2, 1, Padding::kValid, Activation::kRelu6},
                            {4, 4, 5, 3, 1, 1, 1, 1, Padding::kValid, Activation::kNone},
                            {6, 7, 2, 3, 2, 3, 1, 1, Padding::kValid, Activation::kNone},
                            {5, 6, 3, 2, 4, 2, 1, 1, Padding::kSame, Activation::kNone}};
  for (const ConvCase& k : cases) {
    const Conv2D::Options o{k.filters, k.kh, k.kw, k.sh, k.sw, k.pad, k.act};
    const Tensor x = input_clear_of_kinks<Conv2D>(o, {k.h, k.w, k.c}, 2, k.act == Activation::kRelu6 ? 5.0f : 1.0f);
    Conv2D conv(o);
    build(conv, {{k.h, k.w, k.c}});
    grad_check(conv, {x}, k.act == Activation::kNone ? kSmooth : kKinked);
  }
}

TEST(TrainGradients, Conv1D) {
  const Conv1D::Options o{3, 1, 3, 1, 2, Padding::kSame, Activation::kRelu};
  const Tensor x = input_clear_of_kinks<Conv1D>(o, {9, 2}, 2, 1.0f);
  Conv1D conv(o);
  build(conv, {{9, 2}});
  grad_check(conv, {x}, kKinked);
}

TEST(TrainGradients, DepthwiseConv2DWithMultiplier) {
  for (int mult : {1, 2}) {
    const DepthwiseConv2D::Options o{3, 3, 2, 1, Padding::kSame, mult, mult == 1 ? Activation::kNone : Activation::kRelu};
    const Tensor x = input_clear_of_kinks<DepthwiseConv2D>(o, {5, 4, 3}, 2, 1.0f);
    DepthwiseConv2D dw(o);
    build(dw, {{5, 4, 3}});
    grad_check(dw, {x}, mult == 1 ? kSmooth : kKinked);
  }
}

// Distinct values 0.01 apart in random order: no two taps of a window within 2h of each other.
Tensor distinct_values(const Shape& s, uint64_t seed) {
  Tensor t(s);
  const std::vector<int> perm = Rng(seed).permutation(static_cast<int>(t.size()));
  for (size_t i = 0; i < t.size(); ++i) t.at(i) = 0.01f * perm[i] - 1.0f;
  return t;
}

TEST(TrainGradients, MaxPoolAndAveragePool) {
  for (Padding pad : {Padding::kSame, Padding::kValid}) {
    MaxPool2D mp({3, 3, 2, 2, pad});
    build(mp, {{5, 6, 2}});
    grad_check(mp, {distinct_values({2, 5, 6, 2}, 3)}, kKinked);
    // Windows that do not overlap take a one-pass path: tiling the input exactly, or not.
    for (const Shape& in : {Shape{5, 6, 2}, Shape{4, 6, 3}}) {
      MaxPool2D disjoint({2, 2, 2, 2, pad});
      build(disjoint, {in});
      grad_check(disjoint, {distinct_values(batch_shape(2, in), 5)}, kKinked);
    }
    AveragePool2D ap({2, 3, 2, 1, pad});
    build(ap, {{5, 6, 2}});
    grad_check(ap, {random_tensor({2, 5, 6, 2}, 4)}, kSmooth);
  }
}

TEST(TrainGradients, GlobalAveragePool) {
  GlobalAveragePool g;
  build(g, {{3, 4, 5}});
  grad_check(g, {random_tensor({2, 3, 4, 5}, 6)}, kSmooth);
  GlobalAveragePool g1;
  build(g1, {{7, 3}});
  grad_check(g1, {random_tensor({2, 7, 3}, 7)}, kSmooth);
}

TEST(TrainGradients, BatchNormTrainingAndInference) {
  BatchNorm bn;
  build(bn, {{3, 2, 4}});
  randomize_bias(bn.gamma(), 1);
  randomize_bias(bn.beta(), 2);
  const Tensor x = random_tensor({3, 3, 2, 4}, 8, 2.0f);
  grad_check(bn, {x}, kSmooth, /*training=*/true);
  bn.moving_mean() = random_tensor({4}, 3);
  bn.moving_variance().fill(0.7f);
  grad_check(bn, {x}, kSmooth, /*training=*/false);
  BatchNorm dense_bn;  // after a Dense: [batch, features]
  build(dense_bn, {{5}});
  randomize_bias(dense_bn.gamma(), 4);
  grad_check(dense_bn, {random_tensor({6, 5}, 9)}, kSmooth, true);
}

TEST(TrainGradients, ReLUAndReLU6) {
  ReLU relu;
  build(relu, {{4, 5}});
  grad_check(relu, {away_from_zero({2, 4, 5}, 1, 3 * kKinked.h)}, kKinked);
  ReLU6 relu6;
  build(relu6, {{30}});
  Tensor x = away_from_zero({2, 30}, 2, 3 * kKinked.h);
  for (float& v : x.vec()) v *= 4.0f;
  for (float& v : x.vec())
    if (std::fabs(v - 6.0f) < 3 * kKinked.h) v += 0.1f;
  grad_check(relu6, {x}, kKinked);
}

TEST(TrainGradients, DropoutInTraining) {
  Dropout d(0.4f);
  build(d, {{3, 7}});
  grad_check(d, {random_tensor({2, 3, 7}, 5)}, kSmooth, /*training=*/true);
}

TEST(TrainGradients, FlattenReshapeSoftmax) {
  Flatten f;
  EXPECT_EQ(build(f, {{2, 3, 4}}), (Shape{24}));
  grad_check(f, {random_tensor({2, 2, 3, 4}, 1)}, kSmooth);
  Reshape r({-1, 6});
  EXPECT_EQ(build(r, {{2, 3, 4}}), (Shape{4, 6}));
  grad_check(r, {random_tensor({2, 2, 3, 4}, 2)}, kSmooth);
  Softmax s;
  build(s, {{3, 5}});
  grad_check(s, {random_tensor({2, 3, 5}, 3, 2.0f)}, kSmooth);
}

TEST(TrainGradients, AddWithThreeInputsAndRelu) {
  Add plain;
  build(plain, {{3, 4}, {3, 4}});
  grad_check(plain, {random_tensor({2, 3, 4}, 1), random_tensor({2, 3, 4}, 2)}, kSmooth);
  Add fused(Activation::kRelu);
  build(fused, {{6}, {6}, {6}});
  const Tensor a = random_tensor({2, 6}, 3), b = random_tensor({2, 6}, 4);
  Tensor c = random_tensor({2, 6}, 5);
  for (size_t i = 0; i < c.size(); ++i) {  // keep the sum 0.05 or more away from 0
    const float s = a.at(i) + b.at(i) + c.at(i);
    if (std::fabs(s) < 0.05f) c.at(i) += 0.1f;
  }
  grad_check(fused, {a, b, c}, kKinked);
}

// ---- the model graph -----------------------------------------------------------------------------

// A residual block: conv -> bn -> relu, conv, add(skip), global pool, dense; the input node feeds
// two layers, so its gradient is the sum of both.
std::unique_ptr<Model> residual_model(uint64_t seed) {
  auto m = std::make_unique<Model>(Shape{6, 6, 3}, seed);
  const int stem = m->add(std::make_unique<Conv2D>(Conv2D::Options{4, 3, 3, 1, 1, Padding::kSame}));
  m->add(std::make_unique<BatchNorm>());
  m->add(std::make_unique<ReLU>());
  const int branch = m->add(std::make_unique<Conv2D>(Conv2D::Options{4, 3, 3, 1, 1, Padding::kSame}));
  const int skip = m->add(std::make_unique<Conv2D>(Conv2D::Options{4, 1, 1, 1, 1, Padding::kValid}), {m->input()});
  m->add(std::make_unique<Add>(), {branch, skip, stem});
  m->add(std::make_unique<GlobalAveragePool>());
  m->add(std::make_unique<Dense>(Dense::Options{3}));
  return m;
}

TEST(TrainModel, ResidualGraphGradientsMatchNumeric) {
  auto m = residual_model(3);
  EXPECT_EQ(m->shape(m->output()), (Shape{3}));
  // An input for which no input of the ReLU (a BatchNorm output) lies within 3h of 0.
  Tensor x;
  for (uint64_t seed = 1; seed < 200 && x.empty(); ++seed) {
    x = random_tensor({4, 6, 6, 3}, seed);
    m->forward(x, true);
    if (kink_margin(m->output_tensor(2), Activation::kRelu) <= 3 * kKinked.h) x = Tensor();
  }
  ASSERT_FALSE(x.empty());
  const Tensor r = random_tensor({4, 3}, 22);
  auto f = [&] {
    const Tensor& y = m->forward(x, /*training=*/true);
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += static_cast<double>(y.at(i)) * r.at(i);
    return s;
  };
  f();
  m->backward(r, /*want_input_grad=*/true);
  const Tensor dx = m->input_grad();
  std::vector<Tensor> grads;
  for (Param* p : m->params()) grads.push_back(p->grad);
  int bad = compare("model input", x, dx, kKinked, f);
  std::vector<Param*> ps = m->params();
  for (size_t k = 0; k < ps.size(); ++k) bad += compare("param " + std::to_string(k), ps[k]->value, grads[k], kKinked, f);
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(m->param_count(), (4u * 27 + 4) + 8 + (4u * 36 + 4) + (4u * 3 + 4) + (3u * 4 + 3));
}

TEST(TrainModel, ShapeErrorsNameTheLayerAndTheNumbers) {
  Model m({28, 28, 1});
  auto message = [&](std::unique_ptr<Layer> l, std::vector<int> in) {
    try {
      m.add(std::move(l), in);
    } catch (const HostError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(std::make_unique<Dense>(Dense::Options{10}), {0}).find("rank-2 input"), std::string::npos);
  EXPECT_NE(message(std::make_unique<Conv2D>(Conv2D::Options{4, 30, 3, 1, 1, Padding::kValid}), {0})
                .find("height input 28 is smaller than the filter 30"),
            std::string::npos);
  const int a = m.add(std::make_unique<Conv2D>(Conv2D::Options{4, 3, 3, 1, 1, Padding::kSame}));
  const int b = m.add(std::make_unique<MaxPool2D>(Pool2D::Options{}));
  const std::string add = message(std::make_unique<Add>(), {a, b});
  EXPECT_NE(add.find("input 1 has per-sample shape [14, 14, 4], input 0 has [28, 28, 4]"), std::string::npos) << add;
  EXPECT_NE(message(std::make_unique<ReLU>(), {9}).find("input node 9 does not exist"), std::string::npos);
  EXPECT_NE(message(std::make_unique<Reshape>(Shape{5, -1}), {b}).find("784 values"), std::string::npos);
  EXPECT_THROW(m.forward(Tensor({2, 28, 27, 1}), false), HostError);
}

// ---- speed ---------------------------------------------------------------------------------------

// The Fashion-MNIST CNN of the training anchor (42,090 parameters).
std::unique_ptr<Model> anchor_cnn(uint64_t seed) {
  auto m = std::make_unique<Model>(Shape{28, 28, 1}, seed);
  for (int filters : {16, 32, 64}) {
    m->add(std::make_unique<Conv2D>(Conv2D::Options{filters, 3, 3, 1, 1, Padding::kSame, Activation::kRelu}));
    m->add(std::make_unique<MaxPool2D>(Pool2D::Options{2, 2, 2, 2, Padding::kValid}));
  }
  m->add(std::make_unique<Flatten>());
  m->add(std::make_unique<Dense>(Dense::Options{32, Activation::kRelu}));
  m->add(std::make_unique<Dense>(Dense::Options{10}));
  return m;
}

TEST(TrainSpeed, FashionCnnForwardBackwardBatch64) {
  auto m = anchor_cnn(0);
  EXPECT_EQ(m->param_count(), 42090u);
  const Tensor x = random_tensor({64, 28, 28, 1}, 1);
  const Tensor dy = random_tensor({64, 10}, 2, 0.01f);
  for (int threads : {1, 2}) {
    m->set_threads(threads);
    for (int i = 0; i < 3; ++i) {  // warm up
      m->forward(x, true);
      m->backward(dy);
    }
    const int reps = 20;
    double best = INFINITY, total = 0;
    for (int i = 0; i < reps; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      m->forward(x, true);
      m->backward(dy);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      best = std::min(best, ms);
      total += ms;
    }
    std::printf("fashion CNN, batch 64, %d thread(s): forward+backward best %.2f ms, mean %.2f ms\n",
                threads, best, total / reps);
  }
}

}  // namespace
