#include "runtime/kernels/elementwise.h"

#include "runtime/kernels/quant.h"

namespace mote {

// ---- shapes ----------------------------------------------------------------------------------

bool broadcast_shapes(const Shape& a, const Shape& b, Shape* out) {
  const int32_t rank = a.rank > b.rank ? a.rank : b.rank;
  Shape s;
  s.rank = rank;
  for (int32_t i = 0; i < rank; ++i) {
    const int32_t ia = i - (rank - a.rank), ib = i - (rank - b.rank);
    const int32_t da = ia >= 0 ? a.dims[ia] : 1;
    const int32_t db = ib >= 0 ? b.dims[ib] : 1;
    if (da != db && da != 1 && db != 1) return false;
    s.dims[i] = da == 1 ? db : da;
  }
  *out = s;
  return true;
}

void plan_broadcast(const Shape& a, const Shape& b, const Shape& out, BroadcastLoop* loop) {
  // Build loops innermost first into temporaries, then store them outermost first.
  int32_t extent[kMaxRank], s1[kMaxRank], s2[kMaxRank];
  bool bc1[kMaxRank], bc2[kMaxRank];
  int32_t n = 0;
  int32_t acc1 = 1, acc2 = 1;
  for (int32_t i = out.rank - 1; i >= 0; --i) {
    const int32_t ia = i - (out.rank - a.rank), ib = i - (out.rank - b.rank);
    const int32_t da = ia >= 0 ? a.dims[ia] : 1;
    const int32_t db = ib >= 0 ? b.dims[ib] : 1;
    const int32_t d = out.dims[i];
    if (d == 1) continue;  // contributes nothing to any index
    const bool b1 = da == 1, b2 = db == 1;
    if (n > 0 && bc1[n - 1] == b1 && bc2[n - 1] == b2) {
      extent[n - 1] *= d;  // same broadcast pattern as the inner neighbour: fuse
    } else {
      extent[n] = d;
      s1[n] = b1 ? 0 : acc1;
      s2[n] = b2 ? 0 : acc2;
      bc1[n] = b1;
      bc2[n] = b2;
      ++n;
    }
    acc1 *= da;
    acc2 *= db;
  }
  *loop = BroadcastLoop();
  if (n == 0) return;  // every dimension is 1: one element, default loop
  loop->rank = n;
  for (int32_t k = 0; k < n; ++k) {
    loop->extent[k] = extent[n - 1 - k];
    loop->stride1[k] = s1[n - 1 - k];
    loop->stride2[k] = s2[n - 1 - k];
  }
}

bool same_shape_ignoring_leading_ones(const Shape& a, const Shape& b) {
  int32_t ia = 0, ib = 0;
  while (ia < a.rank && a.dims[ia] == 1) ++ia;
  while (ib < b.rank && b.dims[ib] == 1) ++ib;
  if (a.rank - ia != b.rank - ib) return false;
  for (; ia < a.rank; ++ia, ++ib)
    if (a.dims[ia] != b.dims[ib]) return false;
  return true;
}

// ---- multiplier computation ----------------------------------------------------------------

namespace {

bool smaller_than_one(double real, int32_t* multiplier, int32_t* shift) {
  if (!(real > 0.0 && real < 1.0)) return false;
  int s = 0;
  quantize_multiplier(real, multiplier, &s);
  *shift = s;
  return s <= 0;
}

void set_offsets(int32_t zp1, int32_t zp2, int32_t zpo, bool is_int16, AddSubQuantParams* p) {
  p->input1_offset = -zp1;
  p->input2_offset = -zp2;
  p->output_offset = zpo;
  p->left_shift = is_int16 ? 15 : 20;
}

}  // namespace

bool add_quant_params(float s1, int32_t zp1, float s2, int32_t zp2, float so, int32_t zpo, bool is_int16,
                      AddSubQuantParams* p) {
  set_offsets(zp1, zp2, zpo, is_int16, p);
  const double twice_max = 2 * static_cast<double>(s1 > s2 ? s1 : s2);
  const double r1 = static_cast<double>(s1) / twice_max;
  const double r2 = static_cast<double>(s2) / twice_max;
  const double ro = twice_max / ((1 << p->left_shift) * static_cast<double>(so));
  return smaller_than_one(r1, &p->input1_multiplier, &p->input1_shift) &&
         smaller_than_one(r2, &p->input2_multiplier, &p->input2_shift) &&
         smaller_than_one(ro, &p->output_multiplier, &p->output_shift);
}

bool sub_quant_params(float s1, int32_t zp1, float s2, int32_t zp2, float so, int32_t zpo, bool is_int16,
                      AddSubQuantParams* p) {
  set_offsets(zp1, zp2, zpo, is_int16, p);
  const float twice_max = 2 * (s1 > s2 ? s1 : s2);
  const double r1 = static_cast<double>(s1 / twice_max);
  const double r2 = static_cast<double>(s2 / twice_max);
  const double ro = static_cast<double>(twice_max / ((1 << p->left_shift) * so));
  return smaller_than_one(r1, &p->input1_multiplier, &p->input1_shift) &&
         smaller_than_one(r2, &p->input2_multiplier, &p->input2_shift) &&
         smaller_than_one(ro, &p->output_multiplier, &p->output_shift);
}

Int32Range activation_range_int32(uint8_t activation) {
  Int32Range r;
  switch (activation) {
    case 1: r.min = 0; break;
    case 2:
      r.min = -1;
      r.max = 1;
      break;
    case 3:
      r.min = 0;
      r.max = 6;
      break;
    default: break;
  }
  return r;
}

// ---- the broadcast driver ------------------------------------------------------------------
//
// An operation is split into pre1/pre2 (per input element: offset, rescale) and post (combine two
// prepared values, requantize, clamp). When one side is broadcast along the innermost loop, its
// prepared value is computed once per row. The arithmetic per element is unchanged, so results are
// identical to evaluating op(a[i], b[i]) directly.

namespace {

template <typename T, typename Op>
void run_row(const Op& op, const T* a, int32_t sa, const T* b, int32_t sb, T* out, int32_t n) {
  if (sa != 0 && sb != 0) {
    for (int32_t i = 0; i < n; ++i) out[i] = op.post(op.pre1(a[i]), op.pre2(b[i]));
  } else if (sa == 0) {
    const auto pa = op.pre1(a[0]);
    for (int32_t i = 0; i < n; ++i) out[i] = op.post(pa, op.pre2(b[i]));
  } else {
    const auto pb = op.pre2(b[0]);
    for (int32_t i = 0; i < n; ++i) out[i] = op.post(op.pre1(a[i]), pb);
  }
}

template <typename T, typename Op>
void run_broadcast(const Op& op, const BroadcastLoop& loop, const T* a, const T* b, T* out) {
  const int32_t inner = loop.rank - 1;
  const int32_t n = loop.extent[inner];
  const int32_t sa = loop.stride1[inner], sb = loop.stride2[inner];
  int32_t rows = 1;
  for (int32_t d = 0; d < inner; ++d) rows *= loop.extent[d];
  int32_t index[kMaxRank] = {0, 0, 0, 0, 0, 0};
  int32_t off_a = 0, off_b = 0;
  for (int32_t r = 0; r < rows; ++r) {
    run_row(op, a + off_a, sa, b + off_b, sb, out, n);
    out += n;
    for (int32_t d = inner - 1; d >= 0; --d) {  // odometer over the outer loops
      off_a += loop.stride1[d];
      off_b += loop.stride2[d];
      if (++index[d] < loop.extent[d]) break;
      off_a -= loop.stride1[d] * loop.extent[d];
      off_b -= loop.stride2[d] * loop.extent[d];
      index[d] = 0;
    }
  }
}

// Same NaN behaviour as min(max(x, lo), hi): NaN passes through.
inline float clamp_f32(float v, float lo, float hi) {
  v = v < lo ? lo : v;
  return hi < v ? hi : v;
}

// requantize() specialised to shift <= 0, which every ADD/SUB multiplier has (they are checked
// to lie in (0, 1) at prepare time): no left shift, the rounding constants computed once.
struct RightRescale {
  int32_t multiplier, right, mask, threshold;
  RightRescale(int32_t m, int32_t shift)
      : multiplier(m),
        right(-shift),
        mask(static_cast<int32_t>((uint32_t{1} << -shift) - 1)),
        threshold(mask >> 1) {}
  int32_t operator()(int32_t x) const {
    return rounding_shift_right(doubling_high_mul(x, multiplier), right, mask, threshold);
  }
};

template <typename T, bool kSub>
struct AddSubQuantOp {
  explicit AddSubQuantOp(const AddSubQuantParams& p)
      : in1(p.input1_multiplier, p.input1_shift),
        in2(p.input2_multiplier, p.input2_shift),
        out(p.output_multiplier, p.output_shift),
        off1(p.input1_offset),
        off2(p.input2_offset),
        left(p.left_shift),
        out_off(p.output_offset),
        lo(p.act_min),
        hi(p.act_max) {}
  // Copies, not references: int8 stores may alias anything, so referenced fields would be reloaded.
  RightRescale in1, in2, out;
  int32_t off1, off2, left, out_off, lo, hi;

