// TRANSPOSE_CONV: the transpose_conv_* kernels against a naive "gather" reference written here
// (each output element collects the input pixels that reach it), a hand-computed case, the op
// through the interpreter, and the seanet int16 conformance models.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "runtime/interpreter.h"
#include "runtime/kernels/quant.h"
#include "runtime/kernels/transpose_conv.h"
#include "runtime/op_resolver.h"
#include "tests/support/model_builder.h"
#include "tests/support/test_support.h"

namespace mote {
namespace {

using testing::AlignedModel;
using testing::ModelBuilder;
using testing::Options;
using testing::Quant;

// ---------------------------------------------------------------------------------------------
// Independent reference arithmetic.

void ref_quantize(double real, int32_t* m, int32_t* shift) {
  int e = 0;
  const double q = std::frexp(real, &e);
  int64_t qf = static_cast<int64_t>(std::round(q * 2147483648.0));
  if (qf == (int64_t{1} << 31)) {
    qf /= 2;
    ++e;
  }
  *m = static_cast<int32_t>(qf);
  *shift = e;
}

int32_t ref_rescale32(int32_t x, int32_t m, int32_t shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int64_t prod = static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(x) << left)) * m;
  const int64_t nudge = prod >= 0 ? (int64_t{1} << 30) : 1 - (int64_t{1} << 30);
  const int64_t high = (prod + nudge) / (int64_t{1} << 31);
  const int64_t mag = high < 0 ? -high : high;
  const int64_t q = (mag + ((int64_t{1} << right) >> 1)) >> right;
  return static_cast<int32_t>(high < 0 ? -q : q);
}

int32_t ref_rescale64(int64_t x, int32_t m, int32_t shift) {
  const int64_t reduced = m < 0x7FFF0000 ? (static_cast<int64_t>(m) + (1 << 15)) >> 16 : 0x7FFF;
  const int total = 15 - shift;
  return static_cast<int32_t>((x * reduced + (int64_t{1} << (total - 1))) >> total);
}

struct Geo {
  int n, ih, iw, ic, oc, fh, fw, sh, sw;
  bool same;
  // Output size a transposed convolution produces (what TensorFlow uses by default).
  int oh() const { return same ? ih * sh : (ih - 1) * sh + fh; }
  int ow() const { return same ? iw * sw : (iw - 1) * sw + fw; }
  int pad(int out, int f, int s, int in) const { return std::max(0, (in - 1) * s + f - out) / 2; }
  int pad_top() const { return pad(oh(), fh, sh, ih); }
  int pad_left() const { return pad(ow(), fw, sw, iw); }
  TransposeConvParams params() const {
    TransposeConvParams p;
    p.batches = n;
    p.input_h = ih;
    p.input_w = iw;
    p.input_depth = ic;
    p.filter_h = fh;
    p.filter_w = fw;
    p.output_h = oh();
    p.output_w = ow();
    p.output_depth = oc;
    p.stride_h = sh;
    p.stride_w = sw;
    p.pad_top = pad_top();
    p.pad_left = pad_left();
    return p;
  }
  size_t in_size() const { return static_cast<size_t>(n) * ih * iw * ic; }
  size_t out_size() const { return static_cast<size_t>(n) * oh() * ow() * oc; }
  size_t w_size() const { return static_cast<size_t>(oc) * fh * fw * ic; }
};

// Gather form: output (b, oy, ox, c) sums in[b][iy][ix][i] * w[c][fy][fx][i] over every input
// pixel with iy * sh - pad_top + fy == oy (same for x); pixels visited in (iy, ix, i) order.
template <typename Acc, typename T, typename W>
std::vector<Acc> ref_acc(const Geo& g, const std::vector<T>& in, const std::vector<W>& w, Acc in_offset) {
  std::vector<Acc> acc;
  for (int b = 0; b < g.n; ++b)
    for (int oy = 0; oy < g.oh(); ++oy)
      for (int ox = 0; ox < g.ow(); ++ox)
        for (int c = 0; c < g.oc; ++c) {
          Acc s = 0;
          for (int iy = 0; iy < g.ih; ++iy)
            for (int ix = 0; ix < g.iw; ++ix) {
              const int fy = oy - (iy * g.sh - g.pad_top()), fx = ox - (ix * g.sw - g.pad_left());
              if (fy < 0 || fy >= g.fh || fx < 0 || fx >= g.fw) continue;
              for (int i = 0; i < g.ic; ++i)
                s += (static_cast<Acc>(in[((b * g.ih + iy) * g.iw + ix) * g.ic + i]) + in_offset) *
                     static_cast<Acc>(w[((c * g.fh + fy) * g.fw + fx) * g.ic + i]);
            }
          acc.push_back(s);
        }
  return acc;
}

