#include "runtime/kernels/conv_common.h"

#include "runtime/kernels/quant.h"

namespace mote {

namespace {
int64_t effective_filter(int32_t filter, int32_t dilation) {
  return (static_cast<int64_t>(filter) - 1) * dilation + 1;
}
}  // namespace

bool conv_output_size(bool same, int32_t in, int32_t filter, int32_t stride, int32_t dilation,
                      int32_t* out) {
  if (in < 0 || filter <= 0 || stride <= 0 || dilation <= 0) return false;
  int64_t v;
  if (same) {
    v = (static_cast<int64_t>(in) + stride - 1) / stride;
  } else {
    // Truncating division, as the reference does: slightly too small inputs give size 0.
    v = (static_cast<int64_t>(in) + stride - effective_filter(filter, dilation)) / stride;
  }
  if (v < 0 || v > INT32_MAX) return false;
  *out = static_cast<int32_t>(v);
  return true;
}

int32_t conv_padding_before(int32_t stride, int32_t dilation, int32_t in, int32_t filter,
                            int32_t out, int32_t* extra_after) {
  int64_t total =
      (static_cast<int64_t>(out) - 1) * stride + effective_filter(filter, dilation) - in;
  if (total < 0) total = 0;
  if (extra_after != nullptr) *extra_after = static_cast<int32_t>(total % 2);
  const int64_t before = total / 2;
  return before > INT32_MAX ? 0 : static_cast<int32_t>(before);
}

void conv_channel_multiplier(float input_scale, float filter_scale, float output_scale,
                             int32_t* multiplier, int32_t* shift) {
  const double real = static_cast<double>(input_scale) * static_cast<double>(filter_scale) /
                      static_cast<double>(output_scale);
  int s = 0;
  quantize_multiplier(real, multiplier, &s);
  *shift = s;
}

void conv_tap_range(int32_t origin, int32_t dilation, int32_t filter, int32_t in, int32_t* first,
                    int32_t* last) {
  // 64-bit so no operand overflows; dilation 1 (the common case) needs no division, which a
  // 32-bit core would run as a library call.
  int64_t lo = 0;
  const int64_t room = static_cast<int64_t>(in) - 1 - origin;  // last valid offset from origin
  int64_t hi = 0;
  if (dilation == 1) {
    if (origin < 0) lo = -static_cast<int64_t>(origin);
    hi = room < 0 ? 0 : room + 1;
  } else {
    if (origin < 0) lo = (-static_cast<int64_t>(origin) + dilation - 1) / dilation;
    hi = room < 0 ? 0 : room / dilation + 1;
  }
  if (lo > filter) lo = filter;
  if (hi > filter) hi = filter;
  if (hi < lo) hi = lo;
  *first = static_cast<int32_t>(lo);
  *last = static_cast<int32_t>(hi);
}

}  // namespace mote
