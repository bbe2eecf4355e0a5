import Foundation
import Testing
@testable import NN

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
        let subnormal = -Float.leastNormalMagnitude / 4   // about −2.9·10⁻³⁹
        for (k, tiny) in [(3, 1e-38), (20, subnormal), (33, 1e-20), (36, 2e-38)] as [(Int, Float)] { start[k] = tiny }
        let n = start.count
        let theta = Variable(Tensor<Float>(start))
        let optimizer = Adam(parameters: [theta], learningRate: 0.01)
        var expected = start, m = [Float](repeating: 0, count: n), v = m
        for step in 1...3 {
            optimizer.zeroGrad()
            ((theta * theta).sum() * 0.5).backward()
            optimizer.step()
            let t = Float(step)
            let c1 = 1 - Foundation.pow(Float(0.9), t), c2 = 1 - Foundation.pow(Float(0.999), t)
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

    @Test("Adam's vector kernel gives the reference loop's bits, over every path (16, then 4, then 1 at a time)")
    func adamKernelAgainstReference() {
        var rng = SeededGenerator(seed: 5)
        for n in [1, 3, 4, 16, 21, 300] {
            let start = Tensor<Float>.randomNormal(shape: [n], using: &rng)
            let theta = Variable(start)
            let optimizer = Adam(parameters: [theta], learningRate: 0.01, beta1: 0.8)
            var expected = start.scalars, m = [Float](repeating: 0, count: n), v = m
            for step in 1...4 {
                let g = Tensor<Float>.randomNormal(shape: [n], using: &rng)
                theta.grad = g
                optimizer.step()
                let t = Float(step)
                let h = Adam.Hyperparameters(beta1: 0.8, beta2: 0.999, learningRate: 0.01, epsilon: 1e-8, weightDecay: 0,
                                             decoupledDecay: 0, correction1: 1 - Foundation.pow(Float(0.8), t), correction2: 1 - Foundation.pow(Float(0.999), t))
                expected.withUnsafeMutableBufferPointer { th in
                    m.withUnsafeMutableBufferPointer { mb in
                        v.withUnsafeMutableBufferPointer { vb in
                            g.withUnsafeBufferPointer { gb in Adam.referenceUpdate(th, mb, vb, gb, from: 0, h) }
                        }
                    }
                }
                #expect(theta.value.scalars == expected, "n = \(n), step \(step)")
            }
        }
    }

    struct TorchFixture: Decodable {
        struct Case: Decodable {
            let optimizer: String
            let options: [String: Option]
            let after: [[[Double]]]
        }
        /// A hyperparameter: a number, a flag or a pair of numbers (Adam's betas).
        enum Option: Decodable {
            case number(Float), flag(Bool), pair([Float])
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let b = try? c.decode(Bool.self) { self = .flag(b) }
                else if let x = try? c.decode(Float.self) { self = .number(x) }
                else { self = .pair(try c.decode([Float].self)) }
            }
            var number: Float { if case .number(let x) = self { return x }; return .nan }
        }
        let start: [[Double]]
        let gradients: [[[Double]?]]
        let cases: [Case]
    }

    static let torch: TorchFixture = {
        let url = repositoryRoot.appendingPathComponent("Tests/NNTests/Fixtures/optimizers.json")
        return try! JSONDecoder().decode(TorchFixture.self, from: Data(contentsOf: url))
    }()

    /// The optimizer a fixture case describes, with PyTorch's defaults for what it leaves out.
    static func make(_ c: TorchFixture.Case, _ parameters: [Variable<Float>]) -> any Optimizer {
        func option(_ name: String, _ otherwise: Float) -> Float { c.options[name]?.number ?? otherwise }
        let lr = option("lr", .nan), wd = option("weight_decay", 0)
        var betas: (Float, Float) = (0.9, 0.999)
        if case .pair(let b)? = c.options["betas"] { betas = (b[0], b[1]) }
        switch c.optimizer {
        case "SGD":
            var nesterov = false
            if case .flag(true)? = c.options["nesterov"] { nesterov = true }
            return SGD(parameters: parameters, learningRate: lr, momentum: option("momentum", 0), nesterov: nesterov, weightDecay: wd)
        case "RMSProp":
            return RMSProp(parameters: parameters, learningRate: lr, alpha: option("alpha", 0.99), epsilon: option("eps", 1e-8),
                           momentum: option("momentum", 0))
        case "Adam":
            return Adam(parameters: parameters, learningRate: lr, beta1: betas.0, beta2: betas.1, epsilon: option("eps", 1e-8),
                        weightDecay: wd)
        case "AdamW":
            if c.options.count == 1 { return AdamW(parameters: parameters, learningRate: lr) }   // every default
            return AdamW(parameters: parameters, learningRate: lr, beta1: betas.0, beta2: betas.1, epsilon: option("eps", 1e-8),
                         decoupledWeightDecay: option("weight_decay", 0.01))
        default:
            if c.options.count == 1 { return AdaGrad(parameters: parameters, learningRate: lr) }   // every default
            return AdaGrad(parameters: parameters, learningRate: lr, learningRateDecay: option("lr_decay", 0), weightDecay: wd,
                           initialAccumulatorValue: option("initial_accumulator_value", 0), epsilon: option("eps", 1e-10))
        }
    }

    static let torchCases = Array(torch.cases.indices)

    @Test("each optimizer follows PyTorch's torch.optim over six steps (a parameter skips one step)", arguments: torchCases)
    func matchesTorch(_ index: Int) {
        let fixture = Self.torch, c = fixture.cases[index]
        let parameters = fixture.start.map { Variable(Tensor<Float>($0.map(Float.init))) }
        let optimizer = Self.make(c, parameters)
        for (step, gradients) in fixture.gradients.enumerated() {
            for (p, g) in zip(parameters, gradients) { p.grad = g.map { Tensor<Float>($0.map(Float.init)) } }
            optimizer.step()
            for (i, p) in parameters.enumerated() {
                let expected = c.after[step][i].map(Float.init)
                #expect(close(p.value.scalars, expected, tolerance: 2e-6),
                        "\(c.optimizer) \(c.options.keys.sorted()), step \(step + 1), parameter \(i): \(p.value.scalars) vs \(expected)")
            }
        }
    }

    @Test("AdamW and AdaGrad take PyTorch's defaults from a model")
    func defaults() {
        let model = Dense(inputSize: 2, outputSize: 1)
        let w = AdamW(for: model, learningRate: 1e-3, decoupledWeightDecay: 0.01)
        #expect(w.beta1 == 0.9 && w.beta2 == 0.999 && w.epsilon == 1e-8 && w.weightDecay == 0)
        #expect(AdamW(for: model, learningRate: 1e-3).decoupledWeightDecay == 0.01)
        let a = AdaGrad(for: model, learningRate: 0.1)
        #expect(a.epsilon == 1e-10 && a.learningRateDecay == 0 && a.weightDecay == 0 && a.initialAccumulatorValue == 0)
        #expect(a.parameters.count == 2 && a.learningRate == 0.1)
    }

    /// signSGD as a user writes it on the base: only its rule (the guide's "Layers and training" shows it).
    // BEGIN DOCS SNIPPET
    final class SignSGD: OptimizerBase<Never> {      // θ ← θ − η·sign(g), no state
        override func update(_ parameter: inout Tensor<Float>, gradient: Tensor<Float>, state: inout Never?) {
            parameter -= gradient.map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) } * learningRate
        }
    }
    // END DOCS SNIPPET

    /// Momentum counted in state: the base keeps each parameter's state between steps.
    final class CountingSGD: OptimizerBase<Int> {
        override func update(_ parameter: inout Tensor<Float>, gradient: Tensor<Float>, state: inout Int?) {
            state = (state ?? 0) + 1
            parameter -= gradient * (learningRate * Float(state!))
        }
    }

    @Test("an optimizer of one's own is its rule on OptimizerBase")
    func customOptimizer() {
        let theta = Variable(Tensor<Float>([1, -2, 0]))
        let sign = SignSGD(parameters: [theta], learningRate: 0.5)
        theta.grad = Tensor([3, -0.1, 0])
        sign.step()
        #expect(theta.value == Tensor([0.5, -1.5, 0]) && sign.stepCount == 1)
        let a = Variable(Tensor<Float>(0)), b = Variable(Tensor<Float>(0))
        let counting = CountingSGD(parameters: [a, b], learningRate: 1)
        for step in 0..<3 {
            a.grad = Tensor(1)
            b.grad = step == 1 ? nil : Tensor(1)
            counting.step()
        }
        #expect(a.scalar == -6 && b.scalar == -3)   // a: 1 + 2 + 3; b skipped once: 1 + 2
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
