import Foundation
import Testing
@testable import NN
import NNKernels
@testable import AutoDiff

/// The largest error of `kernel` against `exact` (computed in Double by the C library) over `inputs`, in units in
/// the last place of the Float result.
func worstUlps(_ inputs: [Float], _ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
               _ exact: (Double) -> Double) -> (ulps: Double, at: Float) {
    var out = [Float](repeating: 0, count: inputs.count)
    out.withUnsafeMutableBufferPointer { kernel(inputs, $0.baseAddress!, inputs.count) }
    var worst: (ulps: Double, at: Float) = (0, 0)
    for (x, y) in zip(inputs, out) {
        let e = exact(Double(x))
        let ulps = abs(Double(y) - e) / Double(Float(abs(e)).ulp)
        if ulps > worst.ulps { worst = (ulps, x) }
    }
    return worst
}

/// `count` values evenly spaced from `low` to `high`.
func sweep(_ low: Float, _ high: Float, count: Int) -> [Float] {
    (0..<count).map { low + (high - low) * Float($0) / Float(count - 1) }
}

@Suite("The vector kernels of the fused operations (exp, sigmoid, tanh, strided products)")
struct FusedKernelTests {
    let exp: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void = { expKernel($0, into: $1, count: $2) }
    let sigmoid: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void = { sigmoidKernel($0, into: $1, count: $2) }
    let tanh: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void = { tanhKernel($0, into: $1, count: $2) }

    @Test("eˣ is within 2 ulps of the C library's exp, normal and subnormal results, from −104 to 88.7")
    func expAccuracy() {
        let worst = worstUlps(sweep(-104, 88.7, count: 200_001), exp, Foundation.exp)
        #expect(worst.ulps <= 2, "\(worst.ulps) ulps at \(worst.at)")
    }

    @Test("σ(x) is within 3 ulps of 1 / (1 + e⁻ˣ) in Double, and tanh x within 4 ulps of the C library's tanh")
    func sigmoidAndTanhAccuracy() {
        let inputs = sweep(-60, 40, count: 200_001) + sweep(-0.5, 0.5, count: 100_001)
        let s = worstUlps(inputs, sigmoid) { 1 / (1 + Foundation.exp(-$0)) }
        #expect(s.ulps <= 3, "σ: \(s.ulps) ulps at \(s.at)")
        let t = worstUlps(inputs + [1e-30, -1e-30, 1e-6, -3e-4], tanh, Foundation.tanh)
        #expect(t.ulps <= 4, "tanh: \(t.ulps) ulps at \(t.at)")
    }

    @Test("infinities, NaN, overflow and underflow")
    func specialValues() {
        let inputs: [Float] = [.infinity, -.infinity, .nan, 0, 89, -200, 1]
        func run(_ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> [Float] {
            var out = [Float](repeating: 0, count: inputs.count)
            out.withUnsafeMutableBufferPointer { kernel(inputs, $0.baseAddress!, inputs.count) }
            return out
        }
        let e = run(exp), s = run(sigmoid), t = run(tanh)
        #expect(e[0] == .infinity && e[1] == 0 && e[2].isNaN && e[3] == 1 && e[4] == .infinity && e[5] == 0)
        #expect(s[0] == 1 && s[1] == 0 && s[2].isNaN && s[3] == 0.5 && s[4] == 1 && s[5] == 0)
        #expect(t[0] == 1 && t[1] == -1 && t[2].isNaN && t[3] == 0 && t[4] == 1 && t[5] == -1)
    }

    @Test("the AVX-512 path and the baseline path give the same bits (whole vectors and a partial last one)")
    func pathsAgree() {
        var rng = SeededGenerator(seed: 3)
        let inputs = (0..<1_001).map { _ in Float.random(in: -30...30, using: &rng) } + [.nan, .infinity, -.infinity, 1e-20]
        for (function, kernel) in [exp, sigmoid, tanh].enumerated() {
            var fast = [Float](repeating: 0, count: inputs.count), portable = fast
            fast.withUnsafeMutableBufferPointer { kernel(inputs, $0.baseAddress!, inputs.count) }
            portable.withUnsafeMutableBufferPointer { portableActivation(function, inputs, into: $0.baseAddress!, count: inputs.count) }
            #expect(fast.map(\.bitPattern) == portable.map(\.bitPattern), "function \(function)")
        }
    }

    @Test("stridedGemm with transposed and strided operands equals the product of the materialized matrices",
          arguments: [(1, 1, 1), (5, 3, 17), (13, 81, 27), (40, 7, 33)])
    func stridedProduct(m: Int, k: Int, n: Int) {
        var rng = SeededGenerator(seed: UInt64(m * k * n))
        let a = Tensor<Float>.randomNormal(shape: [k, m], using: &rng)     // used transposed
        let b = Tensor<Float>.randomNormal(shape: [n, 2 * k], using: &rng) // every other column, transposed
        var c = [Float](repeating: 1, count: m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer {
                    stridedGemm(pa.baseAddress!, 1, m, pb.baseAddress!, 2, 2 * k, $0.baseAddress!, m: m, k: k, n: n)
                }
            }
        }
        let columns = (0..<k).map { 2 * $0 }
        let expected = matmul(a.transposed(), b.gathering(atIndices: columns, alongAxis: 1).transposed()) + 1
        #expect(zip(c, expected.scalars).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
    }

