#include "tests/support/conv_reference.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "runtime/kernels/quant.h"
#include "tests/support/quant_reference.h"

namespace mote::testing::ref {

namespace {

// Output size and padding before, from the textbook formulas (ceil divisions in double).
void derive_output(ConvGeo* g) {
  const int eh = (g->fh - 1) * g->dh + 1, ew = (g->fw - 1) * g->dw + 1;
  if (g->same) {
    g->oh = static_cast<int>(std::ceil(static_cast<double>(g->h) / g->sh));
    g->ow = static_cast<int>(std::ceil(static_cast<double>(g->w) / g->sw));
  } else {
    g->oh = g->h >= eh ? static_cast<int>(std::ceil(static_cast<double>(g->h - eh + 1) / g->sh)) : 0;
    g->ow = g->w >= ew ? static_cast<int>(std::ceil(static_cast<double>(g->w - ew + 1) / g->sw)) : 0;
  }
  g->pt = std::max(0, (g->oh - 1) * g->sh + eh - g->h) / 2;
  g->pl = std::max(0, (g->ow - 1) * g->sw + ew - g->w) / 2;
}

}  // namespace

ConvGeo conv_geo(int n, int h, int w, int c, int oc, int fh, int fw, int sh, int sw, int dh, int dw, bool same,
                 int fd) {
  ConvGeo g{n, h, w, c, oc, fh, fw, sh, sw, dh, dw, fd, same, 0, 0, 0, 0};
  derive_output(&g);
  return g;
}

ConvGeo conv_geo(const ConvCase& c) {
  return conv_geo(c.n, c.h, c.w, c.c, c.oc, c.fh, c.fw, c.sh, c.sw, c.dh, c.dw, c.same, c.c / c.groups);
}

std::string describe(const ConvCase& c) {
  char buf[200];
  std::snprintf(buf, sizeof(buf), "n%d %dx%dx%d -> oc%d filter %dx%d groups %d stride %d,%d dilation %d,%d %s act %d%s",
                c.n, c.h, c.w, c.c, c.oc, c.fh, c.fw, c.groups, c.sh, c.sw, c.dh, c.dw, c.same ? "SAME" : "VALID", c.act,
                c.bias ? "" : " no bias");
  return buf;
}

ConvGeo depthwise_geo(int n, int h, int w, int c, int multiplier, int fh, int fw, int sh, int sw, int dh, int dw,
                      bool same) {
  return conv_geo(n, h, w, c, c * multiplier, fh, fw, sh, sw, dh, dw, same, 1);
}

ConvGeometry conv_geometry(const ConvGeo& g) {
  ConvGeometry cg;
  cg.batches = g.n;
  cg.input_height = g.h;
  cg.input_width = g.w;
  cg.input_depth = g.c;
  cg.filter_height = g.fh;
  cg.filter_width = g.fw;
  cg.output_height = g.oh;
  cg.output_width = g.ow;
  cg.output_depth = g.oc;
  cg.stride_height = g.sh;
  cg.stride_width = g.sw;
  cg.dilation_height = g.dh;
  cg.dilation_width = g.dw;
  cg.pad_top = g.pt;
  cg.pad_left = g.pl;
  return cg;
}

DepthwiseConv2DParams depthwise_params(const ConvGeo& g) {
  DepthwiseConv2DParams p;
  p.geo = conv_geometry(g);
  p.depth_multiplier = g.depth_multiplier();
  return p;
}

int64_t requant32(int64_t acc, int32_t m, int32_t shift) {
  const int64_t x = acc * (int64_t{1} << (shift > 0 ? shift : 0));
  EXPECT_TRUE(x >= INT32_MIN && x <= INT32_MAX) << "test overflowed the int32 input";
  return ref_rescale32(static_cast<int32_t>(acc), m, shift);
}

int64_t requant64(int64_t acc, int32_t m, int32_t shift) { return ref_rescale64(acc, m, shift); }

int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return std::min(std::max(v, lo), hi); }

namespace {

// conv_channel_multiplier for every output channel: the input scale is derived from the typical
// sum magnitude (`gain` output units per |acc|), filter scales drawn from [0.002, 0.02).
void random_multipliers(std::mt19937& rng, const ConvGeo& g, float out_scale, double gain, std::vector<int32_t>* mult,
                        std::vector<int32_t>* shift) {
  const int taps = std::max(1, g.fh * g.fw * g.fd);
  const float in_scale = static_cast<float>(gain * out_scale / (std::sqrt(taps) * 0.011));
  std::uniform_real_distribution<float> fs(0.002f, 0.02f);
  for (int o = 0; o < g.oc; ++o) {
    int32_t m, s;
    conv_channel_multiplier(in_scale, fs(rng), out_scale, &m, &s);
    mult->push_back(m);
    shift->push_back(s);
  }
}

}  // namespace

