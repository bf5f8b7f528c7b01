#include "host/train/gemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "host/train/simd.h"

namespace mote::train {

namespace {


constexpr int kMR = 6;     // rows of the register tile
constexpr int kNR = 16;    // columns of the register tile (two vectors of 8)
constexpr int kKC = 256;   // K block
constexpr int kMC = 96;    // rows of A per block (a multiple of kMR)

typedef float v8 __attribute__((vector_size(32)));
// The same vector, readable and writable at any float address.
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));

MOTE_TRAIN_INLINE v8 load8(const float* p) { return *reinterpret_cast<const v8u*>(p); }
MOTE_TRAIN_INLINE void store8(float* p, v8 v) { *reinterpret_cast<v8u*>(p) = v; }

// Packs columns [j0, j0 + 16) of rows [k0, k0 + kc) of B: out[k * 16 + j]; zeros past N.
MOTE_TRAIN_INLINE void pack_panel(int kc, int N, int j0, const float* b, ptrdiff_t b_row, ptrdiff_t b_col,
                       int k0, float* out) {
  const int nj = std::min(kNR, N - j0);
  if (b_col == 1 && nj == kNR) {
    for (int k = 0; k < kc; ++k)
      std::memcpy(out + k * kNR, b + (k0 + k) * b_row + j0, sizeof(float) * kNR);
    return;
  }
  for (int k = 0; k < kc; ++k) {
    const float* src = b + (k0 + k) * b_row + j0 * b_col;
    float* dst = out + k * kNR;
    for (int j = 0; j < nj; ++j) dst[j] = src[j * b_col];
    for (int j = nj; j < kNR; ++j) dst[j] = 0.0f;
  }
}

// Ways to read A. Both give A(i, k) = column(k)[row_offset(i)].
// Strided: A(i, k) = a[i * row + k * col].
struct StridedA {
  const float* a;
  ptrdiff_t row, col;
  const float* column(int k) const { return a + k * col; }
  ptrdiff_t row_offset(int i) const { return i * row; }
  StridedA from_k(int k0) const { return {a + k0 * col, row, col}; }
};
// Gathered: A(i, k) = a[rows[i] + cols[k]].
struct GatherA {
  const float* a;
  const ptrdiff_t* rows;
  const ptrdiff_t* cols;
  const float* column(int k) const { return a + cols[k]; }
  ptrdiff_t row_offset(int i) const { return rows[i]; }
  GatherA from_k(int k0) const { return {a, rows, cols + k0}; }
};

// acc(i, 0..15) = sum_k A(i0 + i, k) * panel(k, 0..15), then C = acc or C += acc for the first nj
// columns. Every element is summed in ascending k whatever MR is, so edge tiles match full ones.
template <int MR, typename A>
MOTE_TRAIN_INLINE void micro_kernel(int kc, const A& a, int i0, const float* panel, float* c,
                                   ptrdiff_t ldc, int nj, bool accumulate) {
  v8 lo[MR], hi[MR];
  ptrdiff_t r[MR];
  for (int i = 0; i < MR; ++i) {
    lo[i] = hi[i] = v8{};
    r[i] = a.row_offset(i0 + i);
  }
  for (int k = 0; k < kc; ++k) {
    const v8 b0 = load8(panel + k * kNR);
    const v8 b1 = load8(panel + k * kNR + 8);
    const float* ak = a.column(k);
    for (int i = 0; i < MR; ++i) {
      const float s = ak[r[i]];
      lo[i] += s * b0;
      hi[i] += s * b1;
    }
  }
  for (int i = 0; i < MR; ++i) {
    float* ci = c + i * ldc;
    if (nj == kNR) {
      if (accumulate) {
        store8(ci, load8(ci) + lo[i]);
        store8(ci + 8, load8(ci + 8) + hi[i]);
      } else {
        store8(ci, lo[i]);
        store8(ci + 8, hi[i]);
      }
      continue;
    }
    float tmp[kNR];
    store8(tmp, lo[i]);
    store8(tmp + 8, hi[i]);
    for (int j = 0; j < nj; ++j) ci[j] = accumulate ? ci[j] + tmp[j] : tmp[j];
  }
}

