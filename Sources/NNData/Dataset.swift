// Data sets, scaling and one-hot encoding (splits and mini-batches, which draw from a seeded generator, are in
// NN's Data.swift).

import TensorCore
import TensorLinearAlgebra
import TensorMath

/// Samples along axis 0 of `inputs`, with class labels (classification) or target values (regression and
/// binary losses).
public struct Dataset: Sendable {
    /// The inputs, one sample per row (axis 0).
    public var inputs: Tensor<Float>
    /// Class indices, one per sample, for classification.
    public var labels: [Int]?
    /// Target values, one row per sample, for regression and binary classification.
    public var targets: Tensor<Float>?

    /// A classification data set.
    public init(inputs: Tensor<Float>, labels: [Int]) {
        precondition(inputs.rank >= 1 && inputs.shape[0] == labels.count,
                     "Dataset: \(inputs.shape.first ?? 0) samples but \(labels.count) labels")
        self.inputs = inputs
        self.labels = labels
    }

    /// A data set with target values (regression, binary labels as 0/1).
    public init(inputs: Tensor<Float>, targets: Tensor<Float>) {
        precondition(inputs.rank >= 1 && targets.rank >= 1 && inputs.shape[0] == targets.shape[0],
                     "Dataset: \(inputs.shape.first ?? 0) samples but \(targets.shape.first ?? 0) targets")
        self.inputs = inputs
        self.targets = targets
    }

    /// The number of samples.
    public var count: Int { inputs.shape[0] }

    /// The samples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> Dataset {
        var copy = self
        copy.inputs = inputs.gathering(atIndices: indices, alongAxis: 0)
        copy.labels = labels.map { all in indices.map { all[$0] } }
        copy.targets = targets?.gathering(atIndices: indices, alongAxis: 0)
        return copy
    }
}

/// Per-feature standardization: (x − mean) / standard deviation, with the statistics of the data it was fit on.
public struct Standardizer: Sendable {
    /// The mean of each feature.
    public let mean: Tensor<Float>
    /// The standard deviation of each feature (1 for a constant one).
    public let standardDeviation: Tensor<Float>

    /// Statistics of each column (axis 1) of `inputs`; a constant column gets a deviation of 1.
    public init(fitting inputs: Tensor<Float>) {
        mean = inputs.mean(alongAxes: 0)
        let centered = inputs - mean
        standardDeviation = (centered * centered).mean(alongAxes: 0).map { $0 > 0 ? $0.squareRoot() : 1 }
    }

    /// `inputs` standardized with the fitted statistics: (inputs − mean) / standardDeviation, column by column.
    public func callAsFunction(_ inputs: Tensor<Float>) -> Tensor<Float> { (inputs - mean) / standardDeviation }
}

/// Per-feature min–max scaling to [0, 1], with the range of the data it was fit on.
public struct MinMaxScaler: Sendable {
    /// The smallest value of each feature.
    public let minimum: Tensor<Float>
    /// The range (maximum − minimum) of each feature (1 for a constant one).
    public let range: Tensor<Float>

    /// The range of each column of `inputs`; a constant column gets a range of 1.
    public init(fitting inputs: Tensor<Float>) {
        minimum = inputs.min(alongAxes: [0])
        range = (inputs.max(alongAxes: 0) - minimum).map { $0 > 0 ? $0 : 1 }
    }

    /// `inputs` scaled with the fitted range: (inputs − minimum) / range, column by column.
    public func callAsFunction(_ inputs: Tensor<Float>) -> Tensor<Float> { (inputs - minimum) / range }
}

/// Class indices as one-hot rows: `[labels.count, classes]`.
public func oneHot(_ labels: [Int], classes: Int) -> Tensor<Float> {
    var t = Tensor<Float>.zeros(shape: [labels.count, classes])
    t.withUnsafeMutableBufferPointer { buf in
        for (i, label) in labels.enumerated() {
            precondition(label >= 0 && label < classes, "oneHot: label \(label) is outside 0..<\(classes)")
            buf[i * classes + label] = 1
        }
    }
    return t
}