    @Test("a training step of the names model (Embedding → LSTM → Dense, cross-entropy) gives the same bits on 1 and 2 threads")
    func threadCountDoesNotChangeResults() {
        var rng = SeededGenerator(seed: 5)
        let indices = Tensor<Float>(shape: [32, 7], scalars: (0..<224).map { _ in Float(Int.random(in: 0..<27, using: &rng)) })
        let labels = (0..<224).map { _ in Int.random(in: 0..<27, using: &rng) }
        func run(threads: Int) -> [[UInt32]] {
            let saved = Parallelism.threadCount
            Parallelism.threadCount = threads
            defer { Parallelism.threadCount = saved }
            let model = withRandomSeed(0) {
                Sequential {
                    Embedding(vocabularySize: 27, embeddingSize: 16)
                    LSTM(inputSize: 16, hiddenSize: 64)
                    Dense(inputSize: 64, outputSize: 27)
                }
            }
            let loss = softmaxCrossEntropy(logits: model(indices), labels: labels)
            loss.backward()
            return [loss.value.scalars.map(\.bitPattern)] + model.parameters.map { $0.grad!.scalars.map(\.bitPattern) }
        }
        let (one, two) = (run(threads: 1), run(threads: 2))
        if SystemBLAS.libraryName != nil && SystemBLAS.isEnabled {
            // A system BLAS (the Dense layer's products) does not promise the same bits on other thread counts.
            #expect(abs(Float(bitPattern: one[0][0]) - Float(bitPattern: two[0][0])) < 1e-5)
        } else {
            #expect(one == two)
        }
    }

    @Test("gru (one fused operation over the sequence) equals the GRU composed step by step: values and every gradient (Double)",
          arguments: [[2, 4, 3, 2], [3, 1, 2, 5]])
    func fusedGRU(shape: [Int]) {
        let (n, t, i, h) = (shape[0], shape[1], shape[2], shape[3])
        let inputs = seeded([[n, t, i], [3 * h, i], [3 * h, h], [3 * h], [3 * h]], seed: 9)
        func run(fused: Bool) -> [Tensor<Double>] {
            let xs = inputs.map { Variable($0) }
            let y = gru(xs[0], weightIH: xs[1], weightHH: xs[2], biasIH: xs[3], biasHH: xs[4], fused: fused)
            weighted(y).backward()
            return [y.value] + xs.map { $0.grad ?? .zeros(shape: $0.shape) }   // W_hh has none when T = 1 (composed)
        }
        for (a, b) in zip(run(fused: true), run(fused: false)) {
            #expect(a.shape == b.shape && zip(a.scalars, b.scalars).allSatisfy { abs($0 - $1) < 1e-12 })
        }
    }

    @Test("the fused LSTM's and GRU's forward computations give the same values when run again (as the faulty-rule search does)",
          arguments: ["lstm", "gru"])
    func forwardRunsAgain(layer: String) throws {
        let gates = layer == "lstm" ? 4 : 3
        let xs = seeded([[2, 3, 2], [2 * gates, 2], [2 * gates, 2], [2 * gates], [2 * gates]]).map { Variable($0) }
        let y = layer == "lstm" ? lstm(xs[0], weightIH: xs[1], weightHH: xs[2], biasIH: xs[3], biasHH: xs[4])
            : gru(xs[0], weightIH: xs[1], weightHH: xs[2], biasIH: xs[3], biasHH: xs[4])
        let tape = try #require(y.liveTape)
        let values = tape.inputs(of: Int(y.index)).map { tape.value($0) }
        for _ in 0..<2 { #expect(tape.recompute(Int(y.index), values) == y.value) }
    }
}
