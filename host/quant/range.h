// mote quantizer — activation statistics and the choice of a quantization range.
//
// Calibration runs the float model on every sample and feeds each activation tensor's values to a
// TensorStats: first its min/max (pass 1), then, for the percentile and MSE methods, a histogram of
// kBins equal bins over [min, max] (pass 2). choose_range() turns the statistics into the range
// [lo, hi] that the tensor's int8 (asymmetric) or int16 (symmetric) parameters will cover:
//
//   minmax      [min, max] of every value seen;
//   percentile  the P-th and (100 - P)-th percentiles (both tails clipped: P = 99.99 drops the
//               0.01 % largest and the 0.01 % smallest values);
//   mse         the range whose expected squared error is smallest: values inside cost the
//               rounding noise step^2 / 12, values outside cost their squared distance to the
//               clipped edge. The search tries kSearchSteps x kSearchSteps ranges shrunk from the
//               min/max (each side independently; one side for symmetric int16), using prefix sums
//               of the histogram so each candidate costs O(1).
//
// The range always contains 0 (zero must be exact: padding, ReLU). params_for_range() gives the
// scale and zero point; int8 is asymmetric over [-128, 127], int16 symmetric over [-32767, 32767]
// with zero point 0.
//
//   TensorStats s;  s.add_minmax(v.data(), v.size());
//   s.start_histogram();  s.add_histogram(v.data(), v.size());
//   Range r = choose_range(s, Calibration::kMse, 99.99, false);
//   QuantParams p = params_for_range(r, false);   // int8: scale, zero point
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mote::quant {

enum class Calibration { kMinMax, kPercentile, kMse };

struct Range {
  double lo = 0.0, hi = 0.0;
};

struct QuantParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

class TensorStats {
 public:
  static constexpr int kBins = 2048;

  void add_minmax(const float* v, size_t n);
  // Allocates the histogram over [min, max]; call after every add_minmax.
  void start_histogram();
  void add_histogram(const float* v, size_t n);

  bool seen() const { return count_ > 0; }
  double min() const { return min_; }
  double max() const { return max_; }
  size_t count() const { return count_; }
  const std::vector<double>& histogram() const { return hist_; }
  // Centre of bin i.
  double bin_value(int i) const;

 private:
  double min_ = 0.0, max_ = 0.0;
  size_t count_ = 0;
  std::vector<double> hist_;
};

// The range for `stats` by `method` (percentile in percent, e.g. 99.99). `symmetric`: int16 mode.
// Always lo <= 0 <= hi and hi > lo.
Range choose_range(const TensorStats& stats, Calibration method, double percentile, bool symmetric);

// Expected squared error per value of quantizing the histogram with the parameters of `r` (the
// criterion the MSE search minimizes; exposed for tests and reports).
double expected_error(const TensorStats& stats, Range r, bool symmetric);

// int8 asymmetric (scale = (hi - lo) / 255, zero point = round(-128 - lo / scale) clamped) or int16
// symmetric (scale = max(|lo|, |hi|) / 32767, zero point 0) parameters covering r.
QuantParams params_for_range(Range r, bool int16);

// Quantizes one value with p to [qmin, qmax] (round half away from zero).
int32_t quantize_value(double x, const QuantParams& p, int32_t qmin, int32_t qmax);

}  // namespace mote::quant
