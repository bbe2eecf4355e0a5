// Float32 matrix multiplication with AVX2 + FMA, selected at run time (see CKernels.h).

#include "CKernels.h"
#include "simd.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#define TARGET __attribute__((target("avx2,fma")))
#define MR 6   // rows of C per micro-kernel
#define NR 16  // columns of C per micro-kernel (two 8-float registers)
#define KC 256 // depth of a block: the B panel it reads (KC × NR floats) stays in the L1 cache
#define MC 96  // rows of a block: its part of A (MC × KC floats) stays in the L2 cache across the column panels

static int cpu_has_avx2_fma(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return cached;
}

// C[6 × 16] += A[6 × kc] · B[kc × 16] (B packed: 16 floats per row): the accumulators stay in registers.
TARGET static inline void kernel_6x16(long kc, const float *a, long lda, const float *b, float *c, long ldc) {
    __m256 c00 = _mm256_loadu_ps(c), c01 = _mm256_loadu_ps(c + 8);
    __m256 c10 = _mm256_loadu_ps(c + ldc), c11 = _mm256_loadu_ps(c + ldc + 8);
    __m256 c20 = _mm256_loadu_ps(c + 2 * ldc), c21 = _mm256_loadu_ps(c + 2 * ldc + 8);
    __m256 c30 = _mm256_loadu_ps(c + 3 * ldc), c31 = _mm256_loadu_ps(c + 3 * ldc + 8);
    __m256 c40 = _mm256_loadu_ps(c + 4 * ldc), c41 = _mm256_loadu_ps(c + 4 * ldc + 8);
    __m256 c50 = _mm256_loadu_ps(c + 5 * ldc), c51 = _mm256_loadu_ps(c + 5 * ldc + 8);
    const float *a0 = a, *a1 = a + lda, *a2 = a + 2 * lda, *a3 = a + 3 * lda, *a4 = a + 4 * lda, *a5 = a + 5 * lda;
    for (long p = 0; p < kc; p++) {
        __m256 b0 = _mm256_loadu_ps(b + p * NR), b1 = _mm256_loadu_ps(b + p * NR + 8);
        __m256 x;
        x = _mm256_broadcast_ss(a0 + p); c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
        x = _mm256_broadcast_ss(a1 + p); c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
        x = _mm256_broadcast_ss(a2 + p); c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
        x = _mm256_broadcast_ss(a3 + p); c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
        x = _mm256_broadcast_ss(a4 + p); c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
        x = _mm256_broadcast_ss(a5 + p); c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
    }
    _mm256_storeu_ps(c, c00); _mm256_storeu_ps(c + 8, c01);
    _mm256_storeu_ps(c + ldc, c10); _mm256_storeu_ps(c + ldc + 8, c11);
    _mm256_storeu_ps(c + 2 * ldc, c20); _mm256_storeu_ps(c + 2 * ldc + 8, c21);
    _mm256_storeu_ps(c + 3 * ldc, c30); _mm256_storeu_ps(c + 3 * ldc + 8, c31);
    _mm256_storeu_ps(c + 4 * ldc, c40); _mm256_storeu_ps(c + 4 * ldc + 8, c41);
    _mm256_storeu_ps(c + 5 * ldc, c50); _mm256_storeu_ps(c + 5 * ldc + 8, c51);
}

// A partial tile: rows ≤ 6, cols ≤ 16 (B packed and zero-padded; `cols` masks the loads and stores of C).
// Each element gets the same sequence of fused multiply-adds as in the full kernel.
TARGET static void kernel_edge(int rows, int cols, long kc, const float *a, long lda, const float *b, float *c,
                               long ldc) {
    int lane[16];
    for (int j = 0; j < 16; j++) lane[j] = j < cols ? -1 : 0;
    __m256i mask0 = _mm256_loadu_si256((const __m256i *)lane), mask1 = _mm256_loadu_si256((const __m256i *)(lane + 8));
    for (int r = 0; r < rows; r++) {
        __m256 acc0 = _mm256_maskload_ps(c + r * ldc, mask0), acc1 = _mm256_maskload_ps(c + r * ldc + 8, mask1);
        const float *ar = a + r * lda;
        for (long p = 0; p < kc; p++) {
            __m256 x = _mm256_broadcast_ss(ar + p);
            acc0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b + p * NR), acc0);
            acc1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b + p * NR + 8), acc1);
        }
        _mm256_maskstore_ps(c + r * ldc, mask0, acc0);
        _mm256_maskstore_ps(c + r * ldc + 8, mask1, acc1);
    }
}

