/// RMSProp, as in PyTorch's `torch.optim.RMSprop`:
///
/// ```
/// v ← αv + (1 − α)g²
/// θ ← θ − η·g / (√v + ε)            (with momentum μ: b ← μb + g/(√v + ε), θ ← θ − η·b)
/// ```
///
/// Tieleman & Hinton, Lecture 6.5 of "Neural Networks for Machine Learning", Coursera, 2012.
public final class RMSProp: OptimizerBase<RMSProp.State> {
    /// The smoothing constant α of the running average of squared gradients (PyTorch's `alpha`): each step keeps
    /// α of the average and adds (1 − α)·g².
    public let alpha: Float
    /// The term ε added to the denominator for numerical stability.
    public let epsilon: Float
    /// The momentum μ (0: none).
    public let momentum: Float

    /// What RMSProp keeps per parameter.
    public struct State {
        /// The running average of squared gradients, v.
        public internal(set) var squareAverage: Tensor<Float>
        /// The momentum buffer b (nil without momentum).
        public internal(set) var momentumBuffer: Tensor<Float>?
    }

    /// An optimizer for `parameters` (PyTorch's defaults).
    public init(parameters: [Variable<Float>], learningRate: Float = 1e-2, alpha: Float = 0.99, epsilon: Float = 1e-8,
                momentum: Float = 0) {
        self.alpha = alpha
        self.epsilon = epsilon
        self.momentum = momentum
        super.init(parameters: parameters, learningRate: learningRate)
    }

    /// An optimizer for the parameters of `model`.
    public convenience init(for model: some Layer, learningRate: Float = 1e-2, alpha: Float = 0.99, epsilon: Float = 1e-8,
                            momentum: Float = 0) {
        self.init(parameters: model.parameters, learningRate: learningRate, alpha: alpha, epsilon: epsilon, momentum: momentum)
    }

    /// The rule above (v starts at 0, so the first step's v is (1 − α)g²).
    public override func update(_ theta: inout Tensor<Float>, gradient g: Tensor<Float>, state: inout State?) {
        let v = state.map { $0.squareAverage * alpha + g * g * (1 - alpha) } ?? g * g * (1 - alpha)
        let eps = epsilon
        let scaled = Tensor.zip(g, v) { $0 / ($1.squareRoot() + eps) }
        if momentum != 0 {
            let b = state?.momentumBuffer.map { $0 * momentum + scaled } ?? scaled
            state = State(squareAverage: v, momentumBuffer: b)
            theta = theta - b * learningRate
        } else {
            state = State(squareAverage: v, momentumBuffer: nil)
            theta = theta - scaled * learningRate
        }
    }
}

/// AdaGrad, as in PyTorch's `torch.optim.Adagrad` (its defaults: no learning-rate decay, no weight decay, sums
/// starting at 0, ε = 10⁻¹⁰):
///
/// ```
/// g ← ∇θ + λθ                      (weight decay λ)
/// s ← s + g²                       (s starts at initialAccumulatorValue)
/// θ ← θ − η/(1 + (t − 1)·δ) · g / (√s + ε)     (learning-rate decay δ, t the parameter's step)
/// ```
///
/// Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and Stochastic Optimization",
/// JMLR 2011.
public final class AdaGrad: OptimizerBase<AdaGrad.State> {
    /// The term ε added to the denominator for numerical stability.
    public let epsilon: Float
    /// The learning-rate decay δ (PyTorch's `lr_decay`): step t uses η / (1 + (t − 1)·δ).
    public let learningRateDecay: Float
    /// The L2 weight decay λ added to the gradient.
    public let weightDecay: Float
    /// The value every sum of squares starts from (PyTorch's `initial_accumulator_value`).
    public let initialAccumulatorValue: Float

    /// What AdaGrad keeps per parameter.
    public struct State {
        /// The sum of squared gradients, s.
        public internal(set) var sum: Tensor<Float>
        /// How many updates this parameter received.
        public internal(set) var step: Int
    }

    /// An optimizer for `parameters` (PyTorch's defaults).
    public init(parameters: [Variable<Float>], learningRate: Float = 1e-2, learningRateDecay: Float = 0,
                weightDecay: Float = 0, initialAccumulatorValue: Float = 0, epsilon: Float = 1e-10) {
        self.epsilon = epsilon
        self.learningRateDecay = learningRateDecay
        self.weightDecay = weightDecay
        self.initialAccumulatorValue = initialAccumulatorValue
        super.init(parameters: parameters, learningRate: learningRate)
    }

    /// An optimizer for the parameters of `model`.
    public convenience init(for model: some Layer, learningRate: Float = 1e-2, learningRateDecay: Float = 0,
                            weightDecay: Float = 0, initialAccumulatorValue: Float = 0, epsilon: Float = 1e-10) {
        self.init(parameters: model.parameters, learningRate: learningRate, learningRateDecay: learningRateDecay,
                  weightDecay: weightDecay, initialAccumulatorValue: initialAccumulatorValue, epsilon: epsilon)
    }

    /// The rule above.
    public override func update(_ theta: inout Tensor<Float>, gradient: Tensor<Float>, state: inout State?) {
        var g = gradient
        if weightDecay != 0 { g += theta * weightDecay }
        var s = state ?? State(sum: Tensor(repeating: initialAccumulatorValue, shape: g.shape), step: 0)
        s.step += 1
        s.sum = s.sum + g * g
        let rate = learningRate / (1 + Float(s.step - 1) * learningRateDecay)
        let eps = epsilon
        theta = theta - Tensor.zip(g, s.sum) { $0 / ($1.squareRoot() + eps) } * rate
        state = s
    }
}
