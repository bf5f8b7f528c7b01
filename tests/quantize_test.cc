// QUANTIZE and DEQUANTIZE: float quantization with rounding and saturation, every requantization
// pair against a double-precision reference and hand-derived values, dequantization against the
// reference's double formula, prepare-time validation through the ops, and the seanet QUANTIZE
// models (int32 <-> int16) end to end through the interpreter.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "runtime/kernels/quantize.h"
#include "runtime/op.h"
#include "tests/support/op_harness.h"
#include "tests/support/quant_reference.h"
#include "tests/support/run_model.h"
#include "tests/support/test_support.h"

namespace mote {
namespace {

using testing::eval_op;
using testing::prepare_op;
using testing::PreparedOp;
using testing::round_half_away;
using testing::tensor_info;

int64_t clamp64(double v, int64_t lo, int64_t hi) {
  return v < static_cast<double>(lo) ? lo : (v > static_cast<double>(hi) ? hi : static_cast<int64_t>(v));
}

// ---- float -> int ---------------------------------------------------------------------------

TEST(QuantizeFloat, HandComputedInt8) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  // scale 0.5, zero point 3: q = round_half_away(2x) + 3.
  const float in[11] = {1.25f, -1.25f, 0.0f, 0.24f, 0.25f, -0.25f, 1000.0f, -1000.0f, nan, inf, -inf};
  int8_t out[11];
  quantize_f32_s8(0.5f, 3, 11, in, out);
  // 2.5 -> 3 (+3 = 6); -2.5 -> -3 (0); 0.48 -> 0; 0.5 -> 1; -0.5 -> -1; saturation; NaN low.
  const int8_t want[11] = {6, 0, 3, 3, 4, 2, 127, -128, -128, 127, -128};
  EXPECT_EQ(std::vector<int8_t>(out, out + 11), std::vector<int8_t>(want, want + 11));
}

TEST(QuantizeFloat, HandComputedInt16) {
  // scale 2^-10, zero point 0: Q5.10.
  const float in[6] = {31.999f, 32.0f, -32.0f, -33.0f, 1e30f, 0.00048828125f};
  int16_t out[6];
  quantize_f32_s16(1.0f / 1024, 0, 6, in, out);
  // 32766.98 -> 32767; 32768 saturates; -32768 fits; -33792 saturates; 2^-11 * 2^10 = 0.5 -> 1.
  const int16_t want[6] = {32767, 32767, -32768, -32768, 32767, 1};
  EXPECT_EQ(std::vector<int16_t>(out, out + 6), std::vector<int16_t>(want, want + 6));
}

TEST(QuantizeFloat, RandomAgainstDouble) {
  std::mt19937 rng(21);
  for (int trial = 0; trial < 50; ++trial) {
    const float scale = std::ldexp(1.0f + (rng() % 1000) / 1000.0f, -static_cast<int>(rng() % 16));
    const int32_t zp8 = static_cast<int32_t>(rng() % 256) - 128, zp16 = static_cast<int32_t>(rng() % 2001) - 1000;
    const int n = 1001;  // odd
    std::vector<float> x(n);
    for (float& v : x) v = std::uniform_real_distribution<float>(-40000.0f, 40000.0f)(rng) * scale;
    std::vector<int8_t> q8(n);
    std::vector<int16_t> q16(n);
    quantize_f32_s8(scale, zp8, n, x.data(), q8.data());
    quantize_f32_s16(scale, zp16, n, x.data(), q16.data());
    for (int i = 0; i < n; ++i) {
      const double steps = round_half_away(static_cast<double>(x[i]) / scale);
      EXPECT_NEAR(q8[i], clamp64(steps + zp8, -128, 127), 1) << x[i];
      EXPECT_NEAR(q16[i], clamp64(steps + zp16, -32768, 32767), 1) << x[i];
    }
  }
}

// ---- requantization -------------------------------------------------------------------------

TEST(Requantize, HandComputed) {
  RequantizeParams p;
  // int16 at 1/256 -> int8 at 1/16: divide by 16 rounding half away from zero.
  requantize_params(1.0f / 256, 0, 1.0f / 16, 0, &p);
  EXPECT_EQ(p.multiplier, 1 << 30);  // 1/16 = 0.5 * 2^-3
  EXPECT_EQ(p.shift, -3);
  const int16_t a[7] = {8, -8, 7, 24, -24, 32767, -32768};
  int8_t b[7];
  requantize_s16_s8(p, 7, a, b);
  // Two roundings, as in the reference: 7 / 16 = 0.4375, but the Q31 product rounds 3.5 up to 4
  // first and 4 / 8 = 0.5 then rounds away from zero to 1.
  const int8_t want_b[7] = {1, -1, 1, 2, -2, 127, -128};
  EXPECT_EQ(std::vector<int8_t>(b, b + 7), std::vector<int8_t>(want_b, want_b + 7));
  // Same scale, zero point 10 -> -10: a shift of -20 with saturation.
  requantize_params(0.5f, 10, 0.5f, -10, &p);
  const int8_t c[4] = {127, -128, 10, -100};
  int8_t d[4];
  requantize_s8_s8(p, 4, c, d);
  const int8_t want_d[4] = {107, -128, -10, -120};
  EXPECT_EQ(std::vector<int8_t>(d, d + 4), std::vector<int8_t>(want_d, want_d + 4));
  // int8 zero point -128 <-> uint8 zero point 0 at the same scale: +128 / -128.
  requantize_params(0.1f, -128, 0.1f, 0, &p);
  const int8_t e[3] = {-128, 0, 127};
  uint8_t f[3];
  requantize_s8_u8(p, 3, e, f);
  EXPECT_EQ(std::vector<uint8_t>(f, f + 3), (std::vector<uint8_t>{0, 128, 255}));
  requantize_params(0.1f, 0, 0.1f, -128, &p);
  int8_t g[3];
  requantize_u8_s8(p, 3, f, g);
  EXPECT_EQ(std::vector<int8_t>(g, g + 3), (std::vector<int8_t>{-128, 0, 127}));
  // int8 at 1 -> int32 at 1/1000: exact multiply by 1000.
  requantize_params(1.0f, 0, 0.001f, 0, &p);
  const int8_t h[2] = {-128, 127};
  int32_t k[2];
  requantize_s8_s32(p, 2, h, k);
  EXPECT_EQ(k[0], -128000);
  EXPECT_EQ(k[1], 127000);
}

template <typename In, typename Out>
void check_pair(void (*kernel)(const RequantizeParams&, int32_t, const In*, Out*), int64_t in_lo, int64_t in_hi,
                float min_log2_ratio, float max_log2_ratio, uint32_t seed) {
  std::mt19937 rng(seed);
  const int64_t out_lo = std::numeric_limits<Out>::min(), out_hi = std::numeric_limits<Out>::max();
  for (int trial = 0; trial < 60; ++trial) {
    const float si = std::ldexp(1.0f + (rng() % 1000) / 1000.0f, -static_cast<int>(rng() % 20));
    const float ratio_log2 = std::uniform_real_distribution<float>(min_log2_ratio, max_log2_ratio)(rng);
    const float so = si / std::exp2(ratio_log2);
    const int32_t zi = sizeof(In) == 1 ? static_cast<int32_t>(in_lo + rng() % 256) : 0;
    const int32_t zo = sizeof(Out) == 1 ? static_cast<int32_t>(out_lo + rng() % 256) : 0;
    RequantizeParams p;
    requantize_params(si, zi, so, zo, &p);
    const int n = 777;
    std::vector<In> x(n);
    std::vector<Out> y(n);
    for (int i = 0; i < n; ++i) x[i] = static_cast<In>(in_lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(in_hi - in_lo + 1)));
    x[0] = static_cast<In>(in_lo);
    x[1] = static_cast<In>(in_hi);
    kernel(p, n, x.data(), y.data());
    const double ratio = static_cast<double>(si) / static_cast<double>(so);
    for (int i = 0; i < n; ++i) {
      const double want = zo + round_half_away(ratio * (static_cast<double>(x[i]) - zi));
      ASSERT_NEAR(static_cast<double>(y[i]), static_cast<double>(clamp64(want, out_lo, out_hi)), 1.0)
          << "trial " << trial << " x " << static_cast<int64_t>(x[i]) << " ratio " << ratio;
    }
  }
}