// dst[r * ds + c] = src[c * ss + r] for r < rows, c < cols: a transposing copy, 8 × 8 blocks in registers
// (an operand read transposed, such as a weight read as Wᵀ, is packed with this).
TARGET static void transpose_copy(const float *src, long ss, float *dst, long ds, long rows, long cols) {
    long r0 = 0;
    for (; r0 + 8 <= rows; r0 += 8) {
        long c0 = 0;
        for (; c0 + 8 <= cols; c0 += 8) {
            autodiff_transpose8x8(src + c0 * ss + r0, ss, dst + r0 * ds + c0, ds);
        }
        for (; c0 < cols; c0++)
            for (long r = r0; r < r0 + 8; r++) dst[r * ds + c0] = src[c0 * ss + r];
    }
    for (; r0 < rows; r0++)
        for (long c = 0; c < cols; c++) dst[r0 * ds + c] = src[c * ss + r0];
}

// B[kc × n] (element (p, j) at b[p * rs + j * cs]) copied into column panels of NR (kc × NR each, contiguous,
// the last one zero-padded), so that the micro-kernel reads B sequentially.
static void pack_b(const float *b, long rs, long cs, long kc, long n, long width, float *packed) {
    for (long j = 0; j < n; j += width) {
        long cols = n - j < width ? n - j : width;
        float *panel = packed + (j / width) * kc * width;
        for (long p = 0; p < kc; p++) {
            float *row = panel + p * width;
            if (cs == 1) {
                memcpy(row, b + p * rs + j, (size_t)cols * sizeof(float));
            } else if (rs != 1) {
                for (long q = 0; q < cols; q++) row[q] = b[p * rs + (j + q) * cs];
            }
            for (long q = cols; q < width; q++) row[q] = 0;
        }
        // A transposed B (rs == 1, a weight read as Wᵀ): transposed in blocks.
        if (cs != 1 && rs == 1) transpose_copy(b + j * cs, cs, panel, width, kc, cols);
    }
}

// A[rows × kc] (element (i, p) at a[i * rs + p * cs]) copied row-major (rows × kc, leading dimension kc).
// A transposed A (rs == 1) is transposed in blocks.
static void pack_a(const float *a, long rs, long cs, long rows, long kc, float *packed) {
    if (rs == 1) {
        transpose_copy(a, cs, packed, kc, rows, kc);
        return;
    }
    for (long i = 0; i < rows; i++)
        for (long p = 0; p < kc; p++) packed[i * kc + p] = a[i * rs + p * cs];
}

// Packing buffers, one pair per thread, grown as needed and kept: allocating and freeing a megabyte per
// product made the C library return memory to the system and take it back every call.
static _Thread_local float *buffer_b, *buffer_a;
static _Thread_local long capacity_b, capacity_a;

static float *buffer(float **slot, long *capacity, long count) {
    if (count > *capacity) {
        float *bigger = realloc(*slot, (size_t)count * sizeof(float));
        if (!bigger) return NULL;
        *slot = bigger;
        *capacity = count;
    }
    return *slot;
}

// A micro-kernel for a full tile, and one for a partial tile (rows ≤ mr, cols ≤ nr).
typedef void (*full_kernel)(long kc, const float *a, long lda, const float *b, float *c, long ldc);
typedef void (*edge_kernel)(int rows, int cols, long kc, const float *a, long lda, const float *b, float *c, long ldc);