QuantS8 random_quant_s8(std::mt19937& rng, const ConvGeo& g, int act) {
  QuantS8 q;
  q.in_zp = std::uniform_int_distribution<int>(-128, 127)(rng);
  q.out_zp = std::uniform_int_distribution<int>(-30, 30)(rng);
  const float out_scale = 0.1f;
  random_multipliers(rng, g, out_scale, 1.0 / 150.0, &q.mult, &q.shift);
  activation_range_quantized(static_cast<uint8_t>(act), out_scale, q.out_zp, -128, 127, &q.act_min, &q.act_max);
  return q;
}

QuantS16 random_quant_s16(std::mt19937& rng, const ConvGeo& g, int act) {
  QuantS16 q;
  const float out_scale = 0.001f;
  random_multipliers(rng, g, out_scale, 0.0058, &q.mult, &q.shift);
  activation_range_quantized(static_cast<uint8_t>(act), out_scale, 0, -32768, 32767, &q.act_min, &q.act_max);
  return q;
}

std::vector<int8_t> requantize_s8(const ConvGeo& g, const QuantS8& q, const std::vector<int64_t>& sums,
                                  const int32_t* bias) {
  std::vector<int8_t> out(sums.size());
  for (size_t i = 0; i < sums.size(); ++i) {
    const int o = static_cast<int>(i % g.oc);
    const int64_t acc = sums[i] + (bias ? bias[o] : 0);
    const int64_t v = requant32(acc, q.mult[o], q.shift[o]) + q.out_zp;
    out[i] = static_cast<int8_t>(clamp64(v, q.act_min, q.act_max));
  }
  return out;
}

std::vector<int16_t> requantize_s16(const ConvGeo& g, const QuantS16& q, const std::vector<int64_t>& sums,
                                    const int64_t* bias, bool acc32) {
  std::vector<int16_t> out(sums.size());
  for (size_t i = 0; i < sums.size(); ++i) {
    const int o = static_cast<int>(i % g.oc);
    const int64_t acc = sums[i] + (bias ? bias[o] : 0);
    int64_t v;
    if (acc32) {
      EXPECT_TRUE(acc >= INT32_MIN && acc <= INT32_MAX) << "test data overflow int32";
      v = requant32(acc, q.mult[o], q.shift[o]);
    } else {
      v = requant64(acc, q.mult[o], q.shift[o]);
    }
    out[i] = static_cast<int16_t>(clamp64(v, q.act_min, q.act_max));
  }
  return out;
}

std::vector<int8_t> conv_s8(const ConvGeo& g, const QuantS8& q, const std::vector<int8_t>& in,
                            const std::vector<int8_t>& w, const int32_t* bias) {
  return requantize_s8(g, q, conv_accumulate<int64_t>(g, in, w, -q.in_zp), bias);
}

std::vector<int16_t> conv_s16(const ConvGeo& g, const QuantS16& q, const std::vector<int16_t>& in,
                              const std::vector<int8_t>& w, const int64_t* bias, bool acc32) {
  return requantize_s16(g, q, conv_accumulate<int64_t>(g, in, w, 0), bias, acc32);
}

std::vector<int8_t> depthwise_s8(const ConvGeo& g, const QuantS8& q, const std::vector<int8_t>& in,
                                 const std::vector<int8_t>& w, const int32_t* bias) {
  return requantize_s8(g, q, depthwise_accumulate<int64_t>(g, in, w, -q.in_zp), bias);
}

std::vector<int16_t> depthwise_s16(const ConvGeo& g, const QuantS16& q, const std::vector<int16_t>& in,
                                   const std::vector<int8_t>& w, const int64_t* bias) {
  return requantize_s16(g, q, depthwise_accumulate<int64_t>(g, in, w, 0), bias, /*acc32=*/false);
}

namespace {

// Bias (when given) added last, then the clamp to [lo, hi].
std::vector<float> add_bias_and_clamp(const ConvGeo& g, std::vector<float> sums, const float* bias, float lo, float hi) {
  for (size_t i = 0; i < sums.size(); ++i) {
    const float v = sums[i] + (bias ? bias[i % g.oc] : 0.0f);
    sums[i] = std::min(std::max(v, lo), hi);
  }
  return sums;
}

}  // namespace

std::vector<float> conv_f32(const ConvGeo& g, const std::vector<float>& in, const std::vector<float>& w,
                            const float* bias, float lo, float hi) {
  return add_bias_and_clamp(g, conv_accumulate<float>(g, in, w, 0.0f), bias, lo, hi);
}

std::vector<float> depthwise_f32(const ConvGeo& g, const std::vector<float>& in, const std::vector<float>& w,
                                 const float* bias, float lo, float hi) {
  return add_bias_and_clamp(g, depthwise_accumulate<float>(g, in, w, 0.0f), bias, lo, hi);
}

TransposeConvParams TransposeConvGeo::params() const {
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

}  // namespace mote::testing::ref