  int32_t pre1(T x) const { return in1(static_cast<int32_t>(static_cast<uint32_t>(off1 + x) << left)); }
  int32_t pre2(T x) const { return in2(static_cast<int32_t>(static_cast<uint32_t>(off2 + x) << left)); }
  T post(int32_t a, int32_t b) const { return static_cast<T>(clamp_s32(out(kSub ? a - b : a + b) + out_off, lo, hi)); }
};

template <typename T>
struct MulQuantOp {
  MulQuantParams p;
  int32_t pre1(T x) const { return p.input1_offset + x; }
  int32_t pre2(T x) const { return p.input2_offset + x; }
  T post(int32_t a, int32_t b) const {
    const int32_t out = requantize(a * b, p.output_multiplier, p.output_shift) + p.output_offset;
    return static_cast<T>(clamp_s32(out, p.act_min, p.act_max));
  }
};

enum class Arith { kAdd, kSub, kMul };

template <Arith kOp>
struct FloatOp {
  float lo, hi;
  float pre1(float x) const { return x; }
  float pre2(float x) const { return x; }
  float post(float a, float b) const {
    const float r = kOp == Arith::kAdd ? a + b : kOp == Arith::kSub ? a - b : a * b;
    return clamp_f32(r, lo, hi);
  }
};

template <Arith kOp>
struct Int32Op {  // wraps on overflow instead of invoking undefined behaviour
  int32_t lo, hi;
  uint32_t pre1(int32_t x) const { return static_cast<uint32_t>(x); }
  uint32_t pre2(int32_t x) const { return static_cast<uint32_t>(x); }
  int32_t post(uint32_t a, uint32_t b) const {
    const uint32_t r = kOp == Arith::kAdd ? a + b : kOp == Arith::kSub ? a - b : a * b;
    return clamp_s32(static_cast<int32_t>(r), lo, hi);
  }
};

}  // namespace

// ---- exported kernels ----------------------------------------------------------------------

void add_s8(const AddSubQuantParams& p, const BroadcastLoop& loop, const int8_t* in1, const int8_t* in2, int8_t* out) {
  run_broadcast(AddSubQuantOp<int8_t, false>(p), loop, in1, in2, out);
}
void add_s16(const AddSubQuantParams& p, const BroadcastLoop& loop, const int16_t* in1, const int16_t* in2,
             int16_t* out) {
  run_broadcast(AddSubQuantOp<int16_t, false>(p), loop, in1, in2, out);
}
void sub_s8(const AddSubQuantParams& p, const BroadcastLoop& loop, const int8_t* in1, const int8_t* in2, int8_t* out) {
  run_broadcast(AddSubQuantOp<int8_t, true>(p), loop, in1, in2, out);
}
void sub_s16(const AddSubQuantParams& p, const BroadcastLoop& loop, const int16_t* in1, const int16_t* in2,
             int16_t* out) {
  run_broadcast(AddSubQuantOp<int16_t, true>(p), loop, in1, in2, out);
}
void mul_s8(const MulQuantParams& p, const BroadcastLoop& loop, const int8_t* in1, const int8_t* in2, int8_t* out) {
  run_broadcast(MulQuantOp<int8_t>{p}, loop, in1, in2, out);
}
void mul_s16(const MulQuantParams& p, const BroadcastLoop& loop, const int16_t* in1, const int16_t* in2, int16_t* out) {
  run_broadcast(MulQuantOp<int16_t>{p}, loop, in1, in2, out);
}
void add_f32(const FloatRange& act, const BroadcastLoop& loop, const float* in1, const float* in2, float* out) {
  run_broadcast(FloatOp<Arith::kAdd>{act.min, act.max}, loop, in1, in2, out);
}
void sub_f32(const FloatRange& act, const BroadcastLoop& loop, const float* in1, const float* in2, float* out) {
  run_broadcast(FloatOp<Arith::kSub>{act.min, act.max}, loop, in1, in2, out);
}
void mul_f32(const FloatRange& act, const BroadcastLoop& loop, const float* in1, const float* in2, float* out) {
  run_broadcast(FloatOp<Arith::kMul>{act.min, act.max}, loop, in1, in2, out);
}
void add_s32(const Int32Range& act, const BroadcastLoop& loop, const int32_t* in1, const int32_t* in2, int32_t* out) {
  run_broadcast(Int32Op<Arith::kAdd>{act.min, act.max}, loop, in1, in2, out);
}
void sub_s32(const Int32Range& act, const BroadcastLoop& loop, const int32_t* in1, const int32_t* in2, int32_t* out) {
  run_broadcast(Int32Op<Arith::kSub>{act.min, act.max}, loop, in1, in2, out);
}
void mul_s32(const Int32Range& act, const BroadcastLoop& loop, const int32_t* in1, const int32_t* in2, int32_t* out) {
  run_broadcast(Int32Op<Arith::kMul>{act.min, act.max}, loop, in1, in2, out);
}

}  // namespace mote
