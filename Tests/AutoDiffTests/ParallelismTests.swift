import Dispatch
import Testing
@testable import AutoDiff

@Suite("Parallel kernels")
struct ParallelismTests {
    static func close(_ x: [Tensor<Float>], _ y: [Tensor<Float>]) -> Bool {
        zip(x, y).allSatisfy { a, b in
            let scale = max(1, a.scalars.map(abs).max() ?? 1)
            return a.shape == b.shape && zip(a.scalars, b.scalars).allSatisfy { abs($0 - $1) <= 1e-4 * scale }
        }
    }

    @Test("matmul and its gradients are bit-identical on 1 and 2 threads", arguments: [[70, 130, 66], [2, 3, 64, 96, 80]])
    func threadCountDoesNotChangeResults(shape: [Int]) {
        var rng = SeededGenerator(seed: 11)
        let batch = Array(shape.dropLast(3)), m = shape[shape.count - 3], k = shape[shape.count - 2], n = shape[shape.count - 1]
        let a = Tensor<Float>.randomNormal(shape: batch + [m, k], using: &rng)
        let b = Tensor<Float>.randomNormal(shape: batch + [k, n], using: &rng)
        func run(threads: Int) -> [Tensor<Float>] {
            let saved = Parallelism.threadCount
            Parallelism.threadCount = threads
            defer { Parallelism.threadCount = saved }
            let x = Variable(a), w = Variable(b)
            let y = matmul(x, w)
            (y * y).sum().backward()
            return [y.value, x.grad!, w.grad!]
        }
        let one = run(threads: 1), two = run(threads: 2), three = run(threads: 3)
        if SystemBLAS.isActive {
            // A system BLAS does not promise bit-identical results across thread counts (documented).
            #expect(Self.close(one, two) && Self.close(one, three))
        } else {
            #expect(one == two)
            #expect(one == three)
        }
    }

    @Test("the portable loops (machines without AVX2) agree with the kernel in use up to rounding, by rows or whole")
    func portableKernel() {
        var rng = SeededGenerator(seed: 12)
        let m = 37, k = 70, n = 45
        let a = Tensor<Float>.randomNormal(shape: [m, k], using: &rng).scalars
        let b = Tensor<Float>.randomNormal(shape: [k, n], using: &rng).scalars
        var whole = [Float](repeating: 0, count: m * n), split = whole, portable = whole
        gemmAccumulate(a, b, &whole, m: m, k: k, n: n)
        portableGemmAccumulate(a, b, &portable, m: m, k: k, n: n)
        // rows 0..<13 and 13..<37 separately: the same bits as all at once
        split.withUnsafeMutableBufferPointer { c in
            a.withUnsafeBufferPointer { pa in
                gemmAccumulate(pa.baseAddress!, b, c.baseAddress!, m: 13, k: k, n: n)
                gemmAccumulate(pa.baseAddress! + 13 * k, b, c.baseAddress! + 13 * n, m: m - 13, k: k, n: n)
            }
        }
        #expect(split == whole)
        #expect(zip(whole, portable).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) })
    }

    @Test("products with transposed operands (the matmul pullback) equal the products of the materialized transposes",
          arguments: [false, true], [false, true])
    func transposedOperands(transposeA: Bool, transposeB: Bool) {
        var rng = SeededGenerator(seed: 13)
        let m = 23, k = 301, n = 19
        let a = Tensor<Float>.randomNormal(shape: transposeA ? [k, m] : [m, k], using: &rng)
        let b = Tensor<Float>.randomNormal(shape: transposeB ? [n, k] : [k, n], using: &rng)
        let fused = matmul2D(a, transposeA: transposeA, b, transposeB: transposeB)
        let reference = matmul(transposeA ? a.transposed() : a, transposeB ? b.transposed() : b)
        if SystemBLAS.isActive {
            #expect(Self.close([fused], [reference]))
        } else {
            #expect(fused == reference)
        }
    }

