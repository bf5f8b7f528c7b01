#include "host/quant/range.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mote::quant {

namespace {

constexpr int kSearchSteps = 160;
// The smallest range a tensor gets (a tensor that is always 0 still needs a positive scale).
constexpr double kMinSpan = 1e-6;

Range with_zero(double lo, double hi) {
  Range r{std::min(lo, 0.0), std::max(hi, 0.0)};
  if (r.hi - r.lo < kMinSpan) r.hi = r.lo + kMinSpan;
  return r;
}

// Prefix sums over the histogram bins of count, count·x and count·x² (x = bin centre), so the
// clipping error of every tail is O(1).
struct Prefix {
  std::vector<double> c, cx, cxx;
  explicit Prefix(const TensorStats& s) {
    const std::vector<double>& h = s.histogram();
    const size_t n = h.size();
    c.assign(n + 1, 0.0);
    cx.assign(n + 1, 0.0);
    cxx.assign(n + 1, 0.0);
    for (size_t i = 0; i < n; ++i) {
      const double x = s.bin_value(static_cast<int>(i));
      c[i + 1] = c[i] + h[i];
      cx[i + 1] = cx[i] + h[i] * x;
      cxx[i + 1] = cxx[i] + h[i] * x * x;
    }
  }
  // Sum over bins [a, b) of count·(x - e)².
  double sq(size_t a, size_t b, double e) const {
    if (a >= b) return 0.0;
    const double n = c[b] - c[a], sx = cx[b] - cx[a], sxx = cxx[b] - cxx[a];
    return sxx - 2.0 * e * sx + e * e * n;
  }
};

// Bin index of value x (clamped to [0, n]).
size_t bin_of(const TensorStats& s, double x) {
  const int n = static_cast<int>(s.histogram().size());
  const double w = (s.max() - s.min()) / n;
  if (!(w > 0.0)) return 0;
  const double b = std::floor((x - s.min()) / w);
  return static_cast<size_t>(std::clamp(b, 0.0, static_cast<double>(n)));
}

double error_with(const TensorStats& s, const Prefix& p, Range r, bool symmetric) {
  const double step = symmetric ? std::max(-r.lo, r.hi) / 32767.0 : (r.hi - r.lo) / 255.0;
  const size_t n = s.histogram().size();
  const size_t a = bin_of(s, r.lo), b = std::min(n, bin_of(s, r.hi) + 1);
  const double inside = p.c[b] - p.c[a];
  const double total = p.c[n];
  const double err = inside * step * step / 12.0 + p.sq(0, a, r.lo) + p.sq(b, n, r.hi);
  return total > 0 ? err / total : 0.0;
}

Range percentile_range(const TensorStats& s, double percentile) {
  const std::vector<double>& h = s.histogram();
  double total = 0.0;
  for (double v : h) total += v;
  const double tail = total * (100.0 - std::clamp(percentile, 0.0, 100.0)) / 100.0;
  const int n = static_cast<int>(h.size());
  const double w = (s.max() - s.min()) / n;
  int lo_bin = 0, hi_bin = n - 1;
  for (double acc = 0.0; lo_bin < n - 1 && acc + h[lo_bin] <= tail; ++lo_bin) acc += h[lo_bin];
  for (double acc = 0.0; hi_bin > 0 && acc + h[hi_bin] <= tail; --hi_bin) acc += h[hi_bin];
  return {s.min() + w * lo_bin, s.min() + w * (hi_bin + 1)};
}

Range mse_range(const TensorStats& s, bool symmetric) {
  const Prefix p(s);
  const Range full = with_zero(s.min(), s.max());
  Range best = full;
  double best_err = error_with(s, p, full, symmetric);
  if (symmetric) {
    const double m = std::max(-full.lo, full.hi);
    for (int k = 1; k < kSearchSteps; ++k) {
      const double e = m * k / kSearchSteps;
      const double err = error_with(s, p, {-e, e}, symmetric);
      if (err < best_err) best_err = err, best = {-e, e};
    }
    return best;
  }
  for (int i = 0; i <= kSearchSteps; ++i) {
    for (int j = 0; j <= kSearchSteps; ++j) {
      const Range r{full.lo * i / kSearchSteps, full.hi * j / kSearchSteps};
      if (r.hi - r.lo < kMinSpan) continue;
      const double err = error_with(s, p, r, symmetric);
      if (err < best_err) best_err = err, best = r;
    }
  }
  return best;
}

}  // namespace

void TensorStats::add_minmax(const float* v, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const double x = v[i];
    if (count_ == 0 && i == 0) min_ = max_ = x;
    min_ = std::min(min_, x);
    max_ = std::max(max_, x);
  }
  count_ += n;
}

void TensorStats::start_histogram() { hist_.assign(kBins, 0.0); }

void TensorStats::add_histogram(const float* v, size_t n) {
  const double w = (max_ - min_) / kBins;
  for (size_t i = 0; i < n; ++i) {
    const double b = w > 0.0 ? std::floor((v[i] - min_) / w) : 0.0;
    hist_[static_cast<size_t>(std::clamp(b, 0.0, static_cast<double>(kBins - 1)))] += 1.0;
  }
}

double TensorStats::bin_value(int i) const {
  const double w = (max_ - min_) / static_cast<double>(hist_.empty() ? 1 : hist_.size());
  return min_ + w * (i + 0.5);
}

Range choose_range(const TensorStats& s, Calibration method, double percentile, bool symmetric) {
  if (!s.seen()) return with_zero(0.0, 0.0);
  Range r{s.min(), s.max()};
  if (method != Calibration::kMinMax && !s.histogram().empty() && s.max() > s.min()) {
    if (method == Calibration::kPercentile) r = percentile_range(s, percentile);
    if (method == Calibration::kMse) r = mse_range(s, symmetric);
  }
  r = with_zero(r.lo, r.hi);
  if (symmetric) {
    const double m = std::max(-r.lo, r.hi);
    r = {-m, m};
  }
  return r;
}

double expected_error(const TensorStats& s, Range r, bool symmetric) {
  if (s.histogram().empty()) return 0.0;
  return error_with(s, Prefix(s), r, symmetric);
}

QuantParams params_for_range(Range r, bool int16) {
  QuantParams p;
  if (int16) {
    const double m = std::max({-r.lo, r.hi, kMinSpan});
    p.scale = static_cast<float>(m / 32767.0);
    p.zero_point = 0;
    return p;
  }
  const double lo = std::min(r.lo, 0.0), hi = std::max({r.hi, 0.0, lo + kMinSpan});
  p.scale = static_cast<float>((hi - lo) / 255.0);
  const double zp = std::round(-128.0 - lo / static_cast<double>(p.scale));
  p.zero_point = static_cast<int32_t>(std::clamp(zp, -128.0, 127.0));
  return p;
}

int32_t quantize_value(double x, const QuantParams& p, int32_t qmin, int32_t qmax) {
  const double q = std::round(x / static_cast<double>(p.scale)) + p.zero_point;
  return static_cast<int32_t>(std::clamp(q, static_cast<double>(qmin), static_cast<double>(qmax)));
}

}  // namespace mote::quant
