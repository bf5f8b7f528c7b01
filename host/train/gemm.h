// mote trainer — single-threaded float32 matrix multiply, cache-blocked.
//
//   C[M, N] = (accumulate ? C : 0) + A[M, K] * B[K, N]
//
// A and B are addressed through strides, so one routine covers every transpose the layers need:
// element A(i, k) is a[i * a_row + k * a_col] and B(k, j) is b[k * b_row + j * b_col]. C is row-major
// with row stride ldc. Use the helpers below for the common cases; gemm_gather reads A through
// offset tables instead (a convolution's column matrix, straight from the image).
//
// Blocking: K in blocks of 256, rows of A in blocks of 96, columns of B in panels of 16 that are
// packed contiguously (zero-padded past N); a 6 x 16 register tile is accumulated by a micro-kernel
// written with GCC vector extensions (8 floats), compiled twice — for x86-64-v3 (AVX2 + FMA) and for
// the baseline — and chosen once at load time by the CPU (function multi-versioning, simd.h).
//
// Determinism: every C element is the sum over its K block in ascending k, blocks added in
// ascending order, whatever M, N and the tiling: the same inputs give the same bits on a given
// machine. (On a CPU without FMA the fallback rounds differently — reproducibility is per machine.)
//
//   gemm_nt(rows, out, k, cols, k, weights, k, y, out, false);   // y = cols * weights^T
#pragma once

#include <cstddef>

namespace mote::train {

void gemm(int M, int N, int K, const float* a, ptrdiff_t a_row, ptrdiff_t a_col, const float* b,
          ptrdiff_t b_row, ptrdiff_t b_col, float* c, ptrdiff_t ldc, bool accumulate);

// The same product with A read through two offset tables: A(i, k) = a[row_offsets[i] +
// col_offsets[k]]. A convolution's column matrix is such a matrix over its (padded) input image:
// row offsets locate output pixels, column offsets the taps, so no column matrix is written.
void gemm_gather(int M, int N, int K, const float* a, const ptrdiff_t* row_offsets,
                 const ptrdiff_t* col_offsets, const float* b, ptrdiff_t b_row, ptrdiff_t b_col,
                 float* c, ptrdiff_t ldc, bool accumulate);

// C = A * B, A [M, K] with row stride lda, B [K, N] with row stride ldb.
inline void gemm_nn(int M, int N, int K, const float* a, ptrdiff_t lda, const float* b,
                    ptrdiff_t ldb, float* c, ptrdiff_t ldc, bool accumulate) {
  gemm(M, N, K, a, lda, 1, b, ldb, 1, c, ldc, accumulate);
}
// C = A * B^T, A [M, K], B stored [N, K].
inline void gemm_nt(int M, int N, int K, const float* a, ptrdiff_t lda, const float* b,
                    ptrdiff_t ldb, float* c, ptrdiff_t ldc, bool accumulate) {
  gemm(M, N, K, a, lda, 1, b, 1, ldb, c, ldc, accumulate);
}
// C = A^T * B, A stored [K, M], B [K, N].
inline void gemm_tn(int M, int N, int K, const float* a, ptrdiff_t lda, const float* b,
                    ptrdiff_t ldb, float* c, ptrdiff_t ldc, bool accumulate) {
  gemm(M, N, K, a, 1, lda, b, ldb, 1, c, ldc, accumulate);
}

}  // namespace mote::train
