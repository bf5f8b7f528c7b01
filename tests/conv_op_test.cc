// CONV_2D end to end: ModelBuilder models through the interpreter with only CONV_2D registered
// (per-channel int8, dilation, groups, int16 with int64 bias and the int32 accumulator variant)
// against the naive reference in tests/support/conv_reference.h, the refusals of inconsistent
// models (each names the tensor and the numbers), and the seanet int16 conformance cases.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "runtime/kernels/quant.h"
#include "tests/support/conv_reference.h"
#include "tests/support/model_builder.h"
#include "tests/support/op_test_util.h"
#include "tests/support/run_model.h"
#include "tests/support/test_support.h"

namespace mote {
namespace {

namespace ref = testing::ref;
using ref::ConvCase;
using ref::ConvGeo;
using testing::bytes_of;
using testing::distinct_count;
using testing::elements_of;
using testing::random_floats;
using testing::random_ints;
using testing::RunResult;
using testing::values_of;

// Runs a model with only CONV_2D registered.
RunResult run_model(const std::vector<uint8_t>& model, const std::vector<std::vector<uint8_t>>& inputs) {
  return testing::run_model(model, inputs, {op_conv_2d()});
}

// One int8 CONV_2D: input [2,7,6,3], 5 filters 3x3, per-channel scales, stride 2, SAME, RELU6.
struct S8Model {
  ConvCase c{2, 7, 6, 3, 5, 3, 3, 1, 2, 2, 1, 1, true, 3};
  float in_scale = 0.05f, out_scale = 0.1f;
  int32_t in_zp = -3, out_zp = 4;
  std::vector<float> filter_scales{0.004f, 0.011f, 0.0075f, 0.019f, 0.0021f};
  std::vector<int8_t> input, filter;
  std::vector<int32_t> bias;
  testing::ModelBuilder b;
  int in = -1, w = -1, bi = -1, out = -1;