template <typename T>
std::vector<T> random_vec(std::mt19937& rng, size_t n, int lo, int hi) {
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<T> v(n);
  for (auto& e : v) e = static_cast<T>(dist(rng));
  return v;
}

const Geo kGeos[] = {
    // n ih iw ic oc fh fw sh sw same
    {2, 3, 4, 3, 5, 3, 3, 2, 2, true},   // SAME, stride 2, odd channel counts, 2 batches
    {1, 2, 5, 4, 3, 3, 4, 1, 2, false},  // VALID, the seanet 3x4 / stride (1, 2) shape
    {1, 3, 3, 1, 1, 2, 2, 2, 2, false},  // one channel in and out
    {2, 4, 2, 7, 2, 4, 3, 2, 1, true},   // SAME with odd total padding
    {1, 1, 3, 300, 2, 1, 3, 1, 2, false},  // more than 256 input channels (16x8 block sums)
};

// ---------------------------------------------------------------------------------------------
// Kernels.

TEST(TransposeConvKernel, S8HandComputed) {
  // Input 1x1x2x1 = {a, b} (zero point 1), filter 1x1x3x1 = {w0, w1, w2}, stride 2, VALID:
  // output width (2 - 1) * 2 + 3 = 5: {a w0, a w1, a w2 + b w0, b w1, b w2}.
  const int8_t in[2] = {3, -1};  // a = 2, b = -2 after the zero point
  const int8_t w[3] = {1, 2, 3};
  Geo g{1, 1, 2, 1, 1, 1, 3, 1, 2, false};
  TransposeConvParams p = g.params();
  ASSERT_EQ(p.output_w, 5);
  p.input_offset = -1;
  p.output_offset = 10;
  p.act_min = -128;
  p.act_max = 127;
  const int32_t bias[1] = {1}, m[1] = {1 << 30}, s[1] = {1};  // multiplier 1.0
  int32_t scratch[5];
  int8_t out[5];
  transpose_conv_s8(p, m, s, in, w, bias, out, scratch);
  // acc = {2, 4, 6 - 2, -4, -6} + bias 1 = {3, 5, 5, -3, -5}, + 10.
  const int8_t want[5] = {13, 15, 15, 7, 5};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(out[i], want[i]) << i;
}

TEST(TransposeConvKernel, S8MatchesReference) {
  std::mt19937 rng(41);
  int k = 0;
  for (const Geo& g : kGeos) {
    const int32_t in_zp = static_cast<int32_t>(rng() % 256) - 128, out_zp = static_cast<int32_t>(rng() % 100) - 50;
    auto in = random_vec<int8_t>(rng, g.in_size(), -128, 127);
    auto w = random_vec<int8_t>(rng, g.w_size(), -127, 127);
    auto bias = random_vec<int32_t>(rng, g.oc, -20000, 20000);
    std::vector<int32_t> m(g.oc), s(g.oc);
    for (int c = 0; c < g.oc; ++c)
      ref_quantize(std::ldexp(0.5 + (rng() % 1000) / 2001.0, -static_cast<int>(7 + rng() % 5)), &m[c], &s[c]);
    TransposeConvParams p = g.params();
    p.input_offset = -in_zp;
    p.output_offset = out_zp;
    p.act_min = k % 2 ? out_zp : -128;  // relu-shaped clamp on odd geometries
    p.act_max = k % 3 == 2 ? out_zp + 40 : 127;
    const bool with_bias = k % 2 == 0;
    const auto acc = ref_acc<int64_t>(g, in, w, static_cast<int64_t>(-in_zp));
    std::vector<int8_t> want(acc.size());
    for (size_t i = 0; i < acc.size(); ++i) {
      const int c = static_cast<int>(i % g.oc);
      const int64_t a = acc[i] + (with_bias ? bias[c] : 0);
      const int32_t v = ref_rescale32(static_cast<int32_t>(a), m[c], s[c]) + out_zp;
      want[i] = static_cast<int8_t>(std::min(std::max(v, p.act_min), p.act_max));
    }
    std::vector<int32_t> scratch(transpose_conv_s8_scratch_bytes(p) / 4, 12345);  // garbage in scratch
    std::vector<int8_t> out(g.out_size());
    transpose_conv_s8(p, m.data(), s.data(), in.data(), w.data(), with_bias ? bias.data() : nullptr, out.data(),
                      scratch.data());
    EXPECT_EQ(out, want) << "geo " << k;
    ++k;
  }
}

