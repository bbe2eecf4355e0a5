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
}
