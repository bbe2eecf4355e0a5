/// RMSProp, as in PyTorch's `torch.optim.RMSprop`:
///
/// ```
/// v ← αv + (1 − α)g²
/// θ ← θ − η·g / (√v + ε)            (with momentum μ: b ← μb + g/(√v + ε), θ ← θ − η·b)
/// ```
///
/// Tieleman & Hinton, Lecture 6.5 of "Neural Networks for Machine Learning", Coursera, 2012.
public final class RMSProp: Optimizer {
    public let parameters: [Variable<Float>]
    public var learningRate: Float
    /// The slope for negative inputs.
    public let alpha: Float
    /// The term ε added to the denominator for numerical stability.
    public let epsilon: Float
    /// The momentum μ (0: none).
    public let momentum: Float
    private var squares: Slots
    private var buffers: Slots

    /// An optimizer for `parameters` (PyTorch's defaults).
    public init(parameters: [Variable<Float>], learningRate: Float = 1e-2, alpha: Float = 0.99, epsilon: Float = 1e-8,
                momentum: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.alpha = alpha
        self.epsilon = epsilon
        self.momentum = momentum
        squares = Slots(count: parameters.count)
        buffers = Slots(count: parameters.count)
    }

    /// An optimizer for the parameters of `model`.
    public convenience init(for model: some Layer, learningRate: Float = 1e-2, alpha: Float = 0.99, epsilon: Float = 1e-8,
                            momentum: Float = 0) {
        self.init(parameters: model.parameters, learningRate: learningRate, alpha: alpha, epsilon: epsilon, momentum: momentum)
    }

    public func step() {
        for (i, p) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            let v = squares.values[i].map { $0 * alpha + g * g * (1 - alpha) } ?? g * g * (1 - alpha)
            squares.values[i] = v
            let eps = epsilon
            let scaled = Tensor.zip(g, v) { $0 / ($1.squareRoot() + eps) }
            if momentum != 0 {
                let b = buffers.values[i].map { $0 * momentum + scaled } ?? scaled
                buffers.values[i] = b
                p.value = p.value - b * learningRate
            } else {
                p.value = p.value - scaled * learningRate
            }
        }
    }
}

/// AdaGrad, as in PyTorch's `torch.optim.Adagrad`: s ← s + g², θ ← θ − η·g / (√s + ε).
///
/// Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and Stochastic Optimization",
/// JMLR 2011.
public final class AdaGrad: Optimizer {
    public let parameters: [Variable<Float>]
    public var learningRate: Float
    /// The term ε added to the denominator for numerical stability.
    public let epsilon: Float
    private var sums: Slots

    /// An optimizer for `parameters` (PyTorch's defaults).
    public init(parameters: [Variable<Float>], learningRate: Float = 1e-2, epsilon: Float = 1e-10) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.epsilon = epsilon
        sums = Slots(count: parameters.count)
    }

    /// An optimizer for the parameters of `model`.
    public convenience init(for model: some Layer, learningRate: Float = 1e-2, epsilon: Float = 1e-10) {
        self.init(parameters: model.parameters, learningRate: learningRate, epsilon: epsilon)
    }

    public func step() {
        for (i, p) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            let s = sums.values[i].map { $0 + g * g } ?? g * g
            sums.values[i] = s
            let eps = epsilon
            p.value = p.value - Tensor.zip(g, s) { $0 / ($1.squareRoot() + eps) } * learningRate
        }
    }
}