// The blocking shared by both instruction sets: for each KC-deep slice, B is packed into panels of nr columns,
// then each MC-row block of A (packed when strided) meets every panel, mr rows at a time.
// C has leading dimension ldc (≥ n): a block of columns of a wider C is computed in place.
static int sgemm_blocked(const float *a, long ars, long acs, const float *b, long brs, long bcs, float *c, long ldc,
                         long m, long k, long n, int mr, int nr, full_kernel full, edge_kernel edge) {
    long panels = (n + nr - 1) / nr;
    long depth = k < KC ? k : KC;
    float *packed = buffer(&buffer_b, &capacity_b, depth * panels * nr);
    float *packed_a = acs == 1 ? NULL : buffer(&buffer_a, &capacity_a, MC * depth);
    if (!packed || (acs != 1 && !packed_a)) return 0;
    for (long p0 = 0; p0 < k; p0 += KC) {
        long kc = k - p0 < KC ? k - p0 : KC;
        pack_b(b + p0 * brs, brs, bcs, kc, n, nr, packed);
        for (long i0 = 0; i0 < m; i0 += MC) {
            long i1 = m - i0 < MC ? m : i0 + MC;
            const float *block = a + i0 * ars + p0 * acs;
            long lda = ars;
            if (acs != 1) {
                pack_a(block, ars, acs, i1 - i0, kc, packed_a);
                block = packed_a;
                lda = kc;
            }
            for (long j = 0; j < n; j += nr) {
                int cols = n - j < nr ? (int)(n - j) : nr;
                const float *panel = packed + (j / nr) * kc * nr;
                for (long i = i0; i < i1; i += mr) {
                    int rows = i1 - i < mr ? (int)(i1 - i) : mr;
                    const float *ai = block + (i - i0) * lda;
                    if (rows == mr && cols == nr) {
                        full(kc, ai, lda, panel, c + i * ldc + j, ldc);
                    } else {
                        edge(rows, cols, kc, ai, lda, panel, c + i * ldc + j, ldc);
                    }
                }
            }
        }
    }
    return 1;
}

// AVX-512: a 12 × 32 tile (24 accumulators), B packed in panels of 32. Each element of C gets the same
// sequence of fused multiply-adds as in the AVX2 kernels, so both give the same bits.
#define TARGET512 __attribute__((target("avx512f")))
#define MR5 12
#define NR5 32

static int cpu_has_avx512(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx512f") && getenv("AUTODIFF_NO_AVX512") == NULL;
    }
    return cached;
}

TARGET512 static void kernel512_12x32(long kc, const float *a, long lda, const float *b, float *c, long ldc) {
    __m512 acc[MR5][2];
    for (int r = 0; r < MR5; r++) {
        acc[r][0] = _mm512_loadu_ps(c + r * ldc);
        acc[r][1] = _mm512_loadu_ps(c + r * ldc + 16);
    }
    for (long p = 0; p < kc; p++) {
        __m512 b0 = _mm512_loadu_ps(b + p * NR5), b1 = _mm512_loadu_ps(b + p * NR5 + 16);
#pragma clang loop unroll(full)
        for (int r = 0; r < MR5; r++) {
            __m512 x = _mm512_set1_ps(a[r * lda + p]);
            acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
        }
    }
    for (int r = 0; r < MR5; r++) {
        _mm512_storeu_ps(c + r * ldc, acc[r][0]);
        _mm512_storeu_ps(c + r * ldc + 16, acc[r][1]);
    }
}