// One K block: rows [0, M) of A against all packed panels.
template <typename A>
MOTE_TRAIN_INLINE void block_kernel(int M, int N, int kc, const A& a, const float* packed, float* c,
                                   ptrdiff_t ldc, bool accumulate) {
  const int panels = (N + kNR - 1) / kNR;
  for (int i0 = 0; i0 < M; i0 += kMC) {
    const int mc = std::min(kMC, M - i0);
    for (int p = 0; p < panels; ++p) {
      const float* panel = packed + static_cast<ptrdiff_t>(p) * kc * kNR;
      const int nj = std::min(kNR, N - p * kNR);
      float* cp = c + p * kNR;
      int i = i0;
      for (; i + kMR <= i0 + mc; i += kMR) micro_kernel<kMR>(kc, a, i, panel, cp + i * ldc, ldc, nj, accumulate);
      float* ci = cp + i * ldc;
      switch (i0 + mc - i) {
        case 5: micro_kernel<5>(kc, a, i, panel, ci, ldc, nj, accumulate); break;
        case 4: micro_kernel<4>(kc, a, i, panel, ci, ldc, nj, accumulate); break;
        case 3: micro_kernel<3>(kc, a, i, panel, ci, ldc, nj, accumulate); break;
        case 2: micro_kernel<2>(kc, a, i, panel, ci, ldc, nj, accumulate); break;
        case 1: micro_kernel<1>(kc, a, i, panel, ci, ldc, nj, accumulate); break;
        default: break;
      }
    }
  }
}

template <typename A>
MOTE_TRAIN_INLINE void gemm_blocks(int M, int N, int K, const A& a, const float* b, ptrdiff_t b_row,
                                  ptrdiff_t b_col, float* c, ptrdiff_t ldc, bool accumulate,
                                  float* packed) {
  for (int k0 = 0; k0 < K; k0 += kKC) {
    const int kc = std::min(kKC, K - k0);
    for (int j0 = 0; j0 < N; j0 += kNR)
      pack_panel(kc, N, j0, b, b_row, b_col, k0, packed + static_cast<ptrdiff_t>(j0 / kNR) * kc * kNR);
    block_kernel(M, N, kc, a.from_k(k0), packed, c, ldc, accumulate || k0 > 0);
  }
}

MOTE_TRAIN_CLONES
void gemm_strided(int M, int N, int K, StridedA a, const float* b, ptrdiff_t b_row, ptrdiff_t b_col,
                  float* c, ptrdiff_t ldc, bool accumulate, float* packed) {
  gemm_blocks(M, N, K, a, b, b_row, b_col, c, ldc, accumulate, packed);
}

MOTE_TRAIN_CLONES
void gemm_gathered(int M, int N, int K, GatherA a, const float* b, ptrdiff_t b_row, ptrdiff_t b_col,
                   float* c, ptrdiff_t ldc, bool accumulate, float* packed) {
  gemm_blocks(M, N, K, a, b, b_row, b_col, c, ldc, accumulate, packed);
}

// The packing buffer of the calling thread, at least big enough for an N x min(K, kKC) panel set;
// false (and C cleared unless accumulating) when there is nothing to multiply.
bool prepare(int M, int N, int K, float* c, ptrdiff_t ldc, bool accumulate, float** packed) {
  if (M <= 0 || N <= 0) return false;
  if (K <= 0) {
    if (!accumulate)
      for (int i = 0; i < M; ++i) std::fill(c + i * ldc, c + i * ldc + N, 0.0f);
    return false;
  }
  thread_local std::vector<float> buffer;
  const size_t need = static_cast<size_t>((N + kNR - 1) / kNR) * kNR * std::min(K, kKC);
  if (buffer.size() < need) buffer.resize(need);
  *packed = buffer.data();
  return true;
}

}  // namespace

void gemm(int M, int N, int K, const float* a, ptrdiff_t a_row, ptrdiff_t a_col, const float* b,
          ptrdiff_t b_row, ptrdiff_t b_col, float* c, ptrdiff_t ldc, bool accumulate) {
  float* packed;
  if (prepare(M, N, K, c, ldc, accumulate, &packed))
    gemm_strided(M, N, K, StridedA{a, a_row, a_col}, b, b_row, b_col, c, ldc, accumulate, packed);
}

void gemm_gather(int M, int N, int K, const float* a, const ptrdiff_t* row_offsets,
                 const ptrdiff_t* col_offsets, const float* b, ptrdiff_t b_row, ptrdiff_t b_col,
                 float* c, ptrdiff_t ldc, bool accumulate) {
  float* packed;
  if (prepare(M, N, K, c, ldc, accumulate, &packed))
    gemm_gathered(M, N, K, GatherA{a, row_offsets, col_offsets}, b, b_row, b_col, c, ldc, accumulate, packed);
}

}  // namespace mote::train