TEST(TransposeConvKernel, S16MatchesReference) {
  std::mt19937 rng(43);
  int k = 0;
  for (const Geo& g : kGeos) {
    auto in = random_vec<int16_t>(rng, g.in_size(), -32768, 32767);
    auto w = random_vec<int8_t>(rng, g.w_size(), -127, 127);
    auto bias = random_vec<int64_t>(rng, g.oc, -2000000, 2000000);
    std::vector<int32_t> m(g.oc), s(g.oc);
    for (int c = 0; c < g.oc; ++c)
      ref_quantize(std::ldexp(0.5 + (rng() % 1000) / 2001.0, -static_cast<int>(9 + rng() % 5)), &m[c], &s[c]);
    TransposeConvParams p = g.params();
    p.act_min = k % 2 ? 0 : -32768;
    p.act_max = 32767;
    const auto acc = ref_acc<int64_t>(g, in, w, int64_t{0});
    std::vector<int16_t> want(acc.size());
    for (size_t i = 0; i < acc.size(); ++i) {
      const int c = static_cast<int>(i % g.oc);
      const int32_t v = ref_rescale64(acc[i] + bias[c], m[c], s[c]);
      want[i] = static_cast<int16_t>(std::min(std::max(v, p.act_min), p.act_max));
    }
    std::vector<int64_t> scratch(transpose_conv_s16_scratch_bytes(p) / 8, -1);
    std::vector<int16_t> out(g.out_size());
    transpose_conv_s16(p, m.data(), s.data(), in.data(), w.data(), bias.data(), out.data(), scratch.data());
    EXPECT_EQ(out, want) << "geo " << k;
    ++k;
  }
}

TEST(TransposeConvKernel, F32MatchesReferenceBitForBit) {
  std::mt19937 rng(47);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  int k = 0;
  for (const Geo& g : kGeos) {
    std::vector<float> in(g.in_size()), w(g.w_size()), bias(g.oc);
    for (auto& v : in) v = dist(rng);
    for (auto& v : w) v = dist(rng);
    for (auto& v : bias) v = dist(rng);
    TransposeConvParams p = g.params();
    activation_range_float(static_cast<uint8_t>(k % 4), &p.act_min_f, &p.act_max_f);
    const auto acc = ref_acc<float>(g, in, w, 0.0f);
    std::vector<float> want(acc.size());
    for (size_t i = 0; i < acc.size(); ++i) {
      float v = acc[i];
      if (k % 2 == 0) v += bias[i % g.oc];
      want[i] = std::min(std::max(v, p.act_min_f), p.act_max_f);
    }
    std::vector<float> out(g.out_size(), 7.0f);
    transpose_conv_f32(p, in.data(), w.data(), k % 2 == 0 ? bias.data() : nullptr, out.data());
    EXPECT_EQ(out, want) << "geo " << k;
    ++k;
  }
}

// ---------------------------------------------------------------------------------------------
// The op through the interpreter.

struct Harness {
  explicit Harness(const std::vector<uint8_t>& bytes, size_t misalign = 0) : am(bytes, misalign) {}
  AlignedModel am;
  Model model;
  OpResolver resolver;
  Interpreter interp;
  std::vector<uint64_t> arena = std::vector<uint64_t>(1 << 17);
  Error err;
  Status prepare() {
    Status s = model.load(am.data(), am.size(), &err);
    if (s != Status::kOk) return s;
    (void)resolver.add(op_transpose_conv());
    return interp.prepare(model, resolver, arena.data(), arena.size() * sizeof(uint64_t), &err);
  }
  template <typename T>
  void set_input(int i, const std::vector<T>& v) {
    TensorRef t = interp.input(i);
    ASSERT_EQ(t.bytes, v.size() * sizeof(T));
    std::memcpy(t.data, v.data(), t.bytes);
  }
  template <typename T>
  std::vector<T> output() {
    TensorRef t = interp.output(0);
    std::vector<T> v(t.bytes / sizeof(T));
    std::memcpy(v.data(), t.data, t.bytes);
    return v;
  }
};

