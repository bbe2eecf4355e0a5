import Testing
@testable import TensorCore
@testable import TensorLinearAlgebra
@testable import TensorMath

/// The vector kernels' products (`Sources/CKernels`): small ones read their operands in place
/// (`gemm_small.c`), larger ones are packed and blocked (`gemm.c`). Both must give every element of C exactly
/// the sequence of fused multiply-adds `c = fma(a[i, p], b[p, j], c)` for p = 0, 1, …, k − 1, so that the
/// choice between them, and any split between threads, leaves the bits unchanged.
@Suite("Vector kernel products, bit for bit")
struct SmallProductTests {
    /// Around the 12 × 32 tile and the small-product limits (k·n ≤ 16384), on both sides of them.
    static let shapes: [(Int, Int, Int)] = [(1, 1, 1), (3, 10, 5), (8, 8, 16), (12, 32, 32), (13, 33, 31), (32, 64, 128),
                                            (32, 128, 64), (32, 64, 10), (128, 32, 64), (10, 32, 64), (32, 10, 64),
                                            (40, 130, 127), (20, 300, 60), (600, 8, 8)]

    @Test("accumulating and overwriting products equal the sequential fused multiply-adds", arguments: shapes)
    func sameBits(_ shape: (Int, Int, Int)) {
        guard VectorKernels.isAvailable && VectorKernels.isEnabled else { return }
        let (m, k, n) = shape
        var state = UInt64(m * 1_000_000 + k * 1_000 + n)
        func values(_ count: Int) -> [Float] {   // uniform in [−1, 1), from a linear congruential sequence
            (0..<count).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(state >> 40) / Float(1 << 23) - 1
            }
        }
        let a = values(m * k), b = values(k * n), c0 = values(m * n)
        let aT = (0..<(k * m)).map { a[($0 % m) * k + $0 / m] }   // stored [k, m]
        let bT = (0..<(n * k)).map { b[($0 % k) * n + $0 / k] }   // stored [n, k]
        func reference(from start: [Float]) -> [Float] {
            var c = start
            for i in 0..<m {
                for j in 0..<n {
                    for p in 0..<k { c[i * n + j] = c[i * n + j].addingProduct(a[i * k + p], b[p * n + j]) }
                }
            }
            return c
        }
        let accumulated = reference(from: c0), fromZero = reference(from: [Float](repeating: 0, count: m * n))
        for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
            let pa = transposeA ? aT : a, pb = transposeB ? bT : b
            var c = c0
            let ran = vectorGemmAccumulate(pa, transposeA: transposeA, pb, transposeB: transposeB, &c, m: m, k: k, n: n)
            #expect(ran)
            #expect(c == accumulated, "\(shape), transposeA \(transposeA), transposeB \(transposeB): accumulated")
            var d = [Float](repeating: .nan, count: m * n)
            if vectorGemmOverwrite(pa, transposeA: transposeA, pb, transposeB: transposeB, &d, m: m, k: k, n: n) {
                #expect(d == fromZero, "\(shape), transposeA \(transposeA), transposeB \(transposeB): overwritten")
            } else {
                #expect(k * n > 16384 || m > 512 || !VectorKernels.usesAVX512, "\(shape): the small path declined")
            }
        }
    }
}
