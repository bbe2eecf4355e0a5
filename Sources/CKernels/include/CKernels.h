#ifndef AUTODIFF_CKERNELS_H
#define AUTODIFF_CKERNELS_H

/// Vectorized kernels for the instruction sets the build's default target lacks (AVX2 with FMA, AVX-512), chosen
/// at run time by what the processor supports. No compiler flags are needed: each kernel carries its own target
/// attribute. Every instruction set gives each element the same sequence of operations, hence the same bits.
/// `AUTODIFF_NO_AVX512=1` in the environment keeps to AVX2 (matrix multiplication) and SSE (Adam).

/// Whether `autodiff_sgemm_accumulate_strided` has a vector kernel on this processor (1) or not (0).
int autodiff_sgemm_available(void);

/// Whether the AVX-512 kernels run (1) or not (0): the processor has AVX-512F and `AUTODIFF_NO_AVX512` is unset.
int autodiff_avx512_enabled(void);

/// C[m×n] += A[m×k] · B[k×n] with strided operands: element (i, p) of A at a[i * ars + p * acs], (p, j) of B at
/// b[p * brs + j * bcs] (so Aᵀ or Bᵀ need no copy by the caller); C is row-major with leading dimension n.
/// Each element of C accumulates over p in increasing order (with fused multiply-adds), whatever the tiling,
/// so any split of the rows of C between threads gives bit-identical results. Returns 0, doing nothing, when
/// no vector kernel is available.
int autodiff_sgemm_accumulate_strided(const float *a, long ars, long acs, const float *b, long brs, long bcs,
                                      float *c, long m, long k, long n);

/// The same for a block of a wider C, whose leading dimension is `ldc` (≥ n): the threads of a parallel product
/// each take a block of C's rows or columns (with `a`, `b` and `c` offset to it) and pack only the part of A or B
/// that block reads. Each element gets the same operations as in the whole product, whatever the blocks.
int autodiff_sgemm_accumulate_block(const float *a, long ars, long acs, const float *b, long brs, long bcs,
                                    float *c, long ldc, long m, long k, long n);

/// The largest B (k·n elements) and the most rows of C that `autodiff_sgemm_small` takes.
#define AUTODIFF_SGEMM_SMALL_B 16384
#define AUTODIFF_SGEMM_SMALL_M 512

/// C[m×n] += A[m×k] · B[k×n] as `autodiff_sgemm_accumulate_block` (same strides, C's leading dimension `ldc`,
/// same bits: each element of C accumulates over p in increasing order with fused multiply-adds) for a small B
/// (k·n ≤ AUTODIFF_SGEMM_SMALL_B, m ≤ AUTODIFF_SGEMM_SMALL_M), with AVX-512: B's rows are read in place, or a
/// transposed B (brs == 1) is transposed 32 columns at a time; A is never packed. Returns 0, doing nothing, for
/// other operands or processors; `autodiff_sgemm_accumulate_block` tries it first.
int autodiff_sgemm_small(const float *a, long ars, long acs, const float *b, long brs, long bcs, float *c, long ldc,
                         long m, long k, long n);

/// Whether `autodiff_sgemm_small` takes a product of these strides and sizes on this processor (1) or not (0).
int autodiff_sgemm_small_takes(long brs, long bcs, long m, long k, long n);

/// C[m×n] = A[m×k] · B[k×n] (C row-major, leading dimension n) for the operands `autodiff_sgemm_small` takes,
/// writing C without reading it: the same bits as zeroing C and accumulating. Returns 0, doing nothing, for
/// other operands or processors.
int autodiff_sgemm_small_overwrite(const float *a, long ars, long acs, const float *b, long brs, long bcs, float *c,
                                   long m, long k, long n);

/// Adam's update of n Float32 parameters in place (θ, first and second moments, gradient), the same operations
/// in the same order as NN's Swift loop (same bits): m = m·β₁ + g·(1−β₁), v = v·β₂ + g·g·(1−β₂),
/// θ = θ − η·(m/c₁)/(√(v/c₂) + ε), moments below FLT_MIN in magnitude set to 0. On x86-64: 16 elements at a
/// time with AVX-512 where available, then 4 at a time with SSE. Returns how many leading elements it updated (a
/// multiple of 4; 0 on other processors): the caller does the rest.
long autodiff_adam_update(float *theta, float *m, float *v, const float *g, long n, float b1, float b2, float eta,
                          float eps, float c1, float c2);

/// eˣ, the logistic sigmoid 1/(1 + e⁻ˣ) and tanh x of n Float32 values (`y` may be `x`), 16 at a time with
/// AVX-512 where available, else with the build's baseline vectors: the same operations for every element on
/// every path (hence the same bits). Within a few ulps of the exact values; NaN stays NaN, eˣ overflows to +∞
/// above ~88.72 and rounds through the subnormals to 0 below ~−103.97.
void autodiff_exp(const float *x, float *y, long n);
void autodiff_sigmoid(const float *x, float *y, long n);
void autodiff_tanh(const float *x, float *y, long n);

/// The same three functions (0: exp, 1: sigmoid, 2: tanh) on the baseline path only, for tests that compare
/// the paths' bits.
void autodiff_activation_portable(int function, const float *x, float *y, long n);

/// The gradient `g` of a full maximum `y` of n values, without ties shared: d[i] = g where x[i] == y, else g · 0
/// (exactly the values the Swift loop writes); returns how many x[i] equal y, or −1 (writing nothing) on a
/// processor without AVX2, where the caller runs its own loop.
long autodiff_max_pullback_f64(const double *x, double *d, long n, double y, double g);
long autodiff_max_pullback_f32(const float *x, float *d, long n, float y, float g);

#endif
