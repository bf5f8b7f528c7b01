#include "runtime/status.h"

#include <gtest/gtest.h>

#include <cstring>

#include "runtime/kernels/quant.h"
#include "runtime/op.h"

namespace mote {
namespace {

TEST(Status, FormatsNumbersAndStrings) {
  Error err;
  Status s = fail(&err, Status::kArenaTooSmall, "arena %zu < needed %zu for %s (%d)", size_t{100},
                  size_t{24000}, "CONV_2D", -3);
  EXPECT_EQ(s, Status::kArenaTooSmall);
  EXPECT_STREQ(err.message, "arena 100 < needed 24000 for CONV_2D (-3)");
  (void)fail(&err, Status::kInvalidModel, "scale %f hex %x", 0.5, 255u);
  EXPECT_STREQ(err.message, "scale 0.5 hex ff");
  (void)fail(&err, Status::kInvalidModel, "tiny %f", 0.0000305);
  EXPECT_STREQ(err.message, "tiny 3.05e-5");
}

TEST(Status, TruncatesLongMessages) {
  Error err;
  char big[400];
  for (char& c : big) c = 'x';
  big[399] = 0;
  (void)fail(&err, Status::kInvalidModel, "%s", big);
  EXPECT_EQ(std::strlen(err.message), Error::kCapacity - 1);
}

TEST(BuiltinNames, MatchSchemaCodes) {
  EXPECT_STREQ(builtin_op_name(3), "CONV_2D");
  EXPECT_STREQ(builtin_op_name(98), "LEAKY_RELU");
  EXPECT_STREQ(builtin_op_name(114), "QUANTIZE");
  EXPECT_STREQ(builtin_op_name(67), "TRANSPOSE_CONV");
  EXPECT_EQ(builtin_op_name(-1), nullptr);
  EXPECT_EQ(builtin_op_name(100000), nullptr);
  EXPECT_TRUE(is_supported_op(static_cast<int32_t>(BuiltinOp::LEAKY_RELU)));
  EXPECT_FALSE(is_supported_op(32));  // CUSTOM
}

TEST(Quant, QuantizeMultiplierMatchesFrexpRounding) {
  int32_t m;
  int s;
  quantize_multiplier(0.5, &m, &s);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 0);
  quantize_multiplier(1.0, &m, &s);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 1);
  quantize_multiplier(0.0, &m, &s);
  EXPECT_EQ(m, 0);
  EXPECT_EQ(s, 0);
  // 0.75 = 0.75 * 2^0 -> 0.75 * 2^31
  quantize_multiplier(0.75, &m, &s);
  EXPECT_EQ(m, 1610612736);
  EXPECT_EQ(s, 0);
  // Just below 1 rounds up to 2^31 and renormalises.
  quantize_multiplier(0.99999999999, &m, &s);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 1);
  quantize_multiplier(1e-12, &m, &s);  // exponent -39: flushed
  EXPECT_EQ(m, 0);
  EXPECT_EQ(s, 0);
}

TEST(Quant, MultiplyRoundsHalfAwayFromZero) {
  // multiplier 0.5 (Q31 2^30, shift 0): the doubling high multiply rounds ties upward,
  // so 1.5 -> 2 but -1.5 -> -1 (the reference behaviour).
  EXPECT_EQ(multiply_by_quantized_multiplier(int32_t{3}, 1 << 30, 0), 2);
  EXPECT_EQ(multiply_by_quantized_multiplier(int32_t{-3}, 1 << 30, 0), -1);
  // shift -2: x * 0.5 exactly, then the shift rounds half away from zero
  EXPECT_EQ(multiply_by_quantized_multiplier(int32_t{100}, 1 << 30, -2), 13);  // 12.5 -> 13
  EXPECT_EQ(multiply_by_quantized_multiplier(int32_t{-100}, 1 << 30, -2), -13);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MIN), INT32_MAX);
}

}  // namespace
}  // namespace mote
