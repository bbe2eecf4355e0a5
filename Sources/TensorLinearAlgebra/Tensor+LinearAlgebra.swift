// Matrix multiplication: 2-D, batched with broadcast batch axes, and NumPy's rank-1 rules.

import TensorCore

/// C[m×n] += A[m×k] · B[k×n] on raw row-major buffers: the system BLAS or the vector kernel when one runs
/// (``fastGemmAccumulate(_:transposeA:_:transposeB:_:m:k:n:)``), else the portable loops.
@inlinable
package func gemmAccumulate<S: TensorScalar>(_ a: UnsafePointer<S>, _ b: UnsafePointer<S>, _ c: UnsafeMutablePointer<S>,
                                     m: Int, k: Int, n: Int) {
    if fastGemmAccumulate(a, transposeA: false, b, transposeB: false, c, m: m, k: k, n: n) { return }
    portableGemmAccumulate(a, b, c, m: m, k: k, n: n)
}

/// Whether ``fastGemmAccumulate(_:transposeA:_:transposeB:_:m:k:n:)`` runs for `S` now.
@inlinable
package func hasFastGemm<S: TensorScalar>(_ type: S.Type) -> Bool {
    SystemBLAS.isActive || (S.self == Float.self && VectorKernels.enabled)
}

/// C[m×n] += op(A) · op(B), where op transposes when asked (A stored [k, m] when `transposeA`, B stored [n, k]
/// when `transposeB`): on the system BLAS when one was loaded (``SystemBLAS``), except for the small Float
/// products that stay on the built-in kernel (``gemmStaysBuiltIn(transposeA:transposeB:m:k:n:)``), else on the
/// vector kernel for Float when the processor has one (``VectorKernels``). False, doing nothing, when neither runs.
///
/// The vector kernel splits a large product over `threads` threads (bit-identical for any count); a system BLAS
/// runs on its own threads (``Parallelism/threadCount`` of them).
@inlinable
package func fastGemmAccumulate<S: TensorScalar>(_ a: UnsafePointer<S>, transposeA: Bool, _ b: UnsafePointer<S>,
                                         transposeB: Bool, _ c: UnsafeMutablePointer<S>, m: Int, k: Int, n: Int,
                                         threads: Int = 1) -> Bool {
    let builtIn = S.self == Float.self && gemmStaysBuiltIn(transposeA: transposeA, transposeB: transposeB, m: m, k: k, n: n)
    if !builtIn, blasGemmAccumulate(a, transposeA: transposeA, b, transposeB: transposeB, c, m: m, k: k, n: n) { return true }
    guard S.self == Float.self else { return false }
    return vectorGemmAccumulate(floatPointer(a), transposeA: transposeA, floatPointer(b), transposeB: transposeB,
                                UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), m: m, k: k, n: n,
                                threads: threads)
}

/// C[m×n] = op(A) · op(B) written into `c`, which need not be initialized, on the path
/// ``fastGemmAccumulate(_:transposeA:_:transposeB:_:m:k:n:threads:)`` takes, with the same bits as zeroing C and
/// accumulating. The system BLAS (β = 0) and the small-product kernel (each element started from zero in a
/// register) skip the pass that zeroes C; the vector kernel's other products zero C first. False, leaving `c`
/// uninitialized, when no fast path runs.
@inlinable
package func fastGemmOverwrite<S: TensorScalar>(_ a: UnsafePointer<S>, transposeA: Bool, _ b: UnsafePointer<S>,
                                                transposeB: Bool, _ c: UnsafeMutablePointer<S>, m: Int, k: Int, n: Int,
                                                threads: Int = 1) -> Bool {
    let builtIn = S.self == Float.self && gemmStaysBuiltIn(transposeA: transposeA, transposeB: transposeB, m: m, k: k, n: n)
    if !builtIn, blasGemmOverwrite(a, transposeA: transposeA, b, transposeB: transposeB, c, m: m, k: k, n: n) { return true }
    guard S.self == Float.self, VectorKernels.enabled else { return false }
    // A product that stays on one thread and has a small B: written without zeroing first (same bits).
    if vectorGemmOverwrite(floatPointer(a), transposeA: transposeA, floatPointer(b), transposeB: transposeB,
                           UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), m: m, k: k, n: n, threads: threads) {
        return true
    }
    c.initialize(repeating: 0, count: m * n)
    if vectorGemmAccumulate(floatPointer(a), transposeA: transposeA, floatPointer(b), transposeB: transposeB,
                            UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), m: m, k: k, n: n,
                            threads: threads) {
        return true
    }
    c.deinitialize(count: m * n)
    return false
}