TEST(Requantize, EveryPairAgainstDouble) {
  // Ratios (log2) span both directions; |x - zp| * 2^shift must fit int32 (the reference's
  // contract), which bounds the int32-input ratios to <= 1.
  check_pair<int8_t, int8_t>(requantize_s8_s8, -128, 127, -4, 4, 1);
  check_pair<int8_t, uint8_t>(requantize_s8_u8, -128, 127, -4, 4, 2);
  check_pair<int8_t, int16_t>(requantize_s8_s16, -128, 127, -10, 10, 3);
  check_pair<int8_t, int32_t>(requantize_s8_s32, -128, 127, -20, 20, 4);
  check_pair<uint8_t, int8_t>(requantize_u8_s8, 0, 255, -4, 4, 5);
  check_pair<int16_t, int8_t>(requantize_s16_s8, -32768, 32767, -10, 10, 6);
  check_pair<int16_t, int16_t>(requantize_s16_s16, -32768, 32767, -4, 4, 7);
  check_pair<int16_t, int32_t>(requantize_s16_s32, -32768, 32767, -14, 14, 8);
  check_pair<int32_t, int8_t>(requantize_s32_s8, -2000000000, 2000000000, -28, 0, 9);
  check_pair<int32_t, int16_t>(requantize_s32_s16, -2000000000, 2000000000, -20, 0, 10);
}

