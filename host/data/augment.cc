// mote datasets — augmentation of training batches: shift, amplitude scale, additive noise.
//
// Per sample, in this order and drawing from the Rng in this order:
//   shift:  images [N, H, W, C]: dy then dx, each rng.below(2 * shift + 1) - shift; the sample
//           moves by (dy, dx) pixels (out(y, x) = in(y - dy, x - dx)), zero where nothing moves in.
//           1-D [N, L] or [N, L, C]: d the same way, along L.
//   scale:  k = rng.uniform(scale_min, scale_max) (no draw when the range is a single value);
//           every value is multiplied by k.
//   noise:  every value gets noise_stddev * rng.normal() added (in element order).
#include <algorithm>

#include "host/data/dataset.h"
#include "host/error.h"

namespace mote::data {

using host::HostError;

namespace {

int draw_shift(int shift, train::Rng& rng) {
  return static_cast<int>(rng.below(2u * static_cast<uint32_t>(shift) + 1u)) - shift;
}

// Moves an [h, w, c] image by (dy, dx) with zero fill; `tmp` is scratch of the image's size.
void shift_image(float* img, int h, int w, int c, int dy, int dx, std::vector<float>& tmp) {
  std::fill(tmp.begin(), tmp.end(), 0.0f);
  const int y0 = std::max(0, dy), y1 = std::min(h, h + dy);
  const int x0 = std::max(0, dx), x1 = std::min(w, w + dx);
  for (int y = y0; y < y1; ++y) {
    if (x1 <= x0) break;
    const float* src = img + (static_cast<size_t>(y - dy) * w + static_cast<size_t>(x0 - dx)) * c;
    std::copy(src, src + static_cast<size_t>(x1 - x0) * c, tmp.data() + (static_cast<size_t>(y) * w + x0) * c);
  }
  std::copy(tmp.begin(), tmp.end(), img);
}

void check_augmentation(const Augmentation& a) {
  if (!(a.noise_stddev >= 0.0f)) throw HostError("augment: noise must be >= 0, got " + std::to_string(a.noise_stddev));
  if (a.shift < 0) throw HostError("augment: shift must be >= 0, got " + std::to_string(a.shift));
  if (!(a.scale_min > 0.0f && a.scale_min <= a.scale_max)) {
    throw HostError("augment: scale range [" + std::to_string(a.scale_min) + ", " + std::to_string(a.scale_max) +
                    "] must have 0 < min <= max");
  }
}

}  // namespace

void augment(const DataSpec& spec, train::Tensor& batch, train::Rng& rng) {
  const Augmentation& a = spec.augment;
  if (!a.enabled() || batch.rank() == 0 || batch.dim(0) == 0) return;
  check_augmentation(a);
  const int n = batch.dim(0);
  const size_t per = batch.size() / static_cast<size_t>(n);
  const bool image = batch.rank() == 4;
  const int h = batch.rank() >= 2 ? batch.dim(1) : 1;
  const int w = image ? batch.dim(2) : 1;
  const int c = static_cast<int>(per / (static_cast<size_t>(h) * static_cast<size_t>(w)));
  std::vector<float> tmp(per);
  for (int s = 0; s < n; ++s) {
    float* v = batch.data() + static_cast<size_t>(s) * per;
    if (a.shift > 0 && batch.rank() >= 2) {
      const int dy = draw_shift(a.shift, rng);
      const int dx = image ? draw_shift(a.shift, rng) : 0;
      shift_image(v, h, w, c, dy, dx, tmp);  // 1-D: an [L, 1, C] image shifted along L
    }
    if (a.scale_min != a.scale_max || a.scale_min != 1.0f) {
      const float k = a.scale_min == a.scale_max ? a.scale_min : rng.uniform(a.scale_min, a.scale_max);
      for (size_t i = 0; i < per; ++i) v[i] *= k;
    }
    if (a.noise_stddev > 0.0f) {
      for (size_t i = 0; i < per; ++i) v[i] += a.noise_stddev * rng.normal();
    }
  }
}

}  // namespace mote::data
