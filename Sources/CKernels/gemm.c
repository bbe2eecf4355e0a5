// Float32 matrix multiplication with AVX2 + FMA, selected at run time (see CKernels.h).

#include "CKernels.h"

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

// B[kc × n] (element (p, j) at b[p * rs + j * cs]) copied into column panels of NR (kc × NR each, contiguous,
// the last one zero-padded), so that the micro-kernel reads B sequentially.
TARGET static void pack_b(const float *b, long rs, long cs, long kc, long n, float *packed) {
    for (long j = 0; j < n; j += NR) {
        long cols = n - j < NR ? n - j : NR;
        float *panel = packed + (j / NR) * kc * NR;
        for (long p = 0; p < kc; p++) {
            float *row = panel + p * NR;
            if (cs == 1) {
                memcpy(row, b + p * rs + j, (size_t)cols * sizeof(float));
            } else {
                for (long q = 0; q < cols; q++) row[q] = b[p * rs + (j + q) * cs];
            }
            for (long q = cols; q < NR; q++) row[q] = 0;
        }
    }
}

// A[rows × kc] (element (i, p) at a[i * rs + p * cs]) copied row-major (rows × kc, leading dimension kc).
TARGET static void pack_a(const float *a, long rs, long cs, long rows, long kc, float *packed) {
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

TARGET static int sgemm_avx2(const float *a, long ars, long acs, const float *b, long brs, long bcs, float *c,
                             long m, long k, long n) {
    long panels = (n + NR - 1) / NR;
    long depth = k < KC ? k : KC;
    float *packed = buffer(&buffer_b, &capacity_b, depth * panels * NR);
    float *packed_a = acs == 1 ? NULL : buffer(&buffer_a, &capacity_a, MC * depth);
    if (!packed || (acs != 1 && !packed_a)) return 0;
    for (long p0 = 0; p0 < k; p0 += KC) {
        long kc = k - p0 < KC ? k - p0 : KC;
        pack_b(b + p0 * brs, brs, bcs, kc, n, packed);
        for (long i0 = 0; i0 < m; i0 += MC) {
            long i1 = m - i0 < MC ? m : i0 + MC;
            const float *block = a + i0 * ars + p0 * acs;
            long lda = ars;
            if (acs != 1) {
                pack_a(block, ars, acs, i1 - i0, kc, packed_a);
                block = packed_a;
                lda = kc;
            }
            for (long j = 0; j < n; j += NR) {
                int cols = n - j < NR ? (int)(n - j) : NR;
                const float *panel = packed + (j / NR) * kc * NR;
                for (long i = i0; i < i1; i += MR) {
                    int rows = i1 - i < MR ? (int)(i1 - i) : MR;
                    const float *ai = block + (i - i0) * lda;
                    if (rows == MR && cols == NR) {
                        kernel_6x16(kc, ai, lda, panel, c + i * n + j, n);
                    } else {
                        kernel_edge(rows, cols, kc, ai, lda, panel, c + i * n + j, n);
                    }
                }
            }
        }
    }
    return 1;
}

int autodiff_sgemm_available(void) { return cpu_has_avx2_fma(); }

int autodiff_sgemm_accumulate(const float *a, const float *b, float *c, long m, long k, long n) {
    if (!cpu_has_avx2_fma()) return 0;
    return sgemm_avx2(a, k, 1, b, n, 1, c, m, k, n);
}

int autodiff_sgemm_accumulate_strided(const float *a, long ars, long acs, const float *b, long brs, long bcs,
                                      float *c, long m, long k, long n) {
    if (!cpu_has_avx2_fma()) return 0;
    return sgemm_avx2(a, ars, acs, b, brs, bcs, c, m, k, n);
}

#else

int autodiff_sgemm_available(void) { return 0; }
int autodiff_sgemm_accumulate(const float *a, const float *b, float *c, long m, long k, long n) {
    (void)a; (void)b; (void)c; (void)m; (void)k; (void)n;
    return 0;
}
int autodiff_sgemm_accumulate_strided(const float *a, long ars, long acs, const float *b, long brs, long bcs,
                                      float *c, long m, long k, long n) {
    (void)a; (void)ars; (void)acs; (void)b; (void)brs; (void)bcs; (void)c; (void)m; (void)k; (void)n;
    return 0;
}

#endif