  explicit S8Model(std::mt19937& rng) {
    const ConvGeo g = ref::conv_geo(c);
    input = random_ints<int8_t>(rng, g.in_size(), -128, 127);
    filter = random_ints<int8_t>(rng, g.filter_size(), -127, 127);
    bias = random_ints<int32_t>(rng, g.oc, -2000, 2000);
  }
  std::vector<uint8_t> build(std::vector<int32_t> out_shape = {}, testing::Options opt = {}) {
    const ConvGeo g = ref::conv_geo(c);
    if (out_shape.empty()) out_shape = {g.n, g.oh, g.ow, g.oc};
    if (opt.empty())
      opt = testing::Options::conv2d(c.same ? Padding::kSame : Padding::kValid, c.sw, c.sh,
                                     static_cast<Activation>(c.act), c.dw, c.dh);
    in = b.add_tensor(TensorType::kInt8, {g.n, g.h, g.w, g.c}, testing::Quant(in_scale, in_zp));
    w = b.add_const_i8({g.oc, g.fh, g.fw, g.fd}, filter,
                       testing::Quant::per_channel(filter_scales, 0));
    std::vector<float> bias_scales;
    for (float f : filter_scales) bias_scales.push_back(f * in_scale);
    bi = b.add_const_i32({g.oc}, bias, testing::Quant::per_channel(bias_scales, 0));
    out = b.add_tensor(TensorType::kInt8, out_shape, testing::Quant(out_scale, out_zp));
    b.add_op(BuiltinOp::CONV_2D, {in, w, bi}, {out}, opt);
    b.set_inputs({in});
    b.set_outputs({out});
    return b.finish();
  }
  std::vector<int8_t> expected() const {
    const ConvGeo g = ref::conv_geo(c);
    ref::QuantS8 q;
    q.in_zp = in_zp;
    q.out_zp = out_zp;
    for (float fs : filter_scales) {
      int32_t m = 0;
      int s = 0;
      quantize_multiplier(static_cast<double>(in_scale) * fs / static_cast<double>(out_scale), &m,
                          &s);
      q.mult.push_back(m);
      q.shift.push_back(s);
    }
    q.act_min = out_zp + 0;   // RELU6: round(0 / 0.1)
    q.act_max = out_zp + 60;  // round(6 / 0.1)
    return ref::conv_s8(g, q, input, filter, bias.data());
  }
};

TEST(Conv2DOp, Int8PerChannelMatchesReference) {
  std::mt19937 rng(11);
  S8Model m(rng);
  RunResult r = run_model(m.build(), {bytes_of(m.input)});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  const std::vector<int8_t> want = m.expected();
  EXPECT_EQ(values_of<int8_t>(r.output()), want);
  EXPECT_GT(distinct_count(want), 20);
}

TEST(Conv2DOp, Int8DilatedValidNoBiasWithDefaultOptions) {
  std::mt19937 rng(12);
  S8Model m(rng);
  m.c = {1, 9, 8, 3, 5, 3, 2, 1, 1, 1, 2, 2, false, 0};
  const ConvGeo g = ref::conv_geo(m.c);
  m.input = random_ints<int8_t>(rng, g.in_size(), -128, 127);
  m.filter = random_ints<int8_t>(rng, g.filter_size(), -127, 127);
  // Build by hand: no bias (input -1), options with only padding and strides (dilation defaults
  // to 1, so give it explicitly), per-tensor filter scale.
  testing::ModelBuilder& b = m.b;
  int in =
      b.add_tensor(TensorType::kInt8, {g.n, g.h, g.w, g.c}, testing::Quant(m.in_scale, m.in_zp));
  int w = b.add_const_i8({g.oc, g.fh, g.fw, g.fd}, m.filter, testing::Quant(0.01f, 0));
  int out = b.add_tensor(TensorType::kInt8, {g.n, g.oh, g.ow, g.oc}, testing::Quant(0.1f, 4));
  b.add_op(BuiltinOp::CONV_2D, {in, w, -1}, {out},
           testing::Options().i8(0, 1).i32(1, 1).i32(2, 1).i32(4, 2).i32(5, 2));
  b.set_inputs({in});
  b.set_outputs({out});
  RunResult r = run_model(b.finish(), {bytes_of(m.input)});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  m.filter_scales.assign(5, 0.01f);
  ref::QuantS8 q;
  q.in_zp = m.in_zp;
  q.out_zp = 4;
  q.act_min = -128;
  q.act_max = 127;
  for (int o = 0; o < 5; ++o) {
    int32_t mm;
    int s;
    quantize_multiplier(static_cast<double>(m.in_scale) * 0.01f / static_cast<double>(0.1f), &mm,
                        &s);
    q.mult.push_back(mm);
    q.shift.push_back(s);
  }
  EXPECT_EQ(values_of<int8_t>(r.output()), ref::conv_s8(g, q, m.input, m.filter, nullptr));
}

TEST(Conv2DOp, FloatGroupedMatchesReference) {
  std::mt19937 rng(13);
  const ConvCase c{1, 6, 5, 4, 6, 3, 3, 2, 1, 1, 1, 1, true, 1};
  const ConvGeo g = ref::conv_geo(c);
  std::vector<float> input = random_floats(rng, g.in_size(), -1, 1);
  std::vector<float> filter = random_floats(rng, g.filter_size(), -1, 1);
  std::vector<float> bias = random_floats(rng, g.oc, -1, 1);
  testing::ModelBuilder b;
  int in = b.add_tensor(TensorType::kFloat32, {g.n, g.h, g.w, g.c});
  int w = b.add_const_f32({g.oc, g.fh, g.fw, g.fd}, filter);
  int bi = b.add_const_f32({g.oc}, bias);
  int out = b.add_tensor(TensorType::kFloat32, {g.n, g.oh, g.ow, g.oc});
  b.add_op(BuiltinOp::CONV_2D, {in, w, bi}, {out},
           testing::Options::conv2d(Padding::kSame, 1, 1, Activation::kRelu));
  b.set_inputs({in});
  b.set_outputs({out});
  RunResult r = run_model(b.finish(), {bytes_of(input)});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  const float big = 3.402823466e+38f;
  EXPECT_EQ(r.output(), bytes_of(ref::conv_f32(g, input, filter, bias.data(), 0.0f, big)));
}

// int16 activations without bias; quantized_bias_type INT32 selects the 32-bit accumulator.
TEST(Conv2DOp, Int16Int64BiasAndInt32AccumulatorVariants) {
  std::mt19937 rng(14);
  const ConvCase c{1, 5, 5, 3, 4, 3, 3, 1, 1, 1, 1, 1, true, 0};
  const ConvGeo g = ref::conv_geo(c);
  std::vector<int16_t> input = random_ints<int16_t>(rng, g.in_size());
  std::vector<int8_t> filter = random_ints<int8_t>(rng, g.filter_size(), -127, 127);
  std::vector<int64_t> bias = random_ints<int64_t>(rng, g.oc, -100000, 100000);
  const float in_scale = 0.0005f, fscale = 0.01f, out_scale = 0.002f;
  ref::QuantS16 q;
  q.act_min = -32768;
  q.act_max = 32767;
  for (int o = 0; o < g.oc; ++o) {
    int32_t m;
    int s;
    quantize_multiplier(static_cast<double>(in_scale) * fscale / static_cast<double>(out_scale), &m,
                        &s);
    q.mult.push_back(m);
    q.shift.push_back(s);
  }
  for (int variant = 0; variant < 3; ++variant) {
    SCOPED_TRACE(variant);
    testing::ModelBuilder b;
    int in = b.add_tensor(TensorType::kInt16, {g.n, g.h, g.w, g.c}, testing::Quant(in_scale, 0));
    int w = b.add_const_i8({g.oc, g.fh, g.fw, g.fd}, filter, testing::Quant(fscale, 0));
    int bi = variant == 0 ? b.add_const_i64({g.oc}, bias) : -1;
    int out =
        b.add_tensor(TensorType::kInt16, {g.n, g.oh, g.ow, g.oc}, testing::Quant(out_scale, 0));
    testing::Options opt = testing::Options::conv2d(Padding::kSame, 1, 1);
    if (variant == 2) opt.i8(6, static_cast<int8_t>(TensorType::kInt32));  // quantized_bias_type
    b.add_op(BuiltinOp::CONV_2D, {in, w, bi}, {out}, opt);
    b.set_inputs({in});
    b.set_outputs({out});
    RunResult r = run_model(b.finish(), {bytes_of(input)});
    ASSERT_EQ(r.status, Status::kOk) << r.message;
    std::vector<int16_t> want =
        ref::conv_s16(g, q, input, filter, variant == 0 ? bias.data() : nullptr, variant == 2);
    EXPECT_EQ(values_of<int16_t>(r.output()), want);
  }
}

// Refusals: each names the tensor and the numbers.
TEST(Conv2DOp, RejectsOutputShapeThatDisagrees) {
  std::mt19937 rng(15);
  S8Model m(rng);
  RunResult r = run_model(m.build({2, 4, 4, 5}), {bytes_of(m.input)});
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("[2,4,4,5]"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("[2,4,3,5]"), std::string::npos) << r.message;
}

// A CONV_2D over input [1,6,6,3] int8 with the given filter / bias / output descriptions (zero
// data: only prepare matters).
std::vector<uint8_t> conv_model(TensorType wtype, std::vector<int32_t> wshape, testing::Quant wq,
                                std::vector<int32_t> bshape, testing::Quant outq,
                                std::vector<int32_t> oshape = {1, 6, 6, 5}) {
  testing::ModelBuilder b;
  int in = b.add_tensor(TensorType::kInt8, {1, 6, 6, 3}, testing::Quant(0.05f, 0));
  int w = b.add_const_raw(wtype, wshape, std::vector<uint8_t>(elements_of(wshape) * type_size(wtype)),
                          std::move(wq));
  int bi = bshape.empty() ? -1 : b.add_const_i32(bshape, std::vector<int32_t>(elements_of(bshape)));
  int out = b.add_tensor(TensorType::kInt8, oshape, std::move(outq));
  b.add_op(BuiltinOp::CONV_2D, {in, w, bi}, {out}, testing::Options::conv2d(Padding::kSame, 1, 1));
  b.set_inputs({in});
  b.set_outputs({out});
  return b.finish();
}

TEST(Conv2DOp, RejectsBadQuantizationAndShapes) {
  const std::vector<uint8_t> input(108);
  const testing::Quant oq(0.1f, 0), wq(0.01f, 0);
  RunResult r = run_model(conv_model(TensorType::kInt8, {5, 3, 3, 3}, wq, {5}, oq), {input});
  ASSERT_EQ(r.status, Status::kOk) << r.message;  // the baseline is valid

  r = run_model(conv_model(TensorType::kInt8, {5, 3, 3, 3},
                           testing::Quant::per_channel({0.1f, 0.2f, 0.3f}, 3), {5}, oq),
                {input});
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("3 scales for 5 output channels"), std::string::npos) << r.message;