TEST(TransposeConvOp, Int8PerChannelSameStride2WithRelu) {
  std::mt19937 rng(53);
  const Geo g{2, 3, 4, 3, 5, 3, 3, 2, 2, true};
  auto in = random_vec<int8_t>(rng, g.in_size(), -128, 127);
  auto w = random_vec<int8_t>(rng, g.w_size(), -127, 127);
  auto bias = random_vec<int32_t>(rng, g.oc, -3000, 3000);
  const std::vector<float> scales = {0.01f, 0.02f, 0.005f, 0.03f, 0.015f};
  std::vector<float> bscales;
  for (float s : scales) bscales.push_back(0.04f * s);
  ModelBuilder b;
  int shape = b.add_const_i32({4}, {g.n, g.oh(), g.ow(), g.oc});
  int wt = b.add_const_i8({g.oc, g.fh, g.fw, g.ic}, w, Quant::per_channel(scales, 0));
  int x = b.add_tensor(TensorType::kInt8, {g.n, g.ih, g.iw, g.ic}, Quant(0.04f, 5));
  int bs = b.add_const_i32({g.oc}, bias, Quant::per_channel(bscales, 0));
  int out = b.add_tensor(TensorType::kInt8, {g.n, g.oh(), g.ow(), g.oc}, Quant(0.2f, -4));
  b.add_op(BuiltinOp::TRANSPOSE_CONV, {shape, wt, x, bs}, {out},
           Options::transpose_conv(Padding::kSame, g.sw, g.sh, Activation::kRelu));
  b.set_inputs({x});
  b.set_outputs({out});
  Harness h(b.finish());
  ASSERT_EQ(h.prepare(), Status::kOk) << h.err.message;
  h.set_input(0, in);
  ASSERT_EQ(h.interp.invoke(&h.err), Status::kOk) << h.err.message;
  const auto acc = ref_acc<int64_t>(g, in, w, int64_t{-5});
  std::vector<int8_t> want(acc.size());
  for (size_t i = 0; i < acc.size(); ++i) {
    const int c = static_cast<int>(i % g.oc);
    int32_t m, s;
    ref_quantize(static_cast<double>(0.04f) * static_cast<double>(scales[c]) / static_cast<double>(0.2f), &m, &s);
    const int32_t v = ref_rescale32(static_cast<int32_t>(acc[i] + bias[c]), m, s) - 4;
    want[i] = static_cast<int8_t>(std::min(std::max(v, -4), 127));  // relu: zero point -4
  }
  EXPECT_EQ(h.output<int8_t>(), want);
}

TEST(TransposeConvOp, Int16WithInt16BiasAndFloat) {
  std::mt19937 rng(59);
  const Geo g{1, 2, 3, 4, 3, 3, 4, 1, 2, false};
  auto in = random_vec<int16_t>(rng, g.in_size(), -32768, 32767);
  auto w = random_vec<int8_t>(rng, g.w_size(), -127, 127);
  auto bias = random_vec<int16_t>(rng, g.oc, -30000, 30000);
  {
    ModelBuilder b;
    int shape = b.add_tensor(TensorType::kInt32, {4});  // a graph input, as in the seanet models
    int wt = b.add_const_i8({g.oc, g.fh, g.fw, g.ic}, w, Quant(0.02f, 0));
    int x = b.add_tensor(TensorType::kInt16, {g.n, g.ih, g.iw, g.ic}, Quant(0.001f, 0));
    int bs = b.add_const_i16({g.oc}, bias, Quant(0.00002f, 0));
    int out = b.add_tensor(TensorType::kInt16, {g.n, g.oh(), g.ow(), g.oc}, Quant(0.01f, 0));
    b.add_op(BuiltinOp::TRANSPOSE_CONV, {shape, wt, x, bs}, {out}, Options::transpose_conv(Padding::kValid, g.sw, g.sh));
    b.set_inputs({shape, x});
    b.set_outputs({out});
    Harness h(b.finish());
    ASSERT_EQ(h.prepare(), Status::kOk) << h.err.message;
    h.set_input(0, std::vector<int32_t>{g.n, g.oh(), g.ow(), g.oc});
    h.set_input(1, in);
    ASSERT_EQ(h.interp.invoke(&h.err), Status::kOk) << h.err.message;
    int32_t m, s;
    ref_quantize(static_cast<double>(0.001f) * static_cast<double>(0.02f) / static_cast<double>(0.01f), &m, &s);
    const auto acc = ref_acc<int64_t>(g, in, w, int64_t{0});
    std::vector<int16_t> want(acc.size());
    for (size_t i = 0; i < acc.size(); ++i)
      want[i] = static_cast<int16_t>(
          std::min(std::max(ref_rescale64(acc[i] + bias[i % g.oc], m, s), -32768), 32767));
    EXPECT_EQ(h.output<int16_t>(), want);
  }
  {
    std::vector<float> inf(g.in_size()), wf(g.w_size());
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (auto& v : inf) v = dist(rng);
    for (auto& v : wf) v = dist(rng);
    ModelBuilder b;
    int shape = b.add_const_i32({4}, {g.n, g.oh(), g.ow(), g.oc});
    int wt = b.add_const_f32({g.oc, g.fh, g.fw, g.ic}, wf);
    int x = b.add_tensor(TensorType::kFloat32, {g.n, g.ih, g.iw, g.ic});
    int out = b.add_tensor(TensorType::kFloat32, {g.n, g.oh(), g.ow(), g.oc});
    b.add_op(BuiltinOp::TRANSPOSE_CONV, {shape, wt, x}, {out},
             Options::transpose_conv(Padding::kValid, g.sw, g.sh, Activation::kReluN1To1));
    b.set_inputs({x});
    b.set_outputs({out});
    Harness h(b.finish());
    ASSERT_EQ(h.prepare(), Status::kOk) << h.err.message;
    h.set_input(0, inf);
    ASSERT_EQ(h.interp.invoke(&h.err), Status::kOk) << h.err.message;
    auto want = ref_acc<float>(g, inf, wf, 0.0f);
    for (auto& v : want) v = std::min(std::max(v, -1.0f), 1.0f);
    EXPECT_EQ(h.output<float>(), want);
  }
}

