/// Randomly zeroes elements with probability `rate` during training and scales the others by 1/(1 − rate),
/// so the expected value is unchanged ("inverted" dropout, as in PyTorch); the identity in evaluation mode.
///
/// Srivastava et al., "Dropout: A Simple Way to Prevent Neural Networks from Overfitting", JMLR 2014.
public final class Dropout: Layer {
    /// The probability of zeroing an element.
    public let rate: Float
    /// Whether masks are drawn (training mode).
    public private(set) var isTraining = true
    private var generator: SeededGenerator?

    /// Dropout drawing its masks from `generator`, or from the current thread's default generator.
    public init(rate: Float, generator: SeededGenerator? = nil) {
        precondition(rate >= 0 && rate < 1, "Dropout(rate:): the rate must be in [0, 1); got \(rate)")
        self.rate = rate
        self.generator = generator
    }

    /// Training mode drops units; evaluation mode passes the input through.
    public func setTraining(_ training: Bool) { isTraining = training }

    /// In training, each element zeroed with probability `rate` and the rest scaled by 1 / (1 − rate); else `x`.
    public func callAsFunction(_ x: Variable<Float>) -> Variable<Float> {
        guard isTraining, rate > 0 else { return x }
        let keep = 1 - rate
        let scale = 1 / keep
        let draw: (inout SeededGenerator) -> Tensor<Float> = { rng in
            Tensor<Float>.randomUniform(shape: x.shape, using: &rng).map { $0 < keep ? scale : 0 }
        }
        let mask: Tensor<Float>
        if generator != nil { mask = draw(&generator!) } else { mask = withDefaultGenerator(draw) }
        return x * mask
    }
}
