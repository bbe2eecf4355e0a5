import Foundation

/// What `fit` measured in each epoch it ran.
public struct History: Sendable {
    /// The mean training loss of each epoch.
    public internal(set) var loss: [Float] = []
    /// The training accuracy of each epoch (classification losses).
    public internal(set) var accuracy: [Float] = []
    /// The validation loss after each epoch (when validation data was given).
    public internal(set) var validationLoss: [Float] = []
    /// The validation accuracy after each epoch.
    public internal(set) var validationAccuracy: [Float] = []
    /// The learning rate used in each epoch.
    public internal(set) var learningRate: [Float] = []
    /// The number of epochs run.
    public var epochs: Int { loss.count }
}

/// The measurements of one epoch, handed to callbacks.
public struct EpochLogs: Sendable {
    /// The epoch (0-based).
    public let epoch: Int
    /// The mean training loss of the epoch.
    public let loss: Float
    /// The training accuracy, for classification losses.
    public let accuracy: Float?
    /// The validation loss, when validation data was given.
    public let validationLoss: Float?
    /// The validation accuracy, when validation data was given.
    public let validationAccuracy: Float?

    /// The measurements of one epoch.
    public init(epoch: Int, loss: Float, accuracy: Float?, validationLoss: Float?, validationAccuracy: Float?) {
        self.epoch = epoch
        self.loss = loss
        self.accuracy = accuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
    }
}

/// Code run by `fit` at the start and end of each epoch.
public protocol Callback: AnyObject {
    /// Before epoch `epoch` (0-based).
    func epochWillBegin(_ epoch: Int, model: any Layer, optimizer: any Optimizer)
    /// After an epoch; return true to stop training.
    func epochDidEnd(_ logs: EpochLogs, model: any Layer, optimizer: any Optimizer) -> Bool
    /// After the last epoch.
    func trainingDidEnd(model: any Layer)
}

extension Callback {
    /// Does nothing by default.
    public func epochWillBegin(_ epoch: Int, model: any Layer, optimizer: any Optimizer) {}
    /// Never stops training by default.
    public func epochDidEnd(_ logs: EpochLogs, model: any Layer, optimizer: any Optimizer) -> Bool { false }
    /// Does nothing by default.
    public func trainingDidEnd(model: any Layer) {}
}

/// Stops training when the monitored loss has not improved by more than `minDelta` for `patience` epochs
/// (Keras' `EarlyStopping`); with `restoreBest`, puts back the parameters of the best epoch at the end.
public final class EarlyStopping: Callback {
    /// Which loss early stopping watches.
    public enum Monitor: Sendable {
        /// The loss on the validation data (the default).
        case validationLoss
        /// The training loss.
        case loss
    }
    /// Epochs without improvement before stopping.
    public let patience: Int
    /// The smallest decrease that counts as an improvement.
    public let minDelta: Float
    /// Whether the best epoch's parameters are restored at the end.
    public let restoreBest: Bool
    /// The loss watched.
    public let monitor: Monitor
    /// The best value seen and its epoch.
    public private(set) var best: Float = .infinity
    /// The epoch of the best value (-1 before any).
    public private(set) var bestEpoch = -1
    /// The epoch after which training was stopped, if it was.
    public private(set) var stoppedEpoch: Int?
    private var wait = 0
    private var bestParameters: [Tensor<Float>] = []

    /// - Parameters:
    ///   - patience: epochs without improvement before stopping.
    ///   - minDelta: the smallest decrease that counts as an improvement.
    ///   - restoreBest: restore the parameters of the best epoch when training ends.
    ///   - monitor: the validation loss (default; the training loss when no validation data is given).
    public init(patience: Int, minDelta: Float = 0, restoreBest: Bool = false, monitor: Monitor = .validationLoss) {
        self.patience = patience
        self.minDelta = minDelta
        self.restoreBest = restoreBest
        self.monitor = monitor
    }

    /// At epoch 0, forgets what an earlier run of `fit` recorded (best loss, waiting count).
    public func epochWillBegin(_ epoch: Int, model: any Layer, optimizer: any Optimizer) {
        if epoch == 0 {
            best = .infinity
            bestEpoch = -1
            wait = 0
            stoppedEpoch = nil
        }
    }

    /// Records the monitored loss (and the best parameters); true once `patience` epochs passed without improvement.
    public func epochDidEnd(_ logs: EpochLogs, model: any Layer, optimizer: any Optimizer) -> Bool {
        let value = monitor == .validationLoss ? (logs.validationLoss ?? logs.loss) : logs.loss
        if value < best - minDelta {
            best = value
            bestEpoch = logs.epoch
            wait = 0
            if restoreBest { bestParameters = model.parameters.map(\.value) }
            return false
        }
        wait += 1
        if wait >= patience {
            stoppedEpoch = logs.epoch
            return true
        }
        return false
    }

    /// With `restoreBest`, puts back the parameters of the best epoch.
    public func trainingDidEnd(model: any Layer) {
        guard restoreBest, !bestParameters.isEmpty else { return }
        withoutGradients {
            for (p, v) in zip(model.parameters, bestParameters) { p.value = v }
        }
    }
}

/// Sets the optimizer's learning rate at the start of each epoch from a schedule and the initial rate.
public final class LearningRateScheduler: Callback {
    /// The schedule applied after the warm-up (or by the callback).
    public let schedule: any LearningRateSchedule
    private var base: Float?

    /// A callback applying `schedule` from the optimizer's initial rate.
    public init(_ schedule: any LearningRateSchedule) { self.schedule = schedule }

    /// Sets the optimizer's learning rate for this epoch from the schedule.
    public func epochWillBegin(_ epoch: Int, model: any Layer, optimizer: any Optimizer) {
        if epoch == 0 || base == nil { base = optimizer.learningRate }
        optimizer.learningRate = schedule.learningRate(epoch: epoch, base: base!)
    }
}
