// The exponential, the logistic sigmoid and tanh of Float32 buffers, 16 elements at a time: the gate
// nonlinearities of the recurrent layers, where a call to the C library's expf per element took a fifth of an
// LSTM's training step.
//
// One body, written with the compiler's generic vectors of 16 floats, is compiled twice: for AVX-512 (one
// register per vector) when the processor has it, and for the build's baseline (four SSE registers on x86-64,
// NEON or scalar code elsewhere). Only IEEE operations (+, −, ×, ÷, comparisons, bit operations), no
// contraction into fused multiply-adds: both give the same bits, and so does a partial last vector (padded).

#include "CKernels.h"
#include <string.h>

#pragma clang fp contract(off)

typedef float vfloat __attribute__((vector_size(64)));
typedef int vint __attribute__((vector_size(64)));
#define LANES 16
#define INLINE static inline __attribute__((always_inline))

// Helpers are macros, and the functions below take and return vectors through pointers: passing a 64-byte
// vector by value would need AVX-512's calling convention in the baseline code.
#define SPLAT(c) ((vfloat){0} + (c))
// `a` where `mask` is set (all ones), else `b`.
#define CHOOSE(mask, a, b) ((vfloat)(((mask) & (vint)(a)) | (~(mask) & (vint)(b))))

// eˣ: x = n·ln 2 + r with n = round(x·log₂e) and |r| ≤ ~ln 2 / 2 (Cody and Waite's two-part ln 2, whose
// leading part times n is exact), e^r from its Taylor polynomial of degree 7 (truncation < 2e-9 relative), and
// 2ⁿ as two factors 2^⌊n/2⌋ · 2^(n − ⌊n/2⌋), each a normal float for x in [−104, 89] (the argument is clamped
// there: below, eˣ rounds to 0; above, the product overflows to +∞), so that results in the subnormal range
// are rounded once. NaN stays NaN. Within 2 ulps of the exact value where the result is normal.
INLINE void vexp(const vfloat *in, vfloat *out) {
    vfloat x = *in;
    x = CHOOSE(x < -104.0f, SPLAT(-104.0f), x);
    x = CHOOSE(x > 89.0f, SPLAT(89.0f), x);
    const vfloat magic = SPLAT(12582912.0f);              // 1.5·2²³: adding it rounds to an integer
    vfloat t = x * 1.44269504f + magic;
    vfloat n = t - magic;
    vint k = (vint)t - (vint)magic;                        // n as an integer
    vfloat r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    vfloat p = r * (1.0f / 5040.0f) + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    vint half = k >> 1;
    vfloat low = (vfloat)((half + 127) << 23), high = (vfloat)((k - half + 127) << 23);
    *out = p * low * high;
}

// σ(x) = 1 / (1 + e⁻ˣ) for x ≥ 0, eˣ / (1 + eˣ) below: from e^−|x|, without overflow.
INLINE void vsigmoid(const vfloat *in, vfloat *out) {
    vfloat x = *in, e = -(vfloat)((vint)x & 0x7fffffff);
    vexp(&e, &e);
    *out = CHOOSE(x >= 0.0f, SPLAT(1.0f), e) / (1.0f + e);
}

// tanh x: below |x| = 1/8 its odd Taylor polynomial to x⁹ (truncation < 1e-11 relative), above it
// (1 − e^−2|x|) / (1 + e^−2|x|) with the sign of x. The same formulas, in the same order, as NN's `cellTanh`.
INLINE void vtanh(const vfloat *in, vfloat *out) {
    vfloat x = *in;
    vint sign = (vint)x & (int)0x80000000;
    vfloat a = (vfloat)((vint)x ^ sign);
    vfloat x2 = x * x;
    vfloat p = -1.0f / 3.0f + x2 * (2.0f / 15.0f + x2 * (-17.0f / 315.0f + x2 * (62.0f / 2835.0f)));
    vfloat small = x + x * x2 * p;
    vfloat e = -2.0f * a;
    vexp(&e, &e);
    vfloat large = (vfloat)((vint)((1.0f - e) / (1.0f + e)) | sign);
    *out = CHOOSE(a < 0.125f, small, large);
}

// y = f(x) over n elements (y may be x), whole vectors then the rest padded with zeros.
#define DEFINE_LOOP(name, f, attributes)                                                                \
    attributes static void name(const float *x, float *y, long n) {                                     \
        long i = 0;                                                                                     \
        for (; i + LANES <= n; i += LANES) {                                                            \
            vfloat v;                                                                                   \
            memcpy(&v, x + i, sizeof v);                                                                \
            f(&v, &v);                                                                                  \
            memcpy(y + i, &v, sizeof v);                                                                \
        }                                                                                               \
        if (i < n) {                                                                                    \
            vfloat v = SPLAT(0.0f);                                                                     \
            memcpy(&v, x + i, (size_t)(n - i) * sizeof(float));                                        \
            f(&v, &v);                                                                                  \
            memcpy(y + i, &v, (size_t)(n - i) * sizeof(float));                                         \
        }                                                                                               \
    }

DEFINE_LOOP(exp_portable, vexp, )
DEFINE_LOOP(sigmoid_portable, vsigmoid, )
DEFINE_LOOP(tanh_portable, vtanh, )

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define TARGET512 __attribute__((target("avx512f")))
DEFINE_LOOP(exp_avx512, vexp, TARGET512)
DEFINE_LOOP(sigmoid_avx512, vsigmoid, TARGET512)
DEFINE_LOOP(tanh_avx512, vtanh, TARGET512)

#define DISPATCH(name, x, y, n) (autodiff_avx512_enabled() ? name##_avx512(x, y, n) : name##_portable(x, y, n))
#else
#define DISPATCH(name, x, y, n) name##_portable(x, y, n)
#endif

void autodiff_exp(const float *x, float *y, long n) { DISPATCH(exp, x, y, n); }
void autodiff_sigmoid(const float *x, float *y, long n) { DISPATCH(sigmoid, x, y, n); }
void autodiff_tanh(const float *x, float *y, long n) { DISPATCH(tanh, x, y, n); }

void autodiff_activation_portable(int function, const float *x, float *y, long n) {
    switch (function) {
    case 0: exp_portable(x, y, n); break;
    case 1: sigmoid_portable(x, y, n); break;
    default: tanh_portable(x, y, n); break;
    }
}
