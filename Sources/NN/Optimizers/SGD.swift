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
public final class SGD: Optimizer {
    public let parameters: [Variable<Float>]
    public var learningRate: Float
    /// The momentum μ (0: none).
    public let momentum: Float
    /// Whether the momentum is Nesterov's.
    public let nesterov: Bool
    /// The L2 weight decay λ added to the gradient.
    public let weightDecay: Float
    private var buffers: Slots

    /// An optimizer for `parameters`.
    public init(parameters: [Variable<Float>], learningRate: Float, momentum: Float = 0, nesterov: Bool = false,
                weightDecay: Float = 0) {
        precondition(!nesterov || momentum > 0, "SGD: Nesterov momentum needs momentum > 0")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        buffers = Slots(count: parameters.count)
    }

    /// An optimizer for the parameters of `model`.
    public convenience init(for model: some Layer, learningRate: Float, momentum: Float = 0, nesterov: Bool = false,
                            weightDecay: Float = 0) {
        self.init(parameters: model.parameters, learningRate: learningRate, momentum: momentum, nesterov: nesterov,
                  weightDecay: weightDecay)
    }

    public func step() {
        for (i, p) in parameters.enumerated() {
            guard var g = p.grad else { continue }
            let theta = p.value
            if weightDecay != 0 { g += theta * weightDecay }
            if momentum != 0 {
                let b = buffers.values[i].map { $0 * momentum + g } ?? g
                buffers.values[i] = b
                g = nesterov ? g + b * momentum : b
            }
            p.value = theta - g * learningRate
        }
    }
}