// A partial tile of `rows` (a constant once inlined) ≤ 12 rows and cols ≤ 32: the same registers as the full
// kernel, masked loads and stores of C (B's panel is zero-padded), and one accumulator per row when cols ≤ 16.
// Processing the rows together rather than one at a time keeps as many independent sums in flight as the full
// tile: narrow outputs (27 logits, 16 features) are all edge. Each element of C gets the same sequence of fused
// multiply-adds as in the full kernel.
TARGET512 static inline __attribute__((always_inline)) void tile512(const int rows, int cols, long kc, const float *a,
                                                                    long lda, const float *b, float *c, long ldc) {
    __mmask16 m0 = cols >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cols) - 1);
    __mmask16 m1 = cols <= 16 ? 0 : (cols >= 32 ? (__mmask16)0xFFFF : (__mmask16)((1u << (cols - 16)) - 1));
    __m512 acc0[MR5], acc1[MR5];
    for (int r = 0; r < rows; r++) {
        acc0[r] = _mm512_maskz_loadu_ps(m0, c + r * ldc);
        acc1[r] = _mm512_maskz_loadu_ps(m1, c + r * ldc + 16);
    }
    if (cols > 16) {
        for (long p = 0; p < kc; p++) {
            __m512 b0 = _mm512_loadu_ps(b + p * NR5), b1 = _mm512_loadu_ps(b + p * NR5 + 16);
#pragma clang loop unroll(full)
            for (int r = 0; r < rows; r++) {
                __m512 x = _mm512_set1_ps(a[r * lda + p]);
                acc0[r] = _mm512_fmadd_ps(x, b0, acc0[r]);
                acc1[r] = _mm512_fmadd_ps(x, b1, acc1[r]);
            }
        }
    } else {
        for (long p = 0; p < kc; p++) {
            __m512 b0 = _mm512_loadu_ps(b + p * NR5);
#pragma clang loop unroll(full)
            for (int r = 0; r < rows; r++) acc0[r] = _mm512_fmadd_ps(_mm512_set1_ps(a[r * lda + p]), b0, acc0[r]);
        }
    }
    for (int r = 0; r < rows; r++) {
        _mm512_mask_storeu_ps(c + r * ldc, m0, acc0[r]);
        if (cols > 16) _mm512_mask_storeu_ps(c + r * ldc + 16, m1, acc1[r]);
    }
}

TARGET512 static void kernel512_edge(int rows, int cols, long kc, const float *a, long lda, const float *b, float *c,
                                     long ldc) {
    switch (rows) {
#define ROWS(r) case r: tile512(r, cols, kc, a, lda, b, c, ldc); break;
    ROWS(1) ROWS(2) ROWS(3) ROWS(4) ROWS(5) ROWS(6) ROWS(7) ROWS(8) ROWS(9) ROWS(10) ROWS(11)
    default: tile512(MR5, cols, kc, a, lda, b, c, ldc); break;
#undef ROWS
    }
}

int autodiff_sgemm_available(void) { return cpu_has_avx2_fma(); }

int autodiff_avx512_enabled(void) { return cpu_has_avx512(); }

int autodiff_sgemm_accumulate_block(const float *a, long ars, long acs, const float *b, long brs, long bcs,
                                    float *c, long ldc, long m, long k, long n) {
    if (!cpu_has_avx2_fma()) return 0;
    if (autodiff_sgemm_small(a, ars, acs, b, brs, bcs, c, ldc, m, k, n)) return 1;   // small B: no packing (gemm_small.c)
    if (cpu_has_avx512())
        return sgemm_blocked(a, ars, acs, b, brs, bcs, c, ldc, m, k, n, MR5, NR5, kernel512_12x32, kernel512_edge);
    return sgemm_blocked(a, ars, acs, b, brs, bcs, c, ldc, m, k, n, MR, NR, kernel_6x16, kernel_edge);
}

int autodiff_sgemm_accumulate_strided(const float *a, long ars, long acs, const float *b, long brs, long bcs,
                                      float *c, long m, long k, long n) {
    return autodiff_sgemm_accumulate_block(a, ars, acs, b, brs, bcs, c, n, m, k, n);
}

#else

int autodiff_sgemm_available(void) { return 0; }
int autodiff_avx512_enabled(void) { return 0; }
int autodiff_sgemm_accumulate_block(const float *a, long ars, long acs, const float *b, long brs, long bcs,
                                    float *c, long ldc, long m, long k, long n) {
    (void)a; (void)ars; (void)acs; (void)b; (void)brs; (void)bcs; (void)c; (void)ldc; (void)m; (void)k; (void)n;
    return 0;
}
int autodiff_sgemm_accumulate_strided(const float *a, long ars, long acs, const float *b, long brs, long bcs,
                                      float *c, long m, long k, long n) {
    return autodiff_sgemm_accumulate_block(a, ars, acs, b, brs, bcs, c, n, m, k, n);
}

#endif