/// C[m×n] += A[m×k] · B[k×n] in portable Swift.
///
/// Four rows of C are computed together, so that each row of B loaded from memory is used four times; the
/// inner loop runs along a row (contiguous, vectorized). Every element accumulates over p in increasing order,
/// whatever the tiling, so results do not depend on it.
@inlinable
package func portableGemmAccumulate<S: TensorScalar>(_ a: UnsafePointer<S>, _ b: UnsafePointer<S>, _ c: UnsafeMutablePointer<S>,
                                             m: Int, k: Int, n: Int) {
    var i = 0
    while i + 4 <= m {
        let c0 = c + i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n
        let a0 = a + i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k
        for p in 0..<k {
            let x0 = a0[p], x1 = a1[p], x2 = a2[p], x3 = a3[p]
            let bp = b + p * n
            for j in 0..<n {
                let bj = bp[j]
                c0[j] += x0 * bj
                c1[j] += x1 * bj
                c2[j] += x2 * bj
                c3[j] += x3 * bj
            }
        }
        i += 4
    }
    while i < m {
        let ci = c + i * n
        for p in 0..<k {
            let aip = a[i * k + p]
            let bp = b + p * n
            for j in 0..<n { ci[j] += aip * bp[j] }
        }
        i += 1
    }
}

/// C[m×n] += A[m×k] · B[k×n] over ``Parallelism/threadCount`` threads when the product is large: the vector
/// kernel and a system BLAS split it themselves (``fastGemmAccumulate(_:transposeA:_:transposeB:_:m:k:n:threads:)``);
/// the portable loops are split by rows. Each element is still computed by one thread, in the same order:
/// results do not depend on the split.
@inlinable
package func gemmAccumulateParallel<S: TensorScalar>(_ a: UnsafePointer<S>, _ b: UnsafePointer<S>, _ c: UnsafeMutablePointer<S>,
                                             m: Int, k: Int, n: Int) {
    let threads = Parallelism.threadCount
    if fastGemmAccumulate(a, transposeA: false, b, transposeB: false, c, m: m, k: k, n: n, threads: threads) { return }
    guard threads > 1, m >= 8, m * n * k > 1 << 18 else {
        portableGemmAccumulate(a, b, c, m: m, k: k, n: n)
        return
    }
    let chunks = min(threads, m / 4)
    let rowsPerChunk = (m / chunks + 3) / 4 * 4
    let aa = UnsafeRawPointer(a), cc = UnsafeMutableRawPointer(c)
    Parallelism.forEach(chunks: chunks) { t in
        let start = t * rowsPerChunk, end = min(m, start + rowsPerChunk)
        guard start < end else { return }
        portableGemmAccumulate(aa.assumingMemoryBound(to: S.self) + start * k, b,
                       cc.assumingMemoryBound(to: S.self) + start * n, m: end - start, k: k, n: n)
    }
}

/// op(A) · op(B) for rank-2 tensors, where op transposes when asked, without materializing the transposes
/// when the vector kernel is active (the matmul pullback's g·Bᵀ and Aᵀ·g), on ``Parallelism/threadCount``
/// threads when large.
@_specialize(exported: true, where S == Float)
@inlinable
package func matmul2D<S: TensorScalar>(_ a: Tensor<S>, transposeA: Bool, _ b: Tensor<S>, transposeB: Bool) -> Tensor<S> {
    let m = transposeA ? a.shape[1] : a.shape[0], k = transposeA ? a.shape[0] : a.shape[1]
    let n = transposeB ? b.shape[0] : b.shape[1]
    if hasFastGemm(S.self), m * n > 0, k > 0, (transposeB ? b.shape[1] : b.shape[0]) == k {
        var ran = true
        let product = a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                Tensor<S>(shape: [m, n], unsafeUninitialized: { dst in
                    ran = fastGemmOverwrite(pa.baseAddress!, transposeA: transposeA, pb.baseAddress!, transposeB: transposeB,
                                            dst.baseAddress!, m: m, k: k, n: n, threads: Parallelism.threadCount)
                    if !ran { dst.initialize(repeating: 0) }   // the BLAS was switched off meanwhile: computed below
                })
            }
        }
        if ran { return product }
    }
    return batchedMatmul(transposeA ? a.transposed() : a, transposeB ? b.transposed() : b, site: .operator,
                         shapes: (a.shape, b.shape))
}