  r = run_model(
      conv_model(TensorType::kInt8, {5, 3, 3, 3},
                 testing::Quant::per_channel({0.1f, 0.1f, 0.1f, 0.1f, 0.1f}, 0, {0, 0, 3, 0, 0}),
                 {5}, oq),
      {input});
  EXPECT_EQ(r.status, Status::kUnsupported);
  EXPECT_NE(r.message.find("zero point 3 (channel 2)"), std::string::npos) << r.message;

  r = run_model(conv_model(TensorType::kInt8, {5, 3, 3, 3}, wq, {4}, oq), {input});
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("4 elements, expected 5"), std::string::npos) << r.message;

  r = run_model(conv_model(TensorType::kInt8, {5, 3, 3, 2}, wq, {5}, oq), {input});
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("2 input channels, which does not divide the input's 3"),
            std::string::npos)
      << r.message;

  r = run_model(conv_model(TensorType::kInt16, {5, 3, 3, 3}, wq, {5}, oq), {input});
  EXPECT_EQ(r.status, Status::kUnsupported);
  EXPECT_NE(r.message.find("filter INT16"), std::string::npos) << r.message;

  r = run_model(conv_model(TensorType::kInt8, {5, 3, 3, 3}, wq, {5}, testing::Quant()), {input});
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("no quantization"), std::string::npos) << r.message;

  r = run_model(conv_model(TensorType::kInt8, {5, 3, 3, 3}, wq, {5}, testing::Quant(1e-14f, 0)),
                {input});  // 0.05 * 0.01 / 1e-14: needs a left shift of 36 bits
  EXPECT_EQ(r.status, Status::kUnsupported);
  EXPECT_NE(r.message.find("too large (shift 36 > 30)"), std::string::npos) << r.message;

  r = run_model(conv_model(TensorType::kInt8, {5, 3, 3, 3}, wq, {5}, oq, {1, 6, 6, 4}), {input});
  EXPECT_EQ(r.status, Status::kInvalidModel);
  EXPECT_NE(r.message.find("[1,6,6,4] but the op gives [1,6,6,5]"), std::string::npos) << r.message;
}

