// Small matrix products without packing: C[m×n] += A[m×k]·B[k×n] where B's rows are contiguous (bcs == 1) and
// B is small enough to stay in the caches (an MLP's layers at batch 32: the backward products g·W and gᵀ·x).
// The blocked path (gemm.c) copies B into zero-padded panels and a transposed A into rows before every
// product; at these sizes the copies cost a quarter of the arithmetic. Here the micro-kernel reads B's rows in
// place (masked loads past the last column instead of padding) and broadcasts A's elements from wherever they
// are (a transposed A is read down its columns, no copy).
//
// Each element of C gets the same sequence of fused multiply-adds as in gemm.c's kernels (its old value, then
// p = 0, 1, … k − 1 in order), so the two paths give the same bits and the choice between them is only speed.
// The overwriting form starts each element from +0 in a register instead of from memory, which is what
// zeroing C and accumulating does, without the pass that zeroes C.

#include "CKernels.h"
#include "simd.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#include <stdlib.h>

#define TARGET512 __attribute__((target("avx512f")))
#define ROWS 8    // rows of C per tile (16 accumulators with two column registers: a batch of 32 has no edge)
#define COLS 32   // columns of C per tile

// One tile of `rows` (a constant once inlined) ≤ 8 rows and `cols` ≤ 32 columns: C's tile is loaded, every
// p adds A's column p (broadcast) times B's row p, and the tile is stored; lanes past `cols` are masked off.
TARGET512 static inline __attribute__((always_inline)) void tile(const int rows, int cols, long k, const float *a,
                                                                 long ars, long acs, const float *b, long brs,
                                                                 float *c, long ldc, int load) {
    __mmask16 m0 = cols >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cols) - 1);
    __mmask16 m1 = cols <= 16 ? 0 : (cols >= 32 ? (__mmask16)0xFFFF : (__mmask16)((1u << (cols - 16)) - 1));
    __m512 acc0[ROWS], acc1[ROWS];
    for (int r = 0; r < rows; r++) {
        acc0[r] = load ? _mm512_maskz_loadu_ps(m0, c + r * ldc) : _mm512_setzero_ps();
        acc1[r] = load ? _mm512_maskz_loadu_ps(m1, c + r * ldc + 16) : _mm512_setzero_ps();
    }
    if (cols > 16) {
        for (long p = 0; p < k; p++) {
            __m512 b0 = _mm512_maskz_loadu_ps(m0, b + p * brs), b1 = _mm512_maskz_loadu_ps(m1, b + p * brs + 16);
            const float *ap = a + p * acs;
#pragma clang loop unroll(full)
            for (int r = 0; r < rows; r++) {
                __m512 x = _mm512_set1_ps(ap[r * ars]);
                acc0[r] = _mm512_fmadd_ps(x, b0, acc0[r]);
                acc1[r] = _mm512_fmadd_ps(x, b1, acc1[r]);
            }
        }
    } else {
        for (long p = 0; p < k; p++) {
            __m512 b0 = _mm512_maskz_loadu_ps(m0, b + p * brs);
            const float *ap = a + p * acs;
#pragma clang loop unroll(full)
            for (int r = 0; r < rows; r++) acc0[r] = _mm512_fmadd_ps(_mm512_set1_ps(ap[r * ars]), b0, acc0[r]);
        }
    }
    for (int r = 0; r < rows; r++) {
        _mm512_mask_storeu_ps(c + r * ldc, m0, acc0[r]);
        if (cols > 16) _mm512_mask_storeu_ps(c + r * ldc + 16, m1, acc1[r]);
    }
}

TARGET512 static void tile_any(int rows, int cols, long k, const float *a, long ars, long acs, const float *b,
                               long brs, float *c, long ldc, int load) {
    switch (rows) {
#define CASE(r) case r: tile(r, cols, k, a, ars, acs, b, brs, c, ldc, load); break;
    CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7)
    default: tile(ROWS, cols, k, a, ars, acs, b, brs, c, ldc, load); break;
#undef CASE
    }
}