// ---- dequantize ------------------------------------------------------------------------------

TEST(Dequantize, EqualsTheDoubleFormulaExactly) {
  // The reference computes float(double(scale) * (x - zp)); the float product is the same number.
  for (float scale : {0.1f, 0.0039215689f, 3.7e-5f, 1.0f / 3, 250.0f}) {
    for (int32_t zp : {0, -128, 17}) {
      std::vector<int8_t> x8(256);
      for (int i = 0; i < 256; ++i) x8[i] = static_cast<int8_t>(i - 128);
      std::vector<float> y(65536);
      dequantize_s8_f32(scale, zp, 256, x8.data(), y.data());
      for (int i = 0; i < 256; ++i) ASSERT_EQ(y[i], static_cast<float>(static_cast<double>(scale) * (x8[i] - zp)));
      std::vector<uint8_t> xu(256);
      for (int i = 0; i < 256; ++i) xu[i] = static_cast<uint8_t>(i);
      dequantize_u8_f32(scale, zp + 128, 256, xu.data(), y.data());
      for (int i = 0; i < 256; ++i) ASSERT_EQ(y[i], static_cast<float>(static_cast<double>(scale) * (i - zp - 128)));
      std::vector<int16_t> x16(65536);
      for (int i = 0; i < 65536; ++i) x16[i] = static_cast<int16_t>(i - 32768);
      dequantize_s16_f32(scale, zp * 100, 65536, x16.data(), y.data());
      for (int i = 0; i < 65536; ++i) ASSERT_EQ(y[i], static_cast<float>(static_cast<double>(scale) * (x16[i] - zp * 100)));
    }
  }
  const int8_t v[3] = {3, -1, -128};
  float w[3];
  dequantize_s8_f32(0.5f, -1, 3, v, w);
  EXPECT_EQ(w[0], 2.0f);
  EXPECT_EQ(w[1], 0.0f);
  EXPECT_EQ(w[2], -63.5f);
}

// ---- ops --------------------------------------------------------------------------------------

TEST(QuantizeOp, FloatToInt8AndValidation) {
  const TensorInfo in = tensor_info(TensorType::kFloat32, {2, 3}, 0.0f, 0, 0);
  const TensorInfo out = tensor_info(TensorType::kInt8, {2, 3}, 0.5f, 3, 1);
  PreparedOp p = prepare_op(op_quantize(), BuiltinOp::QUANTIZE, in, out);
  ASSERT_EQ(p.status, Status::kOk) << p.err.message;
  const float x[6] = {1.25f, -1.25f, 0.0f, 100.0f, -100.0f, 0.75f};
  int8_t y[6];
  eval_op(op_quantize(), p, x, y);
  EXPECT_EQ(std::vector<int8_t>(y, y + 6), (std::vector<int8_t>{6, 0, 3, 127, -128, 5}));

  TensorInfo per_channel = out;
  per_channel.num_scales = 2;
  EXPECT_EQ(prepare_op(op_quantize(), BuiltinOp::QUANTIZE, in, per_channel).status, Status::kUnsupported);
  const TensorInfo out32 = tensor_info(TensorType::kInt32, {2, 3}, 0.5f, 0, 1);
  EXPECT_EQ(prepare_op(op_quantize(), BuiltinOp::QUANTIZE, in, out32).status, Status::kUnsupported);
  const TensorInfo in16 = tensor_info(TensorType::kInt16, {2, 3}, 0.5f, 0, 0);
  const TensorInfo outu8 = tensor_info(TensorType::kUInt8, {2, 3}, 0.5f, 0, 1);
  EXPECT_EQ(prepare_op(op_quantize(), BuiltinOp::QUANTIZE, in16, outu8).status, Status::kUnsupported);
  const TensorInfo in8_plain = tensor_info(TensorType::kInt8, {2, 3}, 0.0f, 0, 0);
  EXPECT_EQ(prepare_op(op_quantize(), BuiltinOp::QUANTIZE, in8_plain, out).status, Status::kInvalidModel);
  const TensorInfo out_unquantized = tensor_info(TensorType::kInt8, {2, 3}, 0.0f, 0, 1);
  EXPECT_EQ(prepare_op(op_quantize(), BuiltinOp::QUANTIZE, in, out_unquantized).status, Status::kInvalidModel);
  const TensorInfo out_short = tensor_info(TensorType::kInt8, {5}, 0.5f, 3, 1);
  EXPECT_EQ(prepare_op(op_quantize(), BuiltinOp::QUANTIZE, in, out_short).status, Status::kInvalidModel);
  const TensorInfo out_bad_zp = tensor_info(TensorType::kInt8, {2, 3}, 0.5f, 200, 1);
  EXPECT_EQ(prepare_op(op_quantize(), BuiltinOp::QUANTIZE, in, out_bad_zp).status, Status::kInvalidModel);
}

