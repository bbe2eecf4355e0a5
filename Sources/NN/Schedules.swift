// Learning-rate schedules: the rate for each epoch (0-based) from the base rate.

/// A rule giving the learning rate of each epoch.
public protocol LearningRateSchedule: Sendable {
    /// The learning rate for `epoch` (0-based), starting from `base`.
    func learningRate(epoch: Int, base: Float) -> Float
}

/// Multiplies the rate by `gamma` every `stepSize` epochs (PyTorch's `StepLR`).
public struct StepDecay: LearningRateSchedule {
    /// The number of epochs between decays, and the factor γ applied at each.
    public let stepSize: Int, gamma: Float
    /// A schedule multiplying the rate by `gamma` every `stepSize` epochs.
    public init(stepSize: Int, gamma: Float = 0.1) {
        precondition(stepSize > 0, "StepDecay: stepSize must be positive")
        self.stepSize = stepSize
        self.gamma = gamma
    }
    /// base · γ^⌊epoch / stepSize⌋.
    public func learningRate(epoch: Int, base: Float) -> Float { base * pow(gamma, Float(epoch / stepSize)) }
}

/// Multiplies the rate by `gamma` every epoch (PyTorch's `ExponentialLR`).
public struct ExponentialDecay: LearningRateSchedule {
    /// The factor γ applied every epoch.
    public let gamma: Float
    /// A schedule multiplying the rate by `gamma` every epoch.
    public init(gamma: Float) { self.gamma = gamma }
    /// base · γ^epoch.
    public func learningRate(epoch: Int, base: Float) -> Float { base * pow(gamma, Float(epoch)) }
}

/// Cosine annealing from the base rate down to `minimum` over `period` epochs (PyTorch's `CosineAnnealingLR`):
/// η = min + (base − min)(1 + cos(π·epoch/period))/2.
///
/// Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017.
public struct CosineAnnealing: LearningRateSchedule {
    /// The number of epochs from the base rate to the minimum, and the minimum rate.
    public let period: Int, minimum: Float
    /// A schedule annealing from the base rate to `minimum` over `period` epochs.
    public init(period: Int, minimum: Float = 0) {
        precondition(period > 0, "CosineAnnealing: period must be positive")
        self.period = period
        self.minimum = minimum
    }
    /// Cosine annealing from `base` towards the minimum over `period` epochs.
    public func learningRate(epoch: Int, base: Float) -> Float {
        let t = Float(Swift.min(epoch, period)) / Float(period)
        return minimum + (base - minimum) * (1 + Float.cos(Float.pi * t)) / 2
    }
}

/// A linear warm-up from base/epochs to the base rate over the first `epochs`, then `schedule`
/// (counting its epochs from the end of the warm-up).
public struct Warmup: LearningRateSchedule {
    /// The number of warm-up epochs.
    public let epochs: Int
    /// The schedule applied after the warm-up (or by the callback).
    public let schedule: any LearningRateSchedule
    /// A linear warm-up over `epochs`, then `schedule`.
    public init(epochs: Int, then schedule: any LearningRateSchedule = ExponentialDecay(gamma: 1)) {
        precondition(epochs > 0, "Warmup: epochs must be positive")
        self.epochs = epochs
        self.schedule = schedule
    }
    /// base · (epoch + 1) / epochs during the warm-up, then the wrapped schedule from its own epoch 0.
    public func learningRate(epoch: Int, base: Float) -> Float {
        epoch < epochs ? base * Float(epoch + 1) / Float(epochs) : schedule.learningRate(epoch: epoch - epochs, base: base)
    }
}
