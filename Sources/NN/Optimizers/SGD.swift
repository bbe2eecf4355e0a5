/// Stochastic gradient descent, with optional momentum (heavy ball or Nesterov) and weight decay, as in
/// PyTorch's `torch.optim.SGD`:
///
/// ```
/// g ← ∇θ + λθ
/// b ← μ·b + g            (b = g on the first step)
/// g ← g + μ·b  (Nesterov)   or   g ← b
/// θ ← θ − η·g
/// ```
///
/// Sutskever et al., "On the importance of initialization and momentum in deep learning", ICML 2013.
public final class SGD: OptimizerBase<Tensor<Float>> {
    /// The momentum μ (0: none).
    public let momentum: Float
    /// Whether the momentum is Nesterov's.
    public let nesterov: Bool
    /// The L2 weight decay λ added to the gradient.
    public let weightDecay: Float

    /// An optimizer for `parameters`.
    public init(parameters: [Variable<Float>], learningRate: Float, momentum: Float = 0, nesterov: Bool = false,
                weightDecay: Float = 0) {
        precondition(!nesterov || momentum > 0, "SGD: Nesterov momentum needs momentum > 0")
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        super.init(parameters: parameters, learningRate: learningRate)
    }

    /// An optimizer for the parameters of `model`.
    public convenience init(for model: some Layer, learningRate: Float, momentum: Float = 0, nesterov: Bool = false,
                            weightDecay: Float = 0) {
        self.init(parameters: model.parameters, learningRate: learningRate, momentum: momentum, nesterov: nesterov,
                  weightDecay: weightDecay)
    }

    /// The rule above; the state is the momentum buffer b.
    public override func update(_ theta: inout Tensor<Float>, gradient: Tensor<Float>, state buffer: inout Tensor<Float>?) {
        var g = gradient
        if weightDecay != 0 { g += theta * weightDecay }
        if momentum != 0 {
            let b = buffer.map { $0 * momentum + g } ?? g
            buffer = b
            g = nesterov ? g + b * momentum : b
        }
        theta = theta - g * learningRate
    }
}