/// `p` as a pointer to Float (for S == Float).
@inlinable
func floatPointer<S>(_ p: UnsafePointer<S>) -> UnsafePointer<Float> {
    UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
}

/// The matrix product of two tensors.
///
/// - rank 2 × rank 2: `[m, k] · [k, n] → [m, n]`;
/// - rank ≥ 3: batched over the leading axes, which broadcast;
/// - a rank-1 operand is a row vector on the left, a column vector on the right, and its added axis is
///   removed from the result (NumPy's `matmul`).
@_specialize(exported: true, where S == Float)
@inlinable
public func matmul<S: TensorScalar>(_ a: Tensor<S>, _ b: Tensor<S>,
                                    file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
    let site = CallSite(file: file, line: line)
    let shape = stopOnShapeError(at: site) { () throws(ShapeError) in try ShapeCheck.matmul(a.shape, b.shape) }
    let a2 = a.rank == 1 ? a.reshaped(to: [1, a.shape[0]]) : a
    let b2 = b.rank == 1 ? b.reshaped(to: [b.shape[0], 1]) : b
    let out = batchedMatmul(a2, b2, site: site, shapes: (a.shape, b.shape))
    // A rank-1 operand's added axis is removed (the shape the check computed).
    return a.rank == 1 || b.rank == 1 ? out.reshaped(to: shape) : out
}

/// Rank ≥ 2 × rank ≥ 2 matrix product with broadcast batch axes.
@_specialize(exported: true, where S == Float)
@inlinable
package func batchedMatmul<S: TensorScalar>(_ a: Tensor<S>, _ b: Tensor<S>, site: CallSite,
                                    shapes: ([Int], [Int])) -> Tensor<S> {
    let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1]
    let k2 = b.shape[b.rank - 2], n = b.shape[b.rank - 1]
    let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
    guard k == k2, let batch = ShapeMath.broadcast(batchA, batchB) else {
        // The message names the shapes the caller passed; the operands' own shapes (after a transpose) otherwise.
        stopOnShapeError(at: site) { () throws(ShapeError) in
            _ = try ShapeCheck.matmul(shapes.0, shapes.1)
            _ = try ShapeCheck.matmul(a.shape, b.shape)
        }
        preconditionFailure("matmul: shapes \(a.shape) and \(b.shape) passed the check but do not fit")
    }
    let count = ShapeMath.count(batch)
    if count * m * n == 0 || k == 0 { return Tensor(repeating: 0, shape: batch + [m, n]) }
    let sa = ShapeMath.broadcastStrides(batchA, to: batch), sb = ShapeMath.broadcastStrides(batchB, to: batch)
    var offsetsA = [Int](), offsetsB = [Int]()
    offsetsA.reserveCapacity(count)
    offsetsB.reserveCapacity(count)
    stridedWalk(shape: batch, sa, sb) { _, oa, ob in offsetsA.append(oa * m * k); offsetsB.append(ob * k * n) }
    return a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            Tensor(shape: batch + [m, n], unsafeUninitialized: { dst in
                let threads = Parallelism.threadCount
                for t in 0..<count {
                    let a = pa.baseAddress! + offsetsA[t], b = pb.baseAddress! + offsetsB[t], c = dst.baseAddress! + t * m * n
                    // Written in place by a fast path (the same bits as zeroing and accumulating), else accumulated.
                    if fastGemmOverwrite(a, transposeA: false, b, transposeB: false, c, m: m, k: k, n: n, threads: threads) {
                        continue
                    }
                    c.initialize(repeating: 0, count: m * n)
                    gemmAccumulateParallel(a, b, c, m: m, k: k, n: n)
                }
            })
        }
    }
}