TEST(TransposeConvOp, RejectsInconsistentShapes) {
  const Geo g{1, 3, 3, 2, 2, 3, 3, 2, 2, false};  // VALID output 7x7
  std::vector<int8_t> w(g.w_size(), 1);
  auto build = [&](std::vector<int32_t> shape_values, std::vector<int32_t> out_shape) {
    ModelBuilder b;
    int shape = b.add_const_i32({4}, shape_values);
    int wt = b.add_const_i8({g.oc, g.fh, g.fw, g.ic}, w, Quant(0.02f, 0));
    int x = b.add_tensor(TensorType::kInt8, {g.n, g.ih, g.iw, g.ic}, Quant(0.04f, 0));
    int out = b.add_tensor(TensorType::kInt8, out_shape, Quant(0.2f, 0));
    b.add_op(BuiltinOp::TRANSPOSE_CONV, {shape, wt, x}, {out}, Options::transpose_conv(Padding::kValid, 2, 2));
    b.set_inputs({x});
    b.set_outputs({out});
    return b.finish();
  };
  {
    Harness h(build({1, 7, 7, 2}, {1, 7, 7, 2}));
    EXPECT_EQ(h.prepare(), Status::kOk) << h.err.message;
  }
  {
    Harness h(build({1, 7, 8, 2}, {1, 7, 7, 2}));  // output_shape values disagree with the tensor
    EXPECT_EQ(h.prepare(), Status::kInvalidModel);
    EXPECT_NE(std::string(h.err.message).find("[1,7,7,2]"), std::string::npos) << h.err.message;
  }
  {
    Harness h(build({1, 11, 7, 2}, {1, 11, 7, 2}));  // 11 rows would need 5 input rows, not 3
    EXPECT_EQ(h.prepare(), Status::kInvalidModel);
    EXPECT_NE(std::string(h.err.message).find("implies input 5x3"), std::string::npos) << h.err.message;
  }
  {
    Harness h(build({1, 7, 7, 3}, {1, 7, 7, 3}));  // output depth 3 vs filter's 2
    EXPECT_EQ(h.prepare(), Status::kInvalidModel);
  }
}

// ---------------------------------------------------------------------------------------------
// seanet: TensorFlow Lite Micro's int16 TRANSPOSE_CONV integration models, bit-exact.

TEST(TransposeConvConformance, SeanetInt16) {
  const std::string dir = testing::shared_dir();
  if (dir.empty()) GTEST_SKIP() << "shared conformance data not found";
  for (int c = 0; c < 5; ++c) {
    const std::string base = dir + "/conformance/core/seanet/transpose_conv/transpose_conv" + std::to_string(c) + "/";
    // These files store their int64 bias at a file offset of 4 mod 8, and the loader wants
    // constants aligned to their element size in memory: place the file 4 bytes past an 8-byte
    // boundary so that the bias lands aligned.
    Harness h(testing::read_file(base + "model.tflite"), 4);
    ASSERT_EQ(h.prepare(), Status::kOk) << "case " << c << ": " << h.err.message;
    for (int i = 0; i < 2; ++i) {
      const auto bytes = testing::read_file(base + "input_0_" + std::to_string(i) + ".bin");
      TensorRef t = h.interp.input(i);
      ASSERT_EQ(t.bytes, bytes.size());
      std::memcpy(t.data, bytes.data(), bytes.size());
    }
    ASSERT_EQ(h.interp.invoke(&h.err), Status::kOk) << h.err.message;
    EXPECT_EQ(h.output<uint8_t>(), testing::read_file(base + "output_0_0.bin")) << "case " << c;
  }
}

}  // namespace
}  // namespace mote