TEST(Conv2DOp, RejectsBadOptions) {
  std::mt19937 rng(17);
  {
    S8Model m(rng);
    RunResult r =
        run_model(m.build({}, testing::Options::conv2d(Padding::kSame, 2, 2, Activation::kTanh)),
                  {bytes_of(m.input)});
    EXPECT_EQ(r.status, Status::kUnsupported);
    EXPECT_NE(r.message.find("activation 4"), std::string::npos) << r.message;
  }
  {
    S8Model m(rng);
    RunResult r =
        run_model(m.build({}, testing::Options().i8(0, 0)), {bytes_of(m.input)});  // no strides
    EXPECT_EQ(r.status, Status::kInvalidModel);
    EXPECT_NE(r.message.find("stride"), std::string::npos) << r.message;
  }
  {
    S8Model m(rng);
    RunResult r = run_model(
        m.build({}, testing::Options::conv2d(Padding::kSame, 2, 2, Activation::kNone, 0, 1)),
        {bytes_of(m.input)});
    EXPECT_EQ(r.status, Status::kInvalidModel);
    EXPECT_NE(r.message.find("dilation"), std::string::npos) << r.message;
  }
}

// The seanet CONV_2D cases (int16 activations, TensorFlow Lite Micro's integration tests): output
// bytes must equal the reference kernels' exactly.
TEST(Conv2DOp, SeanetConformanceCases) {
  if (testing::shared_dir().empty()) GTEST_SKIP() << "../shared/conformance not found";
  EXPECT_EQ(testing::check_seanet_cases("conv", {op_conv_2d()}), 22);
}

}  // namespace
}  // namespace mote
