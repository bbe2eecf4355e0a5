/// Batch normalization (Ioffe & Szegedy, 2015), PyTorch's `nn.BatchNorm1d` / `nn.BatchNorm2d`: each feature
/// (axis 1) of `[N, C]`, `[N, C, L]` or `[N, C, H, W]` inputs is normalized, then scaled and shifted:
///
/// ```
/// y = (x − μ) / √(σ² + ε) · weight + bias
/// ```
///
/// In training mode μ and σ² are the batch's mean and (biased) variance over every axis but 1, and the running
/// statistics move towards them: `running = (1 − momentum)·running + momentum·batch`, with the *unbiased*
/// variance (n/(n − 1)·σ², n the number of values per feature) for `running_var`, and `num_batches_tracked`
/// counts the batches. In evaluation mode μ and σ² are the running statistics. The parameters `weight` (ones)
/// and `bias` (zeros) train; `running_mean`, `running_var` (F32) and `num_batches_tracked` (I64) are buffers,
/// saved in parameter files under PyTorch's names.
///
/// As in PyTorch, `affine: false` leaves out the scale and shift (no parameters: `weight` and `bias` stay ones
/// and zeros, untrained and unsaved), and `trackRunningStatistics: false` (`track_running_stats=False`) keeps no
/// running statistics (no buffers): the batch's statistics are used in evaluation mode too.
public final class BatchNorm: CallerLocatingLayer {
    /// The scale γ, `[featureCount]`.
    public let weight: Variable<Float>
    /// The shift β, `[featureCount]`.
    public let bias: Variable<Float>
    /// The running mean, `[featureCount]` (F32).
    public let runningMean: Buffer
    /// The running unbiased variance, `[featureCount]` (F32).
    public let runningVariance: Buffer
    /// The number of training batches seen (I64, rank 0).
    public let batchesTracked: Buffer
    /// The weight of each new batch in the running statistics.
    public let momentum: Float
    /// Added to the variance before the square root.
    public let epsilon: Float
    /// Whether `weight` and `bias` scale and shift the normalized features (PyTorch's `affine`).
    public let affine: Bool
    /// Whether running statistics are kept and used in evaluation mode (PyTorch's `track_running_stats`).
    public let tracksRunningStatistics: Bool
    /// Whether batch statistics are used (and the running ones updated).
    public private(set) var isTraining = true

    /// A layer normalizing `featureCount` features (the channels of images); `affine: false` without a trained
    /// scale and shift, `trackRunningStatistics: false` with the batch's statistics in evaluation mode too.
    public init(featureCount: Int, momentum: Float = 0.1, epsilon: Float = 1e-5, affine: Bool = true,
                trackRunningStatistics: Bool = true) {
        precondition(featureCount >= 1, "BatchNorm(featureCount:): the feature count must be ≥ 1; got \(featureCount)")
        weight = Variable(Tensor<Float>.ones(shape: [featureCount]), requiresGrad: affine)
        bias = Variable(Tensor<Float>.zeros(shape: [featureCount]), requiresGrad: affine)
        self.affine = affine
        tracksRunningStatistics = trackRunningStatistics
        runningMean = Buffer(.zeros(shape: [featureCount]))
        runningVariance = Buffer(.ones(shape: [featureCount]))
        batchesTracked = Buffer(Tensor(0), dtype: .int64)
        self.momentum = momentum
        self.epsilon = epsilon
    }

    /// The number of features.
    public var featureCount: Int { weight.shape[0] }

    /// Training mode normalizes with the batch's statistics and updates the running ones; evaluation mode uses the running ones.
    public func setTraining(_ training: Bool) { isTraining = training }

