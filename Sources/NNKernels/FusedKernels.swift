// The raw-buffer kernels of NN's fused operations (the LSTM, the cross-entropy terms): products with strided
// operands (so that no transpose is materialized per time step) and exponentials and gate nonlinearities over
// contiguous runs. For Float they run on the C vector kernels (`Sources/CKernels`); for other scalars (Double,
// in the gradient checks) on plain loops.

internal import CKernels
import TensorCore
import TensorLinearAlgebra

/// C[m×n] += A[m×k]·B[k×n] with strided operands: element (i, p) of A at `a[i·ars + p·acs]`, (p, j) of B at
/// `b[p·brs + j·bcs]`; C row-major with leading dimension n. Each element accumulates over p in increasing order.
///
/// - Complexity: O(m·k·n).
@inline(__always)
package func stridedGemm<S: TensorScalar>(_ a: UnsafePointer<S>, _ ars: Int, _ acs: Int, _ b: UnsafePointer<S>, _ brs: Int,
                                  _ bcs: Int, _ c: UnsafeMutablePointer<S>, m: Int, k: Int, n: Int) {
    if m == 0 || n == 0 || k == 0 { return }
    if S.self == Float.self, VectorKernels.isEnabled,
       autodiff_sgemm_accumulate_strided(floats(a), ars, acs, floats(b), brs, bcs, floats(c), m, k, n) != 0 {
        return
    }
    for i in 0..<m {
        for p in 0..<k {
            let x = a[i * ars + p * acs]
            for j in 0..<n { c[i * n + j] += x * b[p * brs + j * bcs] }
        }
    }
}

/// σ of `count` values from `x` into `y` (which may be `x`): the vector kernel for Float (a few ulps), AutoDiff's
/// overflow-free formula (``logistic(_:)``) otherwise.
@inline(__always)
package func sigmoidKernel<S: TensorScalar>(_ x: UnsafePointer<S>, into y: UnsafeMutablePointer<S>, count: Int) {
    if S.self == Float.self { return autodiff_sigmoid(floats(x), floats(y), count) }
    for k in 0..<count { y[k] = logistic(x[k]) }
}

/// tanh of `count` values from `x` into `y` (which may be `x`): the vector kernel for Float (a few ulps, the
/// formulas of ``cellTanh(_:)``), the library's `tanh` otherwise.
@inline(__always)
package func tanhKernel<S: TensorScalar>(_ x: UnsafePointer<S>, into y: UnsafeMutablePointer<S>, count: Int) {
    if S.self == Float.self { return autodiff_tanh(floats(x), floats(y), count) }
    for k in 0..<count { y[k] = cellTanh(x[k]) }
}

/// eˣ of `count` values from `x` into `y` (which may be `x`): the vector kernel for Float (within 2 ulps), the
/// library's `exp` otherwise.
@_specialize(exported: true, where S == Float)
@usableFromInline
package func expKernel<S: TensorScalar>(_ x: UnsafePointer<S>, into y: UnsafeMutablePointer<S>, count: Int) {
    if S.self == Float.self { return autodiff_exp(floats(x), floats(y), count) }
    for k in 0..<count { y[k] = S.exp(x[k]) }
}

/// The activation kernels' baseline path (0: exp, 1: sigmoid, 2: tanh), whatever the processor: for tests
/// that compare its bits with the AVX-512 path's.
package func portableActivation(_ function: Int, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
    autodiff_activation_portable(Int32(function), x, y, count)
}

@inline(__always)
private func floats<S>(_ p: UnsafePointer<S>) -> UnsafePointer<Float> {
    UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
}

@inline(__always)
private func floats<S>(_ p: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
}

/// Fresh memory for `count` values that the caller writes before reading, owned by the caller (`deallocate()`
/// it).
@inline(__always)
package func uninitializedBuffer<S: TensorScalar>(_ count: Int) -> UnsafeMutablePointer<S> {
    UnsafeMutablePointer<S>.allocate(capacity: max(count, 1))
}

/// `dst[c·dstStride + r] = src[r·srcStride + c]` for `rows` × `columns` values: a transposing copy between
/// strided matrices, in 8 × 8 tiles so that both sides stay in the cache.
@inline(__always)
package func transposeCopy<S: TensorScalar>(_ src: UnsafePointer<S>, rows: Int, columns: Int, srcStride: Int,
                                    into dst: UnsafeMutablePointer<S>, dstStride: Int) {
    for r0 in stride(from: 0, to: rows, by: 8) {
        for c0 in stride(from: 0, to: columns, by: 8) {
            for r in r0..<min(r0 + 8, rows) {
                for c in c0..<min(c0 + 8, columns) { dst[c &* dstStride &+ r] = src[r &* srcStride &+ c] }
            }
        }
    }
}

/// `count` zeros in fresh memory, owned by the caller (`deallocate()` it). Zeroed as bytes (all-zero bits are 0
/// for Float and Double), so that unspecialized callers (a trace's `init`, called from NN) do not zero element
/// by element through the type's value witnesses.
@inline(__always)
package func zeroedBuffer<S: TensorScalar>(_ count: Int) -> UnsafeMutablePointer<S> {
    let bytes = max(count, 1) * MemoryLayout<S>.stride
    let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: MemoryLayout<S>.alignment)
    raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
    return raw.bindMemory(to: S.self, capacity: max(count, 1))
}

/// σ(x) = 1 / (1 + e⁻ˣ), computed without overflow (AutoDiff's formula: 1 / (1 + e⁻ˣ) for x ≥ 0, eˣ / (1 + eˣ)
/// below), with the choice made by selecting the numerator rather than by a branch (gate inputs change sign
/// unpredictably).
@inlinable
package func logistic<S: TensorScalar>(_ x: S) -> S {
    let e = S.exp(-Swift.abs(x))
    return (x >= 0 ? 1 : e) / (1 + e)
}

/// tanh x for the cell. For `Float`, from one `exp`: glibc's `tanhf` (through `expm1f`) took a third of an
/// epoch of the names workload. Below |x| = 1/8 an odd Taylor polynomial (truncation error < 1e-11 relative),
/// above it (1 − e^−2|x|) / (1 + e^−2|x|) (a few ulps), both computed and one selected (no branch);
/// `Double` keeps the library's `tanh`.
@inlinable
package func cellTanh<S: TensorScalar>(_ x: S) -> S {
    guard S.self == Float.self else { return S.tanh(x) }
    let a = Swift.abs(x)
    let x2 = x * x
    let c9: S = 62 / 2835, c7: S = -17 / 315, c5: S = 2 / 15, c3: S = -1 / 3
    let p: S = c3 + x2 * (c5 + x2 * (c7 + x2 * c9))
    let small = x + x * x2 * p
    let e = S.exp(-2 * a)
    let t = (1 - e) / (1 + e)
    let large = x < 0 ? -t : t
    return a < 0.125 ? small : large
}
