// The gradient of a full maximum: d[i] = g where x[i] equals the maximum y, else g · 0, and the number of such
// elements. Selecting between two values is exact, so the AVX2 path gives the bits of the Swift loop it stands in
// for; it exists for its 32-byte stores (160,000 Doubles: 0.028 ms against 0.034 ms with the baseline's 16).

#include "CKernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

static int cpu_has_avx2(void) {
    static int cached = -1;
    if (cached < 0) cached = __builtin_cpu_supports("avx2");
    return cached;
}

__attribute__((target("avx2"))) static long max_pullback_f64(const double *x, double *d, long n, double y, double g) {
    const double zero = g * 0;
    const __m256d vy = _mm256_set1_pd(y), vg = _mm256_set1_pd(g), vz = _mm256_set1_pd(zero);
    __m256i counts = _mm256_setzero_si256();   // minus the number of hits per lane (a hit's mask is -1)
    long i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256d hit = _mm256_cmp_pd(_mm256_loadu_pd(x + i), vy, _CMP_EQ_OQ);
        _mm256_storeu_pd(d + i, _mm256_blendv_pd(vz, vg, hit));
        counts = _mm256_add_epi64(counts, _mm256_castpd_si256(hit));
    }
    long lanes[4];
    _mm256_storeu_si256((__m256i *)lanes, counts);
    long hits = -(lanes[0] + lanes[1] + lanes[2] + lanes[3]);
    for (; i < n; i++) {
        int hit = x[i] == y;
        hits += hit;
        d[i] = hit ? g : zero;
    }
    return hits;
}

__attribute__((target("avx2"))) static long max_pullback_f32(const float *x, float *d, long n, float y, float g) {
    const float zero = g * 0;
    const __m256 vy = _mm256_set1_ps(y), vg = _mm256_set1_ps(g), vz = _mm256_set1_ps(zero);
    long hits = 0;
    long i = 0;
    while (i + 8 <= n) {
        // 32-bit lane counts, emptied every 2^20 vectors so that they cannot overflow.
        __m256i counts = _mm256_setzero_si256();
        long end = n - (n - i) % 8;
        if (end - i > (8L << 20)) end = i + (8L << 20);
        for (; i < end; i += 8) {
            __m256 hit = _mm256_cmp_ps(_mm256_loadu_ps(x + i), vy, _CMP_EQ_OQ);
            _mm256_storeu_ps(d + i, _mm256_blendv_ps(vz, vg, hit));
            counts = _mm256_add_epi32(counts, _mm256_castps_si256(hit));
        }
        int lanes[8];
        _mm256_storeu_si256((__m256i *)lanes, counts);
        for (int k = 0; k < 8; k++) hits -= lanes[k];
    }
    for (; i < n; i++) {
        int hit = x[i] == y;
        hits += hit;
        d[i] = hit ? g : zero;
    }
    return hits;
}

long autodiff_max_pullback_f64(const double *x, double *d, long n, double y, double g) {
    return cpu_has_avx2() ? max_pullback_f64(x, d, n, y, g) : -1;
}

long autodiff_max_pullback_f32(const float *x, float *d, long n, float y, float g) {
    return cpu_has_avx2() ? max_pullback_f32(x, d, n, y, g) : -1;
}

#else

long autodiff_max_pullback_f64(const double *x, double *d, long n, double y, double g) { return -1; }
long autodiff_max_pullback_f32(const float *x, float *d, long n, float y, float g) { return -1; }

#endif
