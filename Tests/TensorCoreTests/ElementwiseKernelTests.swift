import Testing
@testable import TensorCore
@testable import TensorLinearAlgebra
@testable import TensorMath

/// The elementwise kernels on tensors large enough to be split over threads (`Tensor+Kernels.swift`,
/// `Parallelism.forEachRange(count:_:_:_:_:)`): every element as a plain loop computes it, with the same bits on
/// 1, 2 and 3 threads, through each path an operation can take (threaded, on this thread, broadcast rows).
@Suite("Elementwise kernels, split over threads")
struct ElementwiseKernelTests {
    /// Above ``Parallelism/parallelMinimum`` and not a multiple of ``Parallelism/elementwiseChunk``: the split
    /// has a short last chunk.
    static let count = Parallelism.parallelMinimum + 3 * Parallelism.elementwiseChunk + 17

    /// Seeded values in [−2, 2).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 22) - 2
        }
    }

    static func bits(_ t: Tensor<Float>) -> [UInt32] { t.scalars.map(\.bitPattern) }

    @Test("threaded maps and zips give a plain loop's bits on 1, 2 and 3 threads")
    func threadedKernels() {
        let n = Self.count
        let xs = Self.values(n, seed: 1), ws = Self.values(n, seed: 2)
        let x = Tensor<Float>(shape: [n], scalars: xs), w = Tensor<Float>(shape: [n], scalars: ws)
        let expected: [(String, [Float])] = [
            ("x * w", zip(xs, ws).map { $0 * $1 }),
            ("x - w", zip(xs, ws).map { $0 - $1 }),
            ("exp(x)", xs.map { Float.exp($0) }),
            ("-x", xs.map { -$0 }),
            ("relu(x)", xs.map { $0 > 0 ? $0 : 0 }),
            ("x * 3 (captures a value: this thread)", xs.map { $0 * 3 }),
            ("x + w accumulated in place", zip(xs, ws).map { $0 + $1 }),
        ]
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        for threads in [1, 2, 3] {
            Parallelism.threadCount = threads
            var total = Tensor<Float>(shape: [n], scalars: xs)   // its own buffer, so added into in place
            total.addInPlace(w)
            let results = [x * w, x - w, exp(x), -x, relu(x), x * 3, total]
            for ((name, plain), result) in zip(expected, results) {
                #expect(result.shape == [n], "\(name), \(threads) threads")
                #expect(Self.bits(result) == plain.map(\.bitPattern), "\(name), \(threads) threads")
            }
        }
    }

    @Test("a bias row broadcast over a matrix, and the public zip, give a plain loop's bits")
    func broadcastRows() {
        let (rows, columns) = (5, 7)
        let ms = Self.values(rows * columns, seed: 3), bs = Self.values(columns, seed: 4)
        let m = Tensor<Float>(shape: [rows, columns], scalars: ms), b = Tensor<Float>(shape: [columns], scalars: bs)
        let plain = (0..<rows * columns).map { ms[$0] + bs[$0 % columns] }
        #expect(Self.bits(m + b) == plain.map(\.bitPattern))
        #expect(Self.bits(b + m) == plain.map(\.bitPattern))
        // The public zip walks broadcasts by strides: the same values.
        #expect(Self.bits(Tensor.zip(m, b) { $0 + $1 }) == plain.map(\.bitPattern))
        // A column broadcast along rows ([m, 1] against [m, n]): the other row loop.
        let c = Tensor<Float>(shape: [rows, 1], scalars: Self.values(rows, seed: 5))
        let columnPlain = (0..<rows * columns).map { ms[$0] - c.scalars[$0 / columns] }
        #expect(Self.bits(m - c) == columnPlain.map(\.bitPattern))
    }
}
