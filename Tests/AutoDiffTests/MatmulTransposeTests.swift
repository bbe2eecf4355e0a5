import Testing
import AutoDiff

/// The Float32 products with a transposed operand (x·Wᵀ forward, gᵀ·x for a weight's gradient), whose operands
/// the C kernels pack with 8×8 register transposes: every shape around the block size, against a naive loop.
@Suite("Matrix products with transposed operands")
struct MatmulTransposeTests {
    static let shapes: [(Int, Int, Int)] = [(1, 1, 1), (7, 9, 5), (8, 8, 8), (9, 17, 15), (33, 64, 10), (32, 69, 128),
                                            (13, 200, 37)]

    @Test("matmul2D with each transposition equals a naive loop", arguments: shapes)
    func transposed(_ shape: (Int, Int, Int)) {
        let (m, k, n) = shape
        var rng = SeededGenerator(seed: UInt64(m * 10_000 + k * 100 + n))
        let a = Tensor<Float>.randomNormal(shape: [m, k], using: &rng)
        let b = Tensor<Float>.randomNormal(shape: [k, n], using: &rng)
        var expected = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                for p in 0..<k { expected[i * n + j] += Double(a.scalars[i * k + p]) * Double(b.scalars[p * n + j]) }
            }
        }
        let aT = a.transposed(), bT = b.transposed()
        let products = [matmul2D(a, transposeA: false, b, transposeB: false),
                        matmul2D(aT, transposeA: true, b, transposeB: false),
                        matmul2D(a, transposeA: false, bT, transposeB: true),
                        matmul2D(aT, transposeA: true, bT, transposeB: true)]
        for product in products {
            #expect(product.shape == [m, n])
            let worst = zip(product.scalars, expected).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
            #expect(worst < 1e-4, "m \(m), k \(k), n \(n): relative error \(worst)")
        }
    }

    /// Around the kernel's blocks (depth 256, 96-row blocks, 12 × 32 tiles) and large enough to be split: by
    /// columns (whole panels of 32), by rows (tiles of 12), with a strided (transposed) A packed by every thread.
    static let splitShapes: [(Int, Int, Int)] = [(97, 257, 65), (130, 300, 200), (300, 129, 40), (25, 513, 97),
                                                 (128, 255, 33), (200, 100, 160), (60, 140, 300)]

    @Test("the vector kernel gives the same bits on 1, 2 and 3 threads with each transposition", arguments: splitShapes)
    func threadSplits(_ shape: (Int, Int, Int)) {
        guard VectorKernels.isAvailable else { return }   // the portable loops are single-threaded per call
        let (m, k, n) = shape
        var rng = SeededGenerator(seed: UInt64(m * 10_000 + k * 100 + n))
        let a = Tensor<Float>.randomNormal(shape: [m, k], using: &rng)
        let b = Tensor<Float>.randomNormal(shape: [k, n], using: &rng)
        let aT = a.transposed(), bT = b.transposed()
        for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
            let left = transposeA ? aT : a, right = transposeB ? bT : b
            func product(threads: Int) -> [Float] {
                var c = [Float](repeating: 0.5, count: m * n)   // accumulates into what C holds
                left.withUnsafeBufferPointer { pa in
                    right.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            #expect(vectorGemmAccumulate(pa.baseAddress!, transposeA: transposeA, pb.baseAddress!,
                                                         transposeB: transposeB, pc.baseAddress!, m: m, k: k, n: n,
                                                         threads: threads))
                        }
                    }
                }
                return c
            }
            let one = product(threads: 1)
            #expect(one == product(threads: 2), "m \(m), k \(k), n \(n), transposes \(transposeA) \(transposeB)")
            #expect(one == product(threads: 3), "m \(m), k \(k), n \(n), transposes \(transposeA) \(transposeB)")
            // and the values: A·B + 0.5
            let reference = matmul(a, b).scalars
            var worst = 0.0
            for (x, y) in zip(one, reference) {
                let exact = Double(y) + 0.5
                worst = max(worst, abs(Double(x) - exact) / max(1, abs(exact)))
            }
            #expect(worst < 1e-4, "m \(m), k \(k), n \(n): relative error \(worst)")
        }
    }
}