    @Test("a system BLAS, when one is installed, agrees with the built-in kernels up to rounding")
    func systemBLAS() throws {
        guard SystemBLAS.libraryName != nil else { return }   // nothing to compare on this machine
        var rng = SeededGenerator(seed: 14)
        let a = Tensor<Double>.randomNormal(shape: [40, 130], using: &rng)
        let b = Tensor<Double>.randomNormal(shape: [130, 50], using: &rng)
        let viaBLAS = matmul(a, b)
        var builtIn = [Double](repeating: 0, count: 40 * 50)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in portableGemmAccumulate(pa.baseAddress!, pb.baseAddress!, &builtIn, m: 40, k: 130, n: 50) }
        }
        #expect(zip(viaBLAS.scalars, builtIn).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) })
        let t = matmul2D(a.transposed(), transposeA: true, b.transposed(), transposeB: true)   // (aᵀ)ᵀ · (bᵀ)ᵀ by the BLAS's flags
        let reference = matmul(a, b)
        #expect(zip(t.scalars, reference.scalars).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) })
    }

    @Test("forEach runs every chunk exactly once: on 2 and 3 threads, nested, and called from several threads at once")
    func forEachRunsEveryChunkOnce() {
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 4 * 3000)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0)
        let shared = UncheckedSendable(counts)
        for threads in [2, 3] {
            Parallelism.threadCount = threads
            // 300 chunks of 10, each running a nested forEach (which runs on the calling thread).
            Parallelism.forEach(chunks: 300) { c in
                Parallelism.forEach(chunks: 10) { d in shared.value[c * 10 + d] += 1 }
            }
        }
        // Four callers at once: one gets the helpers, the others run their chunks themselves.
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            Parallelism.forEach(chunks: 3000) { c in
                if caller > 0 { shared.value[caller * 3000 + c] += 2 }
            }
        }
        #expect(counts[0..<3000].allSatisfy { $0 == 2 })
        #expect(counts[3000...].allSatisfy { $0 == 2 })
    }

    @Test("large elementwise operations give the same bits on 1 and 2 threads")
    func elementwise() {
        var rng = SeededGenerator(seed: 15)
        // Above Parallelism.parallelMinimum elements, so that the kernels are split.
        let x = Tensor<Float>.randomNormal(shape: [600, 500], using: &rng)
        let y = Tensor<Float>.randomNormal(shape: [600, 500], using: &rng)
        func run(_ threads: Int) -> [Tensor<Float>] {
            let saved = Parallelism.threadCount
            Parallelism.threadCount = threads
            defer { Parallelism.threadCount = saved }
            return [x + y, x * y, tanh(x), exp(x) / (y * y + 1), relu(x - 0.5), sigmoid(x) * 3,
                    x.sum(), (x * y).mean(), x.max(alongAxes: 0, 1), logSumExp(y, alongAxes: [0, 1])]
        }
        let one = run(1), two = run(2)
        #expect(one == two)
        #expect(one[2].scalars == x.scalars.map { Float.tanh($0) })
        #expect(x.scalarCount >= Parallelism.parallelMinimum)
    }

    @Test("a full sum of a large buffer: fixed chunks, each as eight interleaved chains, the same bits on 1, 2 and 3 threads",
          arguments: [65_536, 160_003, 300_000])
    func fullSums(count: Int) {
        var rng = SeededGenerator(seed: 17)
        let x = Tensor<Double>.randomNormal(shape: [count], using: &rng)
        func run(_ threads: Int) -> [Tensor<Double>] {
            let saved = Parallelism.threadCount
            Parallelism.threadCount = threads
            defer { Parallelism.threadCount = saved }
            return [x.sum(), x.sum(alongAxes: [0]), x.mean()]
        }
        let one = run(1)
        #expect(one == run(2))
        #expect(one == run(3))
        // The documented association, written out: chunks of 32,768 in order; in each, element i into chain i % 8
        // (whole groups of eight), the chains as ((0+1)+(2+3))+((4+5)+(6+7)), then the chunk's tail in order.
        let v = x.scalars
        var total = 0.0
        for start in stride(from: 0, to: count, by: 32_768) {
            let end = min(count, start + 32_768), whole = start + (end - start) / 8 * 8
            var chains = [Double](repeating: 0, count: 8)
            for i in start..<whole { chains[(i - start) % 8] += v[i] }
            var chunk = ((chains[0] + chains[1]) + (chains[2] + chains[3])) + ((chains[4] + chains[5]) + (chains[6] + chains[7]))
            for i in whole..<end { chunk += v[i] }
            total += chunk
        }
        #expect(one[0].scalar == total)
        #expect(abs(total - v.reduce(0, +)) <= 1e-9 * Double(count))
    }

    @Test("the largest element is the in-order fold's, with NaN anywhere, signed zeros and on 1 and 2 threads",
          arguments: [0, 1, 63, 64, 65, 1_000, 70_001, 300_001])
    func largestElement(count: Int) {
        var rng = SeededGenerator(seed: 18)
        let base = Tensor<Double>.randomNormal(shape: [count], using: &rng).scalars
        var cases: [[Double]] = [base, base.map { -abs($0) - 1 }]
        if count > 0 {
            for position in Set([0, count / 2, count - 1]) {
                var withNaN = base
                withNaN[position] = .nan
                cases.append(withNaN)
            }
            var zeros = base.map { -abs($0) - 1 }
            zeros[count / 3] = -0.0
            zeros[count - 1] = 0.0
            cases.append(zeros)   // the first of the equal zeros: -0.0 (unless it is also the last)
            cases.append(base.map { $0 == 0 ? 1 : $0 * .infinity })   // ±infinity only
        }
        for values in cases {
            let reference = values.reduce(-Double.infinity) { $1 > $0 || $1.isNaN ? $1 : $0 }
            let x = Tensor<Double>(shape: [count], scalars: values)
            let f = Tensor<Float>(shape: [count], scalars: values.map { Float($0) })
            let fReference = f.scalars.reduce(-Float.infinity) { $1 > $0 || $1.isNaN ? $1 : $0 }
            for threads in [1, 2] {
                let saved = Parallelism.threadCount
                Parallelism.threadCount = threads
                defer { Parallelism.threadCount = saved }
                for result in [x.max().scalar, x.max(alongAxes: [0]).scalar] {
                    #expect(result.isNaN == reference.isNaN)
                    if !reference.isNaN { #expect(result.bitPattern == reference.bitPattern) }
                }
                let fResult = f.max(alongAxes: [0]).scalar
                #expect(fResult.isNaN == fReference.isNaN)
                if !fReference.isNaN { #expect(fResult.bitPattern == fReference.bitPattern) }
            }
        }
    }

    @Test("reductions along axes give the same bits on 1, 2 and 3 threads, and fold in order",
          arguments: [[[1000, 300], [0]], [[1000, 300], [1]], [[3, 400, 250], [1]], [[2, 400, 400], [0, 1]],
                      [[1, 300_000], [1]], [[150_000, 2], [0]], [[60, 80, 60], [0, 2]]])
    func axisReductions(shape: [[Int]]) {
        var rng = SeededGenerator(seed: 16)
        let x = Tensor<Float>.randomNormal(shape: shape[0], using: &rng)
        #expect(x.scalarCount >= Parallelism.parallelMinimum)   // large enough to be split
        let axes = shape[1]
        func run(_ threads: Int) -> [Tensor<Float>] {
            let saved = Parallelism.threadCount
            Parallelism.threadCount = threads
            defer { Parallelism.threadCount = saved }
            return [x.sum(alongAxes: axes), x.max(alongAxes: axes, keepingDimensions: true), x.mean(alongAxes: axes)]
        }
        let one = run(1)
        #expect(one == run(2))
        #expect(one == run(3))
        // The reference: every output element folds its inputs in increasing order of position.
        let strides = ShapeMath.strides(x.shape)
        var reference = [Float](repeating: 0, count: one[0].scalarCount)
        let kept = (0..<x.rank).filter { !axes.contains($0) }
        let keptStrides = ShapeMath.strides(kept.map { x.shape[$0] })
        for (flat, value) in x.scalars.enumerated() {
            var out = 0
            for (j, axis) in kept.enumerated() { out += (flat / strides[axis] % x.shape[axis]) * keptStrides[j] }
            reference[out] += value
        }
        #expect(one[0].scalars == reference)
    }
}
