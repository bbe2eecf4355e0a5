import Foundation
import Testing
import NN

/// Two steps of each optimizer on L = Σθ²/2 (so ∇θ = θ) from θ = [1, −2], against numbers computed by hand
/// from the published update rules (an independent float64 implementation).
@Suite("Optimizers")
struct OptimizerTests {
    func twoSteps(_ make: ([Variable<Float>]) -> any Optimizer) -> [[Float]] {
        let theta = Variable(Tensor<Float>([1, -2]))
        let optimizer = make([theta])
        var out: [[Float]] = []
        for _ in 0..<2 {
            optimizer.zeroGrad()
            ((theta * theta).sum() * 0.5).backward()
            optimizer.step()
            out.append(theta.value.scalars)
        }
        return out
    }

    @Test("SGD: plain, momentum, Nesterov, weight decay")
    func sgd() {
        #expect(close(twoSteps { SGD(parameters: $0, learningRate: 0.1) }[1], [0.81, -1.62]))
        #expect(close(twoSteps { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9) }[1], [0.72, -1.44]))
        #expect(close(twoSteps { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9, nesterov: true) }[0], [0.81, -1.62]))
        #expect(close(twoSteps { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9, nesterov: true) }[1], [0.5751, -1.1502]))
        #expect(close(twoSteps { SGD(parameters: $0, learningRate: 0.1, weightDecay: 0.1) }[0], [0.89, -1.78]))
    }

    @Test("Adam and AdamW")
    func adam() {
        let a = twoSteps { Adam(parameters: $0, learningRate: 0.1) }
        #expect(close(a[0], [0.9, -1.9]) && close(a[1], [0.8004122, -1.8001665]))
        let w = twoSteps { AdamW(parameters: $0, learningRate: 0.1, decoupledWeightDecay: 0.01) }
        #expect(close(w[0], [0.899, -1.898]) && close(w[1], [0.798519, -1.7962726]))
    }

    @Test("Adam's vectorized update gives the same bits as the formulas one element at a time, subnormal moments flushed")
    func adamVectorized() {
        // 37 elements: two blocks of 16 (AVX-512 where available), one of 4, one alone; in each, values whose
        // moments fall below the smallest normal Float (flushed to 0 on every path)
        var start: [Float] = (0..<37).map { Float($0 % 7) * 0.75 - 2 + Float($0) / 64 }
        for (k, tiny) in [(3, 1e-38), (20, -3e-39), (33, 1e-20), (36, 2e-38)] as [(Int, Float)] { start[k] = tiny }
        let n = start.count
        let theta = Variable(Tensor<Float>(start))
        let optimizer = Adam(parameters: [theta], learningRate: 0.01)
        var expected = start, m = [Float](repeating: 0, count: n), v = m
        for step in 1...3 {
            optimizer.zeroGrad()
            ((theta * theta).sum() * 0.5).backward()
            optimizer.step()
            let t = Float(step)
            let c1 = 1 - pow(Float(0.9), t), c2 = 1 - pow(Float(0.999), t)
            for k in 0..<n {
                let g = expected[k]
                m[k] = m[k] * 0.9 + g * (1 - 0.9)
                v[k] = v[k] * 0.999 + g * g * (1 - 0.999)
                if abs(m[k]) < .leastNormalMagnitude { m[k] = 0 }
                if abs(v[k]) < .leastNormalMagnitude { v[k] = 0 }
                expected[k] = expected[k] - 0.01 * (m[k] / c1) / ((v[k] / c2).squareRoot() + 1e-8)
            }
        }
        #expect(theta.value.scalars == expected)
        #expect(m[3] == 0 && v[3] == 0 && m[20] == 0 && m[33] != 0)
    }

    @Test("RMSProp, with and without momentum, and AdaGrad")
    func adaptive() {
        let r = twoSteps { RMSProp(parameters: $0, learningRate: 0.01) }
        #expect(close(r[0], [0.9, -1.9]) && close(r[1], [0.832918, -1.8309433]))
        let m = twoSteps { RMSProp(parameters: $0, learningRate: 0.01, momentum: 0.9) }
        #expect(close(m[1], [0.742918, -1.7409433]))
        let g = twoSteps { AdaGrad(parameters: $0, learningRate: 0.1) }
        #expect(close(g[0], [0.9, -1.9]) && close(g[1], [0.8331035, -1.8311251]))
    }

    @Test("a parameter without a gradient is left alone")
    func untouched() {
        let used = Variable(Tensor<Float>(1)), unused = Variable(Tensor<Float>(5))
        let optimizer = Adam(parameters: [used, unused], learningRate: 0.1)
        (used * used).backward()
        optimizer.step()
        #expect(unused.scalar == 5 && used.scalar < 1)
    }

    @Test("learning-rate schedules")
    func schedules() {
        #expect(StepDecay(stepSize: 2, gamma: 0.5).learningRate(epoch: 5, base: 1) == 0.25)
        #expect(abs(ExponentialDecay(gamma: 0.9).learningRate(epoch: 2, base: 1) - 0.81) < 1e-6)
        let cosine = CosineAnnealing(period: 10, minimum: 0.1)
        #expect(cosine.learningRate(epoch: 0, base: 1) == 1)
        #expect(abs(cosine.learningRate(epoch: 5, base: 1) - 0.55) < 1e-6)
        #expect(abs(cosine.learningRate(epoch: 10, base: 1) - 0.1) < 1e-6)
        let warm = Warmup(epochs: 4, then: StepDecay(stepSize: 1, gamma: 0.5))
        #expect(warm.learningRate(epoch: 0, base: 1) == 0.25 && warm.learningRate(epoch: 3, base: 1) == 1)
        #expect(warm.learningRate(epoch: 5, base: 1) == 0.5)
    }

    @Test("gradient clipping by global norm")
    func clipping() {
        let a = Variable(Tensor<Float>([3, 0])), b = Variable(Tensor<Float>(4))
        a.grad = Tensor([3, 0])
        b.grad = Tensor(4)
        let norm = clipGradientNorm([a, b], maxNorm: 1)
        #expect(norm == 5)
        #expect(close(a.grad!.scalars, [0.6, 0]) && close(b.grad!.scalars, [0.8]))
    }
}
