import Foundation
import Testing
@testable import NN
import NNKernels

/// The composed LSTM cell: the reference for the fused operations (four slices, sigmoid, tanh, products).
func composedCell<S>(_ a: Variable<S>, _ c: Variable<S>) -> (cell: Variable<S>, hidden: Variable<S>) {
    let (n, h) = (c.shape[0], c.shape[1])
    let i = sigmoid(a[0..<n, 0..<h]), f = sigmoid(a[0..<n, h..<(2 * h)])
    let g = tanh(a[0..<n, (2 * h)..<(3 * h)]), o = sigmoid(a[0..<n, (3 * h)..<(4 * h)])
    let next = f * c + i * g
    return (next, o * tanh(next))
}

@Suite("The fused LSTM cell against the composed one")
struct LSTMCellTests {
    @Test("values and gradients equal the composed cell's (Float, same formulas: within one rounding)")
    func againstComposed() {
        var rng = SeededGenerator(seed: 11)
        let gates = Tensor<Float>.randomNormal(shape: [3, 20], standardDeviation: 2, using: &rng)
        let cell = Tensor<Float>.randomNormal(shape: [3, 5], using: &rng)
        let seedC = Tensor<Float>.randomNormal(shape: [3, 5], using: &rng), seedH = Tensor<Float>.randomNormal(shape: [3, 5], using: &rng)
        func run(_ fused: Bool) -> [Tensor<Float>] {
            let a = Variable(gates), c = Variable(cell)
            let act = lstmGateActivations(a)
            let (c2, h2) = fused ? (lstmCellState(act, c), lstmCellOutput(act, lstmCellState(act, c))) : composedCell(a, c)
            ((c2 * seedC).sum() + (h2 * seedH).sum()).backward()
            return [c2.value, h2.value, a.grad!, c.grad!]
        }
        for (x, y) in zip(run(true), run(false)) {
            #expect(x.shape == y.shape)
            #expect(zip(x.scalars, y.scalars).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) })
        }
    }

    @Test("the cell's Float tanh is within a few ulps of tanh in Double, from 1e-6 to 20 (both signs)")
    func tanhAccuracy() {
        var worst: Double = 0
        var x: Float = 1e-6
        while x < 20 {
            for v in [x, -x] {
                let exact = Foundation.tanh(Double(v))
                worst = max(worst, abs(Double(cellTanh(v)) - exact) / abs(exact))
            }
            x *= 1.0007
        }
        #expect(worst < 5e-7, "largest relative error \(worst)")
        #expect(cellTanh(Float(0)) == 0 && cellTanh(Float(100)) == 1 && cellTanh(-Float.infinity) == -1)
    }

    @Test("the fused operations pass gradient checks in Double, first and second order (the recorded pullback)")
    func gradientChecks() {
        let f: ([Variable<Double>]) -> Variable<Double> = { xs in
            let act = lstmGateActivations(xs[0])
            let c = lstmCellState(act, xs[1])
            return weighted(c) + weighted(lstmCellOutput(act, c) * 1.7)
        }
        let inputs = seeded([[2, 8], [2, 2]], seed: 4).map { $0 * 2 }
        let first = checkGradients(of: f, at: inputs)
        #expect(first.passed, "\(first)")
        let second = checkSecondOrderGradients(of: f, at: inputs)
        #expect(second.passed, "\(second)")
    }

    @Test("lstm (one fused operation over the sequence) equals the LSTM composed step by step from the cell: values and every gradient (Double)")
    func wholeLayer() {
        let inputs = seeded([[2, 4, 3], [8, 3], [8, 2], [8], [8]], seed: 8)
        let xs = inputs.map { Variable($0) }
        let fused = lstm(xs[0], weightIH: xs[1], weightHH: xs[2], biasIH: xs[3], biasHH: xs[4])
        weighted(fused).backward()
        let fusedGrads = xs.map { $0.grad! }
        let ys = inputs.map { Variable($0) }
        var h = Variable(Tensor<Double>.zeros(shape: [2, 2]), requiresGrad: false), c = h
        var states: [Variable<Double>] = []
        for t in 0..<4 {
            let x = ys[0].transposed(permutation: [1, 0, 2])[t]
            let a = linear(x, weight: ys[1], bias: ys[3]) + linear(h, weight: ys[2], bias: ys[4])
            (c, h) = composedCell(a, c)
            states.append(h.reshaped(to: [2, 1, 2]))
        }
        let composed = concatenate(states, alongAxis: 1)
        weighted(composed).backward()
        #expect(zip(fused.value.scalars, composed.value.scalars).allSatisfy { abs($0 - $1) < 1e-12 })
        for (g, y) in zip(fusedGrads, ys) { #expect(zip(g.scalars, y.grad!.scalars).allSatisfy { abs($0 - $1) < 1e-12 }) }
    }

    @Test("the fused cross-entropy terms equal the composed log-softmax pick, pass gradient checks (first and second order) and stay finite for huge logits")
    func crossEntropy() {
        let labels = [2, 0, 3]
        let z = seeded([[3, 4]], seed: 6)[0] * 3
        let fused = crossEntropyTerms(Variable(z), labels).value
        let composed = -(logSoftmax(Variable(z), alongAxis: 1).reshaped(to: [-1]).gathering(atIndices: [2, 4, 11])).value
        #expect(zip(fused.scalars, composed.scalars).allSatisfy { abs($0 - $1) < 1e-12 })
        let f: ([Variable<Double>]) -> Variable<Double> = { weighted(crossEntropyTerms($0[0], labels)) }
        let first = checkGradients(of: f, at: [z])
        #expect(first.passed, "\(first)")
        let second = checkSecondOrderGradients(of: f, at: [z])
        #expect(second.passed, "\(second)")
        let huge = Variable(Tensor<Float>([[1e30, -1e30, 0], [-3e38, 3e38, 1]]))
        let loss = crossEntropyTerms(huge, [1, 1])
        loss.sum().backward()
        #expect(loss.value.scalars.allSatisfy { $0.isFinite } && huge.grad!.scalars.allSatisfy { $0.isFinite })
    }
}
