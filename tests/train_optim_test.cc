// Trainer losses, optimizers, schedules, random numbers, thread pool, determinism and small
// end-to-end fits (host/train). Hand-computed values are worked out in the comments.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "host/error.h"
#include "host/train/layers.h"
#include "host/train/loss.h"
#include "host/train/model.h"
#include "host/train/optim.h"
#include "host/train/trainer.h"

namespace {

using namespace mote::train;
using mote::host::HostError;

Tensor make(const Shape& s, std::vector<float> v) {
  Tensor t(s);
  t.vec() = std::move(v);
  return t;
}

// ---- random numbers ------------------------------------------------------------------------------

TEST(TrainRng, Pcg32ReferenceSequence) {
  // pcg32_srandom(42, 54) from the PCG reference implementation.
  Rng rng(42, 54);
  const uint32_t want[] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u, 0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
  for (uint32_t w : want) EXPECT_EQ(rng.next(), w);
}

TEST(TrainRng, UniformBelowPermutationAndHash) {
  Rng rng(7);
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const float u = rng.uniform();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.01);
  std::vector<int> seen(7, 0);
  for (int i = 0; i < 7000; ++i) ++seen[rng.below(7)];
  for (int c : seen) EXPECT_NEAR(c, 1000, 150);
  std::vector<int> p = Rng(3).permutation(50);
  std::vector<int> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 50; ++i) EXPECT_EQ(sorted[i], i);
  EXPECT_EQ(p, Rng(3).permutation(50));
  EXPECT_NE(p, Rng(4).permutation(50));
  EXPECT_EQ(hash64(1, 2, 3), hash64(1, 2, 3));
  EXPECT_NE(hash64(1, 2, 3), hash64(1, 2, 4));
  double s2 = 0;
  for (int i = 0; i < 2000; ++i) s2 += rng.normal() * 1.0;
  EXPECT_NEAR(s2 / 2000, 0.0, 0.1);
}

// ---- thread pool ---------------------------------------------------------------------------------

TEST(TrainPool, EveryTaskOnceNestedRunsSeriallyErrorsPropagate) {
  ThreadPool pool(2);
  EXPECT_EQ(pool.threads(), 2);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::atomic<int>> hits(37);
    pool.run(37, [&](int t) {
      hits[t]++;
      int inner = 0;
      pool.run(3, [&](int) { ++inner; });  // nested: serial on this thread
      EXPECT_EQ(inner, 3);
    });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1);
  }
  EXPECT_THROW(pool.run(8, [](int t) { if (t == 5) throw std::runtime_error("task 5"); }), std::runtime_error);
  EXPECT_THROW(pool.run(1, [](int) { throw std::runtime_error("single task"); }), std::runtime_error);
  // The pool is still parallel after both kinds of failure: each of two tasks waits (up to 5 s)
  // for the other to start, so they run on two different threads.
  std::atomic<int> arrived{0};
  std::thread::id ids[2];
  pool.run(2, [&](int t) {
    ids[t] = std::this_thread::get_id();
    arrived++;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (arrived.load() < 2 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  });
  EXPECT_NE(ids[0], ids[1]);
  int after = 0;
  pool.run(1, [&](int) { ++after; });
  EXPECT_EQ(after, 1);
}

// ---- losses --------------------------------------------------------------------------------------

TEST(TrainLoss, SoftmaxCrossEntropyByHand) {
  // softmax(0, ln 2, ln 5) = (1, 2, 5) / 8; label 2: loss = -ln(5/8) = 0.4700036.
  const Tensor z = make({1, 3}, {0.0f, std::log(2.0f), std::log(5.0f)});
  Tensor g;
  EXPECT_NEAR(SoftmaxCrossEntropy().compute(z, make({1}, {2}), &g), -std::log(0.625), 1e-6);
  EXPECT_NEAR(g.at(0), 0.125, 1e-6);
  EXPECT_NEAR(g.at(1), 0.25, 1e-6);
  EXPECT_NEAR(g.at(2), -0.375, 1e-6);
  // One-hot targets give the same; a batch of two averages (label 0: -ln(1/8) = 2.0794415).
  const Tensor z2 = make({2, 3}, {0.0f, std::log(2.0f), std::log(5.0f), 0.0f, std::log(2.0f), std::log(5.0f)});
  EXPECT_NEAR(SoftmaxCrossEntropy().compute(z2, make({2, 3}, {0, 0, 1, 1, 0, 0}), &g),
              (-std::log(0.625) - std::log(0.125)) / 2, 1e-6);
  EXPECT_NEAR(g.at(3), (0.125 - 1) / 2, 1e-6);
  EXPECT_NEAR(SoftmaxCrossEntropy().compute(z2, make({2, 1}, {2, 0}), nullptr), (-std::log(0.625) - std::log(0.125)) / 2, 1e-6);
  // Large logits stay finite.
  EXPECT_NEAR(SoftmaxCrossEntropy().compute(make({1, 2}, {1000.0f, 0.0f}), make({1}, {1}), nullptr), 1000.0, 1e-3);
}

