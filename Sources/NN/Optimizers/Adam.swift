/// Adam, as in PyTorch's `torch.optim.Adam` (weight decay added to the gradient, "L2"):
///
/// ```
/// g ← ∇θ + λθ
/// m ← β₁m + (1 − β₁)g        v ← β₂v + (1 − β₂)g²
/// θ ← θ − η · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
/// ```
///
/// Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, <https://arxiv.org/abs/1412.6980>.
public class Adam: Optimizer {
    public let parameters: [Variable<Float>]
    public var learningRate: Float
    /// The decay rate of the first-moment (mean) estimate, β₁.
    public let beta1: Float
    /// The decay rate of the second-moment estimate, β₂.
    public let beta2: Float
    /// The term ε added to the denominator for numerical stability.
    public let epsilon: Float
    /// The L2 weight decay λ added to the gradient.
    public let weightDecay: Float
    /// The number of steps taken.
    public private(set) var stepCount = 0
    private var m: Slots
    private var v: Slots

    /// An optimizer for `parameters` (PyTorch's defaults).
    public init(parameters: [Variable<Float>], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        m = Slots(count: parameters.count)
        v = Slots(count: parameters.count)
    }

    /// An optimizer for the parameters of `model`.
    public convenience init(for model: some Layer, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                            epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.init(parameters: model.parameters, learningRate: learningRate, beta1: beta1, beta2: beta2,
                  epsilon: epsilon, weightDecay: weightDecay)
    }

    /// Weight decay applied directly to the parameters before the step (AdamW); 0 for Adam.
    var decoupledDecay: Float { 0 }

    public func step() {
        stepCount += 1
        let t = Float(stepCount)
        let correction1 = 1 - pow(beta1, t), correction2 = 1 - pow(beta2, t)
        for (i, p) in parameters.enumerated() {
            guard var g = p.grad else { continue }
            var theta = p.value
            if decoupledDecay != 0 { theta = theta * (1 - learningRate * decoupledDecay) }
            if weightDecay != 0 { g += p.value * weightDecay }
            let mi = m.values[i].map { $0 * beta1 + g * (1 - beta1) } ?? g * (1 - beta1)
            let vi = v.values[i].map { $0 * beta2 + g * g * (1 - beta2) } ?? g * g * (1 - beta2)
            m.values[i] = mi
            v.values[i] = vi
            let eta = learningRate, eps = epsilon
            theta = Tensor.zip(theta, Tensor.zip(mi, vi) { a, b in
                eta * (a / correction1) / ((b / correction2).squareRoot() + eps)
            }) { $0 - $1 }
            p.value = theta
        }
    }
}

/// AdamW: Adam with weight decay decoupled from the gradient (θ ← θ − ηλθ before the Adam step), as in
/// PyTorch's `torch.optim.AdamW` (default λ = 0.01).
///
/// Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019, <https://arxiv.org/abs/1711.05101>.
public final class AdamW: Adam {
    private let decay: Float

    /// An optimizer for `parameters` (PyTorch's defaults).
    public init(parameters: [Variable<Float>], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, decoupledWeightDecay: Float = 0.01) {
        decay = decoupledWeightDecay
        super.init(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon)
    }

    /// An optimizer for the parameters of `model`.
    public convenience init(for model: some Layer, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                            epsilon: Float = 1e-8, decoupledWeightDecay: Float = 0.01) {
        self.init(parameters: model.parameters, learningRate: learningRate, beta1: beta1, beta2: beta2,
                  epsilon: epsilon, decoupledWeightDecay: decoupledWeightDecay)
    }

    override var decoupledDecay: Float { decay }
}

func pow(_ x: Float, _ y: Float) -> Float { Float._pow(x, y) }
