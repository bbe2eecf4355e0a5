import Testing
@testable import TensorCore
@testable import TensorLinearAlgebra
@testable import TensorMath

/// Which kernel runs a matrix product when a system BLAS is loaded (`SystemBLAS.swift`, `VectorKernels.swift`):
/// small Float products stay on the built-in kernel, whose bits they then give whatever the library or the
/// thread count; the others go to the library, which overwrites C with β = 0 instead of reading zeros.
@Suite("System BLAS dispatch")
struct BLASDispatchTests {
    /// Seeded values in [−1, 1).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 23) - 1
        }
    }

    /// How many elements of two equally long arrays differ in their bits (all when the lengths differ).
    static func differing(_ x: [Float], _ y: [Float]) -> Int {
        x.count == y.count ? zip(x, y).filter { $0.bitPattern != $1.bitPattern }.count : max(x.count, y.count)
    }

    /// The built-in kernel's C = op(A)·op(B): zeros, then the accumulating vector kernel on one thread.
    static func builtIn(_ a: [Float], transposeA: Bool, _ b: [Float], transposeB: Bool, m: Int, k: Int, n: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        let ran = vectorGemmAccumulate(a, transposeA: transposeA, b, transposeB: transposeB, &c, m: m, k: k, n: n)
        #expect(ran)
        return c
    }

    /// The wide MLP's small products (the 512 → 10 layer forward and its input gradient, in the forms `linear`
    /// and its pullback ask for; its weight gradient, 10×128 · 128×512, has too large a B) and the digits MLP's
    /// (batch 32), as (m, k, n, transposeA, transposeB).
    static let smallProducts: [(Int, Int, Int, Bool, Bool)] = [
        (128, 512, 10, false, true), (128, 10, 512, false, false),
        (32, 64, 128, false, true), (32, 128, 64, false, false), (128, 32, 64, true, false), (32, 64, 10, false, true),
    ]

    @Test("a product the small-product kernel takes gives the built-in kernel's bits, on 1 and 2 threads, BLAS or not",
          arguments: smallProducts)
    func smallProductsStayBuiltIn(_ shape: (Int, Int, Int, Bool, Bool)) {
        guard VectorKernels.enabled else { return }   // no vector kernel here: the BLAS or the portable loops run
        let (m, k, n, transposeA, transposeB) = shape
        let a = Self.values(m * k, seed: UInt64(m * 7 + k)), b = Self.values(k * n, seed: UInt64(n * 13 + k))
        let stays = gemmStaysBuiltIn(transposeA: transposeA, transposeB: transposeB, m: m, k: k, n: n)
        // Below 2²⁰ multiply-adds with a B of at most 16,384 elements: the small kernel takes them with AVX-512.
        #expect(stays == VectorKernels.usesAVX512, "\(shape)")
        let expected = Self.builtIn(a, transposeA: transposeA, b, transposeB: transposeB, m: m, k: k, n: n)
        let ta = Tensor<Float>(shape: transposeA ? [k, m] : [m, k], scalars: a)
        let tb = Tensor<Float>(shape: transposeB ? [n, k] : [k, n], scalars: b)
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        for threads in [1, 2] {
            Parallelism.threadCount = threads
            let product = matmul2D(ta, transposeA: transposeA, tb, transposeB: transposeB)
            if stays || !SystemBLAS.isActive {
                #expect(Self.differing(product.scalars, expected) == 0, "\(shape), \(threads) threads")
            }
            // The accumulating entry point (convolutions, batched products) takes the same path.
            var c = Self.values(m * n, seed: 5), reference = c
            _ = vectorGemmAccumulate(a, transposeA: transposeA, b, transposeB: transposeB, &reference, m: m, k: k, n: n)
            let ran = fastGemmAccumulate(a, transposeA: transposeA, b, transposeB: transposeB, &c, m: m, k: k, n: n,
                                         threads: threads)
            #expect(ran)
            if stays || !SystemBLAS.isActive {
                #expect(Self.differing(c, reference) == 0, "\(shape), \(threads) threads, accumulated")
            }
        }
    }

    @Test("products above the rule's limits go to the system BLAS when one is on")
    func largeProductsLeave() {
        // The wide MLP's 512 → 512 layer: 2²⁵ multiply-adds; a B of 65,536 elements below 2²⁰ multiply-adds.
        #expect(!gemmStaysBuiltIn(transposeA: false, transposeB: true, m: 128, k: 512, n: 512))
        #expect(!gemmStaysBuiltIn(transposeA: true, transposeB: false, m: 10, k: 128, n: 512))
        // Small B, but 2²⁰ multiply-adds or more (a split on several threads would depend on the thread count).
        #expect(!gemmStaysBuiltIn(transposeA: false, transposeB: false, m: 512, k: 128, n: 16))
    }

    @Test("overwriting on the system BLAS (β = 0) never reads C: the bits of accumulating into zeros",
          arguments: [(40, 130, 50), (128, 512, 96), (7, 3, 5)], [false, true])
    func blasOverwrite(_ shape: (Int, Int, Int), transposed: Bool) {
        guard SystemBLAS.isActive else { return }   // no system BLAS on this machine, or AUTODIFF_BLAS=off
        let (m, k, n) = shape
        let a = Self.values(m * k, seed: 21), b = Self.values(k * n, seed: 22)
        var zeroed = [Float](repeating: 0, count: m * n), garbage = [Float](repeating: .nan, count: m * n)
        #expect(blasGemmAccumulate(a, transposeA: transposed, b, transposeB: transposed, &zeroed, m: m, k: k, n: n))
        #expect(blasGemmOverwrite(a, transposeA: transposed, b, transposeB: transposed, &garbage, m: m, k: k, n: n))
        #expect(Self.differing(garbage, zeroed) == 0)
        let ad = a.map(Double.init), bd = b.map(Double.init)
        var zeroedD = [Double](repeating: 0, count: m * n), garbageD = [Double](repeating: .nan, count: m * n)
        #expect(blasGemmAccumulate(ad, transposeA: transposed, bd, transposeB: transposed, &zeroedD, m: m, k: k, n: n))
        #expect(blasGemmOverwrite(ad, transposeA: transposed, bd, transposeB: transposed, &garbageD, m: m, k: k, n: n))
        #expect(garbageD == zeroedD)
    }

    @Test("matmul2D on the system BLAS agrees with the built-in kernel up to rounding, for Float and Double")
    func blasProductsAgree() {
        let m = 96, k = 300, n = 80   // above the small-product rule
        let a = Self.values(m * k, seed: 31), b = Self.values(k * n, seed: 32)
        let reference = Self.builtIn(a, transposeA: false, b, transposeB: false, m: m, k: k, n: n)
        let product = matmul2D(Tensor(shape: [m, k], scalars: a), transposeA: false, Tensor(shape: [k, n], scalars: b),
                               transposeB: false)
        #expect(zip(product.scalars, reference).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) })
        let productD = matmul2D(Tensor(shape: [m, k], scalars: a.map(Double.init)), transposeA: false,
                                Tensor(shape: [k, n], scalars: b.map(Double.init)), transposeB: false)
        #expect(zip(productD.scalars, reference).allSatisfy { abs(Float($0) - $1) <= 1e-4 * max(1, abs($1)) })
    }
}