TEST(TrainLoss, BadLabelsNameTheSampleAndTheValue) {
  const Tensor z({2, 3});
  try {
    SoftmaxCrossEntropy().compute(z, make({2}, {1, 3}), nullptr);
    FAIL();
  } catch (const HostError& e) {
    EXPECT_NE(std::string(e.what()).find("label of sample 1 is 3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[0, 3)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(SoftmaxCrossEntropy().compute(z, make({2}, {0.5f, 1}), nullptr), HostError);
  EXPECT_THROW(SoftmaxCrossEntropy().compute(z, make({2}, {-1, 1}), nullptr), HostError);
  EXPECT_THROW(SoftmaxCrossEntropy().compute(z, Tensor({3}), nullptr), HostError);
  EXPECT_THROW(MeanSquaredError().compute(z, Tensor({2, 2}), nullptr), HostError);
  EXPECT_THROW(BinaryCrossEntropy().compute(Tensor({1, 1}), make({1, 1}, {2.0f}), nullptr), HostError);
}

TEST(TrainLoss, BinaryCrossEntropyAndMseByHand) {
  Tensor g;
  // Logits: z = 0, t = 1: ln 2, grad (0.5 - 1) / 2; z = 2, t = 0: 2 + ln(1 + e^-2) = 2.1269280,
  // grad sigmoid(2) / 2 = 0.8807971 / 2.
  const double want = (std::log(2.0) + 2 + std::log1p(std::exp(-2.0))) / 2;
  EXPECT_NEAR(BinaryCrossEntropy().compute(make({2, 1}, {0, 2}), make({2, 1}, {1, 0}), &g), want, 1e-6);
  EXPECT_NEAR(g.at(0), -0.25, 1e-7);
  EXPECT_NEAR(g.at(1), 0.8807971 / 2, 1e-6);
  // Probabilities: p = 0.8, t = 1: -ln 0.8 = 0.2231436, grad (0.8 - 1) / (0.8 * 0.2) = -1.25.
  EXPECT_NEAR(BinaryCrossEntropy(false).compute(make({1}, {0.8f}), make({1}, {1}), &g), -std::log(0.8), 1e-6);
  EXPECT_NEAR(g.at(0), -1.25, 1e-5);
  // MSE: ((1 - 0)^2 + (2 - 4)^2) / 2 = 2.5; grad 2 (p - t) / 2 = (1, -2).
  EXPECT_NEAR(MeanSquaredError().compute(make({2, 1}, {1, 2}), make({2, 1}, {0, 4}), &g), 2.5, 1e-12);
  EXPECT_EQ(g.vec(), (std::vector<float>{1, -2}));
}

// Central differences of the loss w.r.t. each prediction (h = 1e-3; the loss is summed in double,
// so only the float rounding of pred +- h matters): |numeric - analytic| <= 1e-4 + 1e-3 |analytic|.
void loss_grad_check(const Loss& loss, Tensor pred, const Tensor& target) {
  Tensor g;
  loss.compute(pred, target, &g);
  for (size_t i = 0; i < pred.size(); ++i) {
    const float keep = pred.at(i), h = 1e-3f;
    pred.at(i) = keep + h;
    const double fp = loss.compute(pred, target, nullptr);
    pred.at(i) = keep - h;
    const double fm = loss.compute(pred, target, nullptr);
    pred.at(i) = keep;
    const double num = (fp - fm) / (static_cast<double>(keep + h) - (keep - h));
    EXPECT_NEAR(num, g.at(i), 1e-4 + 1e-3 * std::fabs(g.at(i))) << loss.name() << " element " << i;
  }
}

TEST(TrainLoss, GradientsMatchNumeric) {
  Rng rng(5);
  Tensor logits({4, 5});
  for (float& v : logits.vec()) v = 2 * rng.normal();
  loss_grad_check(SoftmaxCrossEntropy(), logits, make({4}, {0, 4, 2, 2}));
  Tensor soft({4, 5});
  for (int n = 0; n < 4; ++n)
    for (int c = 0; c < 5; ++c) soft.at(n * 5 + c) = (c == n ? 0.6f : 0.1f);
  loss_grad_check(SoftmaxCrossEntropy(), logits, soft);
  Tensor t({4, 5});
  for (float& v : t.vec()) v = rng.uniform();
  loss_grad_check(BinaryCrossEntropy(), logits, t);
  Tensor probs({4, 5});
  for (float& v : probs.vec()) v = 0.05f + 0.9f * rng.uniform();
  loss_grad_check(BinaryCrossEntropy(false), probs, t);
  loss_grad_check(MeanSquaredError(), logits, t);
}

TEST(TrainLoss, Accuracy) {
  const Tensor z = make({3, 2}, {0, 1, 5, 2, 3, 3});  // argmax 1, 0, 0 (first on ties)
  EXPECT_NEAR(accuracy(z, make({3}, {1, 0, 1})), 2.0 / 3, 1e-12);
  EXPECT_NEAR(accuracy(z, make({3, 2}, {0, 1, 1, 0, 1, 0})), 1.0, 1e-12);
}

// ---- optimizers and schedules --------------------------------------------------------------------

// One weight (decayed) and one bias (not decayed), both 1.0, gradients 0.5.
struct TwoParams {
  Param w{"kernel", make({1}, {1.0f}), make({1}, {0.5f}), true};
  Param b{"bias", make({1}, {1.0f}), make({1}, {0.5f}), false};
  std::vector<Param*> all() { return {&w, &b}; }
};

TEST(TrainOptim, SgdPlainMomentumNesterovDecay) {
  TwoParams p;
  SGD plain;
  plain.step(p.all(), 0.1f);
  EXPECT_FLOAT_EQ(p.w.value.at(0), 0.95f);  // 1 - 0.1 * 0.5

  TwoParams q;
  SGD momentum(0.9f);
  momentum.step(q.all(), 0.1f);               // v = 0.5, w = 1 - 0.05
  EXPECT_FLOAT_EQ(q.w.value.at(0), 0.95f);
  momentum.step(q.all(), 0.1f);               // v = 0.9 * 0.5 + 0.5 = 0.95, w = 0.95 - 0.095
  EXPECT_FLOAT_EQ(q.w.value.at(0), 0.855f);

  TwoParams r;
  SGD nesterov(0.9f, true);
  nesterov.step(r.all(), 0.1f);               // v = 0.5, update = 0.5 + 0.9 * 0.5 = 0.95
  EXPECT_FLOAT_EQ(r.w.value.at(0), 0.905f);

  TwoParams s;
  SGD decayed(0.0f, false, 0.1f);
  decayed.step(s.all(), 0.1f);                // kernel: g = 0.5 + 0.1 * 1 = 0.6; bias: no decay
  EXPECT_FLOAT_EQ(s.w.value.at(0), 0.94f);
  EXPECT_FLOAT_EQ(s.b.value.at(0), 0.95f);
  EXPECT_EQ(decayed.steps(), 1);
}

TEST(TrainOptim, AdamTwoStepsByHand) {
  TwoParams p;
  Adam adam;  // b1 0.9, b2 0.999, eps 1e-8
  // Step 1: m = 0.05, v = 0.00025, step = 0.1 / 0.1 = 1, denom = sqrt(0.00025) / sqrt(0.001) + eps
  // = 0.5 + 1e-8: w = 1 - 0.05 / 0.5 = 0.9.
  adam.step(p.all(), 0.1f);
  EXPECT_NEAR(p.w.value.at(0), 0.9, 1e-6);
  // Step 2, g = -0.25: m = 0.045 - 0.025 = 0.02, v = 0.00024975 + 0.0000625 = 0.00031225,
  // step = 0.1 / 0.19, denom = sqrt(0.00031225) / sqrt(1 - 0.999^2) + eps:
  // w = 0.9 - (0.1 / 0.19) * 0.02 / 0.3952261 = 0.8733665.
  p.w.grad.at(0) = -0.25f;
  adam.step(p.all(), 0.1f);
  const double denom = std::sqrt(0.00031225) / std::sqrt(1 - 0.999 * 0.999) + 1e-8;
  EXPECT_NEAR(p.w.value.at(0), 0.9 - (0.1 / 0.19) * 0.02 / denom, 2e-6);
  EXPECT_NEAR(p.w.value.at(0), 0.8733665, 2e-6);
  // With decay 0.5 the kernel's first gradient is 0.5 + 0.5 * 1 = 1: Adam's first step is still
  // lr * sign; the bias is not decayed.
  TwoParams q;
  Adam decayed(0.9f, 0.999f, 1e-8f, 0.5f);
  decayed.step(q.all(), 0.01f);
  EXPECT_NEAR(q.w.value.at(0), 0.99, 1e-6);
  EXPECT_NEAR(q.b.value.at(0), 0.99, 1e-6);
}

TEST(TrainOptim, Schedules) {
  const LrSchedule c = LrSchedule::constant(0.3f);
  EXPECT_FLOAT_EQ(c.at(0), 0.3f);
  EXPECT_FLOAT_EQ(c.at(100), 0.3f);
  const LrSchedule s = LrSchedule::step(0.1f, 2, 0.5f);
  EXPECT_FLOAT_EQ(s.at(0), 0.1f);
  EXPECT_FLOAT_EQ(s.at(1.99), 0.1f);
  EXPECT_FLOAT_EQ(s.at(2), 0.05f);
  EXPECT_FLOAT_EQ(s.at(5), 0.025f);
  const LrSchedule cos = LrSchedule::cosine(1.0f, 10);
  EXPECT_FLOAT_EQ(cos.at(0), 1.0f);
  EXPECT_NEAR(cos.at(5), 0.5f, 1e-7);
  EXPECT_NEAR(cos.at(2.5), 0.5 * (1 + std::cos(3.141592653589793 / 4)), 1e-7);
  EXPECT_NEAR(cos.at(10), 0.0f, 1e-7);
  EXPECT_NEAR(cos.at(12), 0.0f, 1e-7);
  EXPECT_NEAR(LrSchedule::cosine(1.0f, 10, 0.1f).at(5), 0.55f, 1e-7);
}

// ---- determinism and end-to-end fits -------------------------------------------------------------

// A small net with every kind of layer whose training involves randomness or reductions.
std::unique_ptr<Model> small_net(uint64_t seed, int threads) {
  auto m = std::make_unique<Model>(Shape{10, 10, 2}, seed);
  m->set_threads(threads);
  const int a = m->add(std::make_unique<Conv2D>(Conv2D::Options{8, 3, 3, 1, 1, Padding::kSame, Activation::kRelu}));
  m->add(std::make_unique<DepthwiseConv2D>(DepthwiseConv2D::Options{3, 3, 1, 1, Padding::kSame, 2}));
  m->add(std::make_unique<BatchNorm>());
  m->add(std::make_unique<ReLU6>());
  const int b = m->add(std::make_unique<Conv2D>(Conv2D::Options{8, 1, 1, 1, 1, Padding::kValid}));
  m->add(std::make_unique<Add>(Activation::kRelu), {a, b});
  m->add(std::make_unique<MaxPool2D>(Pool2D::Options{2, 2, 2, 2, Padding::kValid}));
  m->add(std::make_unique<AveragePool2D>(Pool2D::Options{2, 2, 1, 1, Padding::kSame}));
  m->add(std::make_unique<Flatten>());
  m->add(std::make_unique<Dropout>(0.3f));
  m->add(std::make_unique<Dense>(Dense::Options{3}));
  return m;
}

// Images with a bright 3x3 blob in one of three places; the label is the place.
void blob_data(int n, uint64_t seed, Tensor* x, Tensor* y) {
  *x = Tensor({n, 10, 10, 2});
  *y = Tensor({n});
  Rng rng(seed);
  for (int i = 0; i < n; ++i) {
    const int label = static_cast<int>(rng.below(3));
    y->at(i) = static_cast<float>(label);
    float* img = x->data() + static_cast<size_t>(i) * 200;
    for (int k = 0; k < 200; ++k) img[k] = 0.3f * rng.normal();
    const int cy = 2 + 3 * label, cx = 2 + static_cast<int>(rng.below(6));
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) img[((cy + dy) * 10 + cx + dx) * 2] += 1.5f;
  }
}

std::vector<float> train_weights(uint64_t seed, int threads, std::vector<EpochStats>* history = nullptr) {
  auto m = small_net(seed, threads);
  Tensor x, y;
  blob_data(96, 11, &x, &y);
  Adam adam(0.9f, 0.999f, 1e-8f, 1e-4f);
  FitOptions fo;
  fo.epochs = 2;
  fo.batch_size = 16;
  fo.seed = seed;
  fo.lr = LrSchedule::cosine(3e-3f, 2);
  std::vector<EpochStats> h = fit(*m, SoftmaxCrossEntropy(), adam, x, y, fo);
  if (history) *history = h;
  std::vector<float> all;
  for (Param* p : m->params()) all.insert(all.end(), p->value.vec().begin(), p->value.vec().end());
  for (auto& b : m->buffers()) all.insert(all.end(), b.second->vec().begin(), b.second->vec().end());
  return all;
}

TEST(TrainDeterminism, SameSeedSameBitsWhateverTheThreads) {
  const std::vector<float> a = train_weights(5, 1), b = train_weights(5, 1), c = train_weights(5, 2);
  const std::vector<float> d = train_weights(6, 2);
  ASSERT_EQ(a.size(), c.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(a.data(), c.data(), a.size() * sizeof(float)), 0) << "1 thread vs 2 threads";
  EXPECT_NE(a, d);
}

TEST(TrainModel, StateSnapshotAndRestore) {
  auto m = small_net(3, 1);
  Tensor x, y;
  blob_data(32, 4, &x, &y);
  Adam adam;
  FitOptions fo;
  fo.batch_size = 16;
  fit(*m, SoftmaxCrossEntropy(), adam, x, y, fo);
  const std::vector<Tensor> saved = m->state();
  const std::vector<float> before(m->forward(x, false).vec());
  fit(*m, SoftmaxCrossEntropy(), adam, x, y, fo);
  EXPECT_NE(m->forward(x, false).vec(), before);
  m->set_state(saved);
  EXPECT_EQ(m->forward(x, false).vec(), before);  // BatchNorm's moving statistics came back too
  std::vector<Tensor> wrong = saved;
  wrong.pop_back();
  EXPECT_THROW(m->set_state(wrong), HostError);
  wrong = saved;
  wrong[0] = Tensor({1});
  EXPECT_THROW(m->set_state(wrong), HostError);
}

TEST(TrainFit, XorWithDenseAndBinaryCrossEntropy) {
  Model m({2}, 1);
  m.add(std::make_unique<Dense>(Dense::Options{8, Activation::kRelu, true, Init::kHeUniform}));
  m.add(std::make_unique<Dense>(Dense::Options{1}));
  const Tensor x = make({4, 2}, {0, 0, 0, 1, 1, 0, 1, 1}), y = make({4, 1}, {0, 1, 1, 0});
  Adam adam;
  FitOptions fo;
  fo.epochs = 500;
  fo.batch_size = 4;
  fo.lr = LrSchedule::constant(0.03f);
  const auto h = fit(m, BinaryCrossEntropy(), adam, x, y, fo);
  EXPECT_LT(h.back().loss, 0.05) << "XOR not learned";
  const Tensor& z = m.forward(x, false);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(z.at(i) > 0, y.at(i) > 0.5f) << "sample " << i;
}

TEST(TrainFit, LinearMapWithSgdMomentumAndMse) {
  // y = A x + b with A = [[1, -2, 0.5], [0, 3, -1]], b = (0.25, -0.5).
  Tensor x({64, 3}), y({64, 2});
  Rng rng(2);
  for (int n = 0; n < 64; ++n) {
    float* xi = x.data() + n * 3;
    for (int k = 0; k < 3; ++k) xi[k] = rng.uniform(-1, 1);
    y.at(n * 2) = xi[0] - 2 * xi[1] + 0.5f * xi[2] + 0.25f;
    y.at(n * 2 + 1) = 3 * xi[1] - xi[2] - 0.5f;
  }
  Model m({3}, 3);
  m.add(std::make_unique<Dense>(Dense::Options{2}));
  SGD sgd(0.9f);
  FitOptions fo;
  fo.epochs = 150;
  fo.batch_size = 16;
  fo.lr = LrSchedule::step(0.1f, 100, 0.1f);
  const auto h = fit(m, MeanSquaredError(), sgd, x, y, fo);
  EXPECT_LT(h.back().loss, 1e-6);
  auto* d = static_cast<Dense*>(m.layer(1));
  const float want[] = {1, -2, 0.5f, 0, 3, -1};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(d->kernel().value.at(i), want[i], 1e-3);
  EXPECT_NEAR(d->bias().value.at(0), 0.25f, 1e-3);
  EXPECT_NEAR(d->bias().value.at(1), -0.5f, 1e-3);
}

TEST(TrainFit, SmallCnnLearnsWhereTheBlobIs) {
  std::vector<EpochStats> h;
  auto m = small_net(9, 2);
  Tensor x, y, tx, ty;
  blob_data(384, 21, &x, &y);
  blob_data(192, 22, &tx, &ty);
  Adam adam;
  FitOptions fo;
  fo.epochs = 8;
  fo.batch_size = 32;
  fo.lr = LrSchedule::constant(3e-3f);
  h = fit(*m, SoftmaxCrossEntropy(), adam, x, y, fo);
  EXPECT_LT(h.back().loss, h.front().loss);
  const EvalResult r = evaluate(*m, SoftmaxCrossEntropy(), tx, ty, 64);
  EXPECT_GT(r.accuracy, 0.95) << "test loss " << r.loss;
}

}  // namespace