TEST(QuantizeOp, Int16ToInt8Requantization) {
  const TensorInfo in = tensor_info(TensorType::kInt16, {1, 5}, 1.0f / 256, 0, 0);
  const TensorInfo out = tensor_info(TensorType::kInt8, {1, 5}, 1.0f / 16, -3, 1);
  PreparedOp p = prepare_op(op_quantize(), BuiltinOp::QUANTIZE, in, out);
  ASSERT_EQ(p.status, Status::kOk) << p.err.message;
  const int16_t x[5] = {8, -8, 160, 32767, -32768};
  int8_t y[5];
  eval_op(op_quantize(), p, x, y);
  EXPECT_EQ(std::vector<int8_t>(y, y + 5), (std::vector<int8_t>{-2, -4, 7, 127, -128}));
}

TEST(DequantizeOp, TypesAndValues) {
  const TensorInfo in = tensor_info(TensorType::kInt16, {3}, 0.25f, 4, 0);
  const TensorInfo out = tensor_info(TensorType::kFloat32, {3}, 0.0f, 0, 1);
  PreparedOp p = prepare_op(op_dequantize(), BuiltinOp::DEQUANTIZE, in, out);
  ASSERT_EQ(p.status, Status::kOk) << p.err.message;
  const int16_t x[3] = {4, 0, -32768};
  float y[3];
  eval_op(op_dequantize(), p, x, y);
  EXPECT_EQ(y[0], 0.0f);
  EXPECT_EQ(y[1], -1.0f);
  EXPECT_EQ(y[2], -8193.0f);
  const TensorInfo in8 = tensor_info(TensorType::kInt8, {3}, 0.5f, -1, 0);
  PreparedOp q = prepare_op(op_dequantize(), BuiltinOp::DEQUANTIZE, in8, out);
  ASSERT_EQ(q.status, Status::kOk);
  const int8_t x8[3] = {3, -1, -128};
  eval_op(op_dequantize(), q, x8, y);
  EXPECT_EQ(y[0], 2.0f);
  EXPECT_EQ(y[2], -63.5f);
  const TensorInfo out8 = tensor_info(TensorType::kInt8, {3}, 0.5f, 0, 1);
  EXPECT_EQ(prepare_op(op_dequantize(), BuiltinOp::DEQUANTIZE, in8, out8).status, Status::kUnsupported);
  const TensorInfo in32 = tensor_info(TensorType::kInt32, {3}, 0.5f, 0, 0);
  EXPECT_EQ(prepare_op(op_dequantize(), BuiltinOp::DEQUANTIZE, in32, out).status, Status::kUnsupported);
  const TensorInfo in_plain = tensor_info(TensorType::kInt8, {3}, 0.0f, 0, 0);
  EXPECT_EQ(prepare_op(op_dequantize(), BuiltinOp::DEQUANTIZE, in_plain, out).status, Status::kInvalidModel);
}

// ---- seanet QUANTIZE models end to end --------------------------------------------------------

TEST(SeanetQuantize, EveryCaseMatchesGoldenBytes) {
  if (testing::shared_dir().empty()) GTEST_SKIP() << "../shared/conformance not found";
  EXPECT_EQ(testing::check_seanet_cases("quantize", {op_quantize()}), 2);
}

}  // namespace
}  // namespace mote
