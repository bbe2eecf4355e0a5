// Adam's update for Float32 parameters: 16 elements at a time with AVX-512 when available, then 4 at a time
// with SSE (every x86-64 processor has it).

#include "CKernels.h"

// The same operations, in the same order, as the Swift loop (NN's Adam): no contraction into fused
// multiply-adds, so both give the same bits.
#pragma clang fp contract(off)

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <float.h>
#include <immintrin.h>
#include <stdlib.h>

__attribute__((target("avx512f")))
static long adam_avx512(float *theta, float *m, float *v, const float *g, long n, float b1, float b2, float eta,
                        float eps, float c1, float c2) {
    const __m512 vb1 = _mm512_set1_ps(b1), vb2 = _mm512_set1_ps(b2);
    const __m512 ob1 = _mm512_set1_ps(1 - b1), ob2 = _mm512_set1_ps(1 - b2);
    const __m512 veta = _mm512_set1_ps(eta), veps = _mm512_set1_ps(eps);
    const __m512 vc1 = _mm512_set1_ps(c1), vc2 = _mm512_set1_ps(c2);
    const __m512 tiny = _mm512_set1_ps(FLT_MIN), zero = _mm512_setzero_ps();
    long k = 0;
    for (; k + 16 <= n; k += 16) {
        __m512 gk = _mm512_loadu_ps(g + k);
        __m512 mk = _mm512_add_ps(_mm512_mul_ps(_mm512_loadu_ps(m + k), vb1), _mm512_mul_ps(gk, ob1));
        __m512 vk = _mm512_add_ps(_mm512_mul_ps(_mm512_loadu_ps(v + k), vb2), _mm512_mul_ps(_mm512_mul_ps(gk, gk), ob2));
        // Moments below the smallest normal float become 0 (NaN compares false and stays), as in the Swift loop.
        mk = _mm512_mask_mov_ps(mk, _mm512_cmp_ps_mask(_mm512_abs_ps(mk), tiny, _CMP_LT_OQ), zero);
        vk = _mm512_mask_mov_ps(vk, _mm512_cmp_ps_mask(_mm512_abs_ps(vk), tiny, _CMP_LT_OQ), zero);
        _mm512_storeu_ps(m + k, mk);
        _mm512_storeu_ps(v + k, vk);
        __m512 step = _mm512_div_ps(_mm512_mul_ps(veta, _mm512_div_ps(mk, vc1)),
                                    _mm512_add_ps(_mm512_sqrt_ps(_mm512_div_ps(vk, vc2)), veps));
        _mm512_storeu_ps(theta + k, _mm512_sub_ps(_mm512_loadu_ps(theta + k), step));
    }
    return k;
}

// Four elements at a time with SSE (the x86-64 baseline: no target attribute needed), from element k.
static long adam_sse(float *theta, float *m, float *v, const float *g, long k, long n, float b1, float b2, float eta,
                     float eps, float c1, float c2) {
    const __m128 vb1 = _mm_set1_ps(b1), vb2 = _mm_set1_ps(b2);
    const __m128 ob1 = _mm_set1_ps(1 - b1), ob2 = _mm_set1_ps(1 - b2);
    const __m128 veta = _mm_set1_ps(eta), veps = _mm_set1_ps(eps);
    const __m128 vc1 = _mm_set1_ps(c1), vc2 = _mm_set1_ps(c2);
    const __m128 tiny = _mm_set1_ps(FLT_MIN), sign = _mm_set1_ps(-0.0f);
    for (; k + 4 <= n; k += 4) {
        __m128 gk = _mm_loadu_ps(g + k);
        __m128 mk = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(m + k), vb1), _mm_mul_ps(gk, ob1));
        __m128 vk = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(v + k), vb2), _mm_mul_ps(_mm_mul_ps(gk, gk), ob2));
        // |x| < FLT_MIN becomes 0 (false for NaN, which stays).
        mk = _mm_andnot_ps(_mm_cmplt_ps(_mm_andnot_ps(sign, mk), tiny), mk);
        vk = _mm_andnot_ps(_mm_cmplt_ps(_mm_andnot_ps(sign, vk), tiny), vk);
        _mm_storeu_ps(m + k, mk);
        _mm_storeu_ps(v + k, vk);
        __m128 step = _mm_div_ps(_mm_mul_ps(veta, _mm_div_ps(mk, vc1)),
                                 _mm_add_ps(_mm_sqrt_ps(_mm_div_ps(vk, vc2)), veps));
        _mm_storeu_ps(theta + k, _mm_sub_ps(_mm_loadu_ps(theta + k), step));
    }
    return k;
}

long autodiff_adam_update(float *theta, float *m, float *v, const float *g, long n, float b1, float b2, float eta,
                          float eps, float c1, float c2) {
    long k = autodiff_avx512_enabled() ? adam_avx512(theta, m, v, g, n, b1, b2, eta, eps, c1, c2) : 0;
    return adam_sse(theta, m, v, g, k, n, b1, b2, eta, eps, c1, c2);
}

#else

long autodiff_adam_update(float *theta, float *m, float *v, const float *g, long n, float b1, float b2, float eta,
                          float eps, float c1, float c2) {
    (void)theta; (void)m; (void)v; (void)g; (void)n; (void)b1; (void)b2; (void)eta; (void)eps; (void)c1; (void)c2;
    return 0;
}

#endif