    /// The normalized input. An input whose axis 1 is not `featureCount` (or of rank < 2 or > 4), or a batch with
    /// one value per feature where batch statistics are needed, stops with a message naming the layer, its place and the caller's line.
    public func callAsFunction(_ input: Variable<Float>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Float> {
        let name = "BatchNorm(featureCount: \(featureCount))"
        guard (2...4).contains(input.rank), input.shape[1] == featureCount else {
            layerError(name, "expects [N, \(featureCount)] or [N, \(featureCount), H, W], got an input of shape \(input.shape)",
                       fix: input.rank >= 2 ? "make the layer normalize \(input.shape[1]) features (or check the layer before it)"
                                            : "give a batch: features on axis 1", file: file, line: line)
        }
        // Features as rows: [N, C] stays as it is (a statistic per column); [N, C, …] is viewed as [N·C, L], one row
        // per sample and feature, so that a statistic is a column repeated over the rows of its feature. Either
        // way every broadcast against the full-size input is a plain row or column one.
        let n = input.shape[0], c = featureCount, positions = input.scalarCount / max(n * c, 1)
        let rows = input.rank == 2 ? input : input.reshaped(to: [n * c, positions])
        func perFeature<T: PerFeature>(_ v: T) -> T { input.rank == 2 ? v : v.perRow(n: n, c: c) }
        func statistic(_ x: Variable<Float>) -> Variable<Float> {
            input.rank == 2 ? x.mean(alongAxes: 0) : x.reshaped(to: [n, c, positions]).mean(alongAxes: 0, 2)
        }
        let out: Variable<Float>
        if isTraining || !tracksRunningStatistics {
            let count = n * positions
            if count < 2 {
                layerError(name, "\(isTraining ? "in training mode" : "without running statistics") it needs more than one value per feature to compute a variance; got an input of shape \(input.shape)",
                           fix: isTraining ? "train with batches of 2 or more samples, or call eval() on the model"
                                           : "give batches of 2 or more samples (or make the layer with trackRunningStatistics: true)",
                           file: file, line: line)
            }
            let mean = statistic(input)
            let centered = rows - perFeature(mean)
            let variance = statistic(centered * centered)
            // One scale per feature, γ/√(σ² + ε): the full-size input meets two broadcasts.
            out = centered * perFeature(weight / sqrt(variance + epsilon)) + perFeature(bias)
            if isTraining && tracksRunningStatistics {
                // The running statistics, in Float like PyTorch's: the batch variance made unbiased.
                let m = momentum, correction = Float(count) / Float(count - 1)
                runningMean.value = Tensor<Double>(Tensor<Float>(runningMean.value) * (1 - m) + mean.value * m)
                runningVariance.value = Tensor<Double>(Tensor<Float>(runningVariance.value) * (1 - m) + variance.value * correction * m)
                batchesTracked.value = Tensor(batchesTracked.value.scalar + 1)
            }
        } else {
            let mean = Tensor<Float>(runningMean.value), std = sqrt(Tensor<Float>(runningVariance.value) + epsilon)
            out = (rows - perFeature(mean)) * perFeature(weight / std) + perFeature(bias)
        }
        return input.rank == 2 ? out : out.reshaped(to: input.shape)
    }

    /// `weight` (the scale γ) and `bias` (the shift β), under PyTorch's names; none when `affine` is false.
    public var namedParameters: [(name: String, parameter: Variable<Float>)] { affine ? [("weight", weight), ("bias", bias)] : [] }

    /// `running_mean`, `running_var` and `num_batches_tracked`, under PyTorch's names; none without running statistics.
    public var namedBuffers: [(name: String, buffer: Buffer)] {
        guard tracksRunningStatistics else { return [] }
        return [("running_mean", runningMean), ("running_var", runningVariance), ("num_batches_tracked", batchesTracked)]
    }
}

/// A per-feature statistic `[C]` as the column `[N·C, 1]` of the input viewed as `[N·C, L]`.
protocol PerFeature {
    func perRow(n: Int, c: Int) -> Self
}

extension Variable: PerFeature where Scalar == Float {
    func perRow(n: Int, c: Int) -> Variable { reshaped(to: [1, c]).broadcasted(to: [n, c]).reshaped(to: [n * c, 1]) }
}

extension Tensor: PerFeature where Scalar == Float {
    func perRow(n: Int, c: Int) -> Tensor { reshaped(to: [1, c]).broadcasted(to: [n, c]).reshaped(to: [n * c, 1]) }
}