// Column tiles outside, row tiles inside: B's k × 32 tile stays in the L1 cache while every row tile meets it.
TARGET512 static void small_product(const float *a, long ars, long acs, const float *b, long brs, float *c, long ldc,
                                    long m, long k, long n, int load) {
    for (long j = 0; j < n; j += COLS) {
        int cols = n - j < COLS ? (int)(n - j) : COLS;
        long i = 0;
        if (cols == COLS)
            for (; i + ROWS <= m; i += ROWS) tile(ROWS, COLS, k, a + i * ars, ars, acs, b + j, brs, c + i * ldc + j, ldc, load);
        for (; i < m; i += ROWS) {
            int rows = m - i < ROWS ? (int)(m - i) : ROWS;
            tile_any(rows, cols, k, a + i * ars, ars, acs, b + j, brs, c + i * ldc + j, ldc, load);
        }
    }
}

// A transposed B (brs == 1: B is stored as an n × k matrix with leading dimension bcs, a weight read as Wᵀ) is
// copied 32 columns at a time into a k × 32 row-major scratch panel, 8 × 8 blocks at a time through registers,
// and each panel meets every row tile of A while it is in the L1 cache.
#define TARGET256 __attribute__((target("avx2")))

// dst (cols × rows, row-major) = the transpose of src (rows × cols, leading dimension ss).
TARGET256 static void transpose(const float *src, long ss, long rows, long cols, float *dst) {
    long r = 0;
    for (; r + 8 <= rows; r += 8) {
        long c = 0;
        for (; c + 8 <= cols; c += 8) autodiff_transpose8x8(src + r * ss + c, ss, dst + c * rows + r, rows);
        for (; c < cols; c++)
            for (long i = r; i < r + 8; i++) dst[c * rows + i] = src[i * ss + c];
    }
    for (; r < rows; r++)
        for (long c = 0; c < cols; c++) dst[c * rows + r] = src[r * ss + c];
}

// The scratch matrix, one per thread, grown as needed and kept.
static _Thread_local float *scratch;
static _Thread_local long scratch_capacity;

static int takes(long brs, long bcs, long m, long k, long n) {
    return (bcs == 1 || brs == 1) && m > 0 && k > 0 && n > 0 && k * n <= AUTODIFF_SGEMM_SMALL_B
        && m <= AUTODIFF_SGEMM_SMALL_M && autodiff_avx512_enabled();
}

static int run(const float *a, long ars, long acs, const float *b, long brs, long bcs, float *c, long ldc, long m,
               long k, long n, int load) {
    if (!takes(brs, bcs, m, k, n)) return 0;
    if (bcs == 1) {
        small_product(a, ars, acs, b, brs, c, ldc, m, k, n, load);
        return 1;
    }
    if (k * COLS > scratch_capacity) {
        float *bigger = realloc(scratch, (size_t)(k * COLS) * sizeof(float));
        if (!bigger) return 0;
        scratch = bigger;
        scratch_capacity = k * COLS;
    }
    for (long j = 0; j < n; j += COLS) {
        long cols = n - j < COLS ? n - j : COLS;
        transpose(b + j * bcs, bcs, cols, k, scratch);   // rows j… of the stored matrix: a k × cols panel
        small_product(a, ars, acs, scratch, cols, c + j, ldc, m, k, cols, load);
    }
    return 1;
}

int autodiff_sgemm_small_takes(long brs, long bcs, long m, long k, long n) { return takes(brs, bcs, m, k, n); }

int autodiff_sgemm_small(const float *a, long ars, long acs, const float *b, long brs, long bcs, float *c, long ldc,
                         long m, long k, long n) {
    return run(a, ars, acs, b, brs, bcs, c, ldc, m, k, n, 1);
}

int autodiff_sgemm_small_overwrite(const float *a, long ars, long acs, const float *b, long brs, long bcs, float *c,
                                   long m, long k, long n) {
    return run(a, ars, acs, b, brs, bcs, c, n, m, k, n, 0);
}

#else

int autodiff_sgemm_small_takes(long brs, long bcs, long m, long k, long n) {
    (void)brs; (void)bcs; (void)m; (void)k; (void)n;
    return 0;
}

int autodiff_sgemm_small(const float *a, long ars, long acs, const float *b, long brs, long bcs, float *c, long ldc,
                         long m, long k, long n) {
    (void)a; (void)ars; (void)acs; (void)b; (void)brs; (void)bcs; (void)c; (void)ldc; (void)m; (void)k; (void)n;
    return 0;
}

int autodiff_sgemm_small_overwrite(const float *a, long ars, long acs, const float *b, long brs, long bcs, float *c,
                                   long m, long k, long n) {
    (void)a; (void)ars; (void)acs; (void)b; (void)brs; (void)bcs; (void)c; (void)m; (void)k; (void)n;
    return 0;
}

#endif
