internal import CKernels
/// Adam, as in PyTorch's `torch.optim.Adam` (weight decay added to the gradient, "L2"):
///
/// ```
/// g ← ∇θ + λθ
/// m ← β₁m + (1 − β₁)g        v ← β₂v + (1 − β₂)g²
/// θ ← θ − η · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
/// ```
///
/// t counts the parameter's own updates, as in PyTorch (a parameter without a gradient at some step does not
/// advance).
///
/// A moment smaller in magnitude than the smallest normal `Float` (about 1.2·10⁻³⁸) is set to 0. The moments
/// of a parameter whose gradient stays 0 (a weight of a pixel that is blank in every image) decay towards
/// that range, where subnormal arithmetic is some 100× slower on x86; the update changes by less than
/// 10⁻³⁸·η. (XLA flushes subnormals on the CPU too; PyTorch by default does not.)
///
/// Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, <https://arxiv.org/abs/1412.6980>.
public class Adam: OptimizerBase<Adam.State> {
    /// The decay rate of the first-moment (mean) estimate, β₁.
    public let beta1: Float
    /// The decay rate of the second-moment estimate, β₂.
    public let beta2: Float
    /// The term ε added to the denominator for numerical stability.
    public let epsilon: Float
    /// The L2 weight decay λ added to the gradient.
    public let weightDecay: Float
    /// The decay applied to the parameters themselves before the step, θ ← θ(1 − ηλ): AdamW's; 0 for Adam.
    let decoupledDecay: Float
    /// The bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ of the last t they were worked out for.
    private var corrections: (step: Int, first: Float, second: Float) = (0, 0, 0)

    /// What Adam keeps per parameter.
    public struct State {
        /// The first-moment estimate m.
        public internal(set) var firstMoment: Tensor<Float>
        /// The second-moment estimate v.
        public internal(set) var secondMoment: Tensor<Float>
        /// How many updates this parameter received (t).
        public internal(set) var step: Int
    }

    init(parameters: [Variable<Float>], learningRate: Float, beta1: Float, beta2: Float, epsilon: Float,
         weightDecay: Float, decoupledDecay: Float) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledDecay = decoupledDecay
        super.init(parameters: parameters, learningRate: learningRate)
    }

    /// An optimizer for `parameters` (PyTorch's defaults).
    public convenience init(parameters: [Variable<Float>], learningRate: Float = 1e-3, beta1: Float = 0.9,
                            beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.init(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                  weightDecay: weightDecay, decoupledDecay: 0)
    }

    /// An optimizer for the parameters of `model`.
    public convenience init(for model: some Layer, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                            epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.init(parameters: model.parameters, learningRate: learningRate, beta1: beta1, beta2: beta2,
                  epsilon: epsilon, weightDecay: weightDecay)
    }

    /// The numbers one update uses.
    struct Hyperparameters {
        var beta1, beta2, learningRate, epsilon, weightDecay, decoupledDecay: Float
        /// The bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ.
        var correction1, correction2: Float
    }

    /// The rule above, in one pass over the elements that updates the moments in place: the vector kernel
    /// (`autodiff_adam_update`, in C) takes what it can when there is no weight decay, and the reference loop
    /// (`referenceUpdate`) the rest, with the same operations in the same order (same bits).
    public override func update(_ theta: inout Tensor<Float>, gradient: Tensor<Float>, state: inout State?) {
        var s = state ?? State(firstMoment: .zeros(like: gradient), secondMoment: .zeros(like: gradient), step: 0)
        state = nil   // `s` alone refers to the moments: they are written in place
        s.step += 1
        if corrections.step != s.step {   // the parameters of one step share t: the powers once per step
            let t = Float(s.step)
            corrections = (s.step, 1 - pow(beta1, t), 1 - pow(beta2, t))
        }
        let h = Hyperparameters(beta1: beta1, beta2: beta2, learningRate: learningRate, epsilon: epsilon,
                                weightDecay: weightDecay, decoupledDecay: decoupledDecay,
                                correction1: corrections.first, correction2: corrections.second)
        theta.withUnsafeMutableBufferPointer { th in
            s.firstMoment.withUnsafeMutableBufferPointer { m in
                s.secondMoment.withUnsafeMutableBufferPointer { v in
                    gradient.withUnsafeBufferPointer { g in
                        let done = h.weightDecay == 0 && h.decoupledDecay == 0
                            ? autodiff_adam_update(th.baseAddress, m.baseAddress, v.baseAddress, g.baseAddress, th.count,
                                                   h.beta1, h.beta2, h.learningRate, h.epsilon, h.correction1, h.correction2)
                            : 0
                        Adam.referenceUpdate(th, m, v, g, from: done, h)
                    }
                }
            }
        }
        state = s
    }

    /// Adam's update of elements `start...`, one at a time, exactly as the formulas above read: the reference
    /// the vector kernel is tested against, bit for bit.
    static func referenceUpdate(_ theta: UnsafeMutableBufferPointer<Float>, _ m: UnsafeMutableBufferPointer<Float>,
                                _ v: UnsafeMutableBufferPointer<Float>, _ g: UnsafeBufferPointer<Float>, from start: Int,
                                _ h: Hyperparameters) {
        for k in start..<theta.count {
            let original = theta[k]
            var gk = g[k]
            if h.weightDecay != 0 { gk = gk + original * h.weightDecay }
            var value = original
            if h.decoupledDecay != 0 { value = value * (1 - h.learningRate * h.decoupledDecay) }
            var mk = m[k] * h.beta1 + gk * (1 - h.beta1)
            var vk = v[k] * h.beta2 + gk * gk * (1 - h.beta2)
            if Swift.abs(mk) < .leastNormalMagnitude { mk = 0 }
            if Swift.abs(vk) < .leastNormalMagnitude { vk = 0 }
            m[k] = mk
            v[k] = vk
            theta[k] = value - h.learningRate * (mk / h.correction1) / ((vk / h.correction2).squareRoot() + h.epsilon)
        }
    }
}

/// AdamW: Adam with weight decay decoupled from the gradient, as in PyTorch's `torch.optim.AdamW` (its
/// defaults: β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸, λ = 0.01):
///
/// ```
/// θ ← θ·(1 − ηλ)
/// then Adam's step (with no L2 term)
/// ```
///
/// Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019, <https://arxiv.org/abs/1711.05101>.
public final class AdamW: Adam {
    /// The decoupled weight decay λ (PyTorch's `weight_decay` of AdamW).
    public var decoupledWeightDecay: Float { decoupledDecay }

    /// An optimizer for `parameters` (PyTorch's defaults).
    public init(parameters: [Variable<Float>], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, decoupledWeightDecay: Float = 0.01) {
        super.init(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                   weightDecay: 0, decoupledDecay: decoupledWeightDecay)
    }

    /// An optimizer for the parameters of `model`.
    public convenience init(for model: some Layer, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                            epsilon: Float = 1e-8, decoupledWeightDecay: Float = 0.01) {
        self.init(parameters: model.parameters, learningRate: learningRate, beta1: beta1, beta2: beta2,
                  epsilon: epsilon, decoupledWeightDecay: decoupledWeightDecay)
    }
}

func pow(_ x: Float, _ y: Float) -> Float { Float.pow(x, y) }
