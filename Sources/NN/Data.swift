// Data sets, mini-batches with seeded shuffling, splits, scaling and one-hot encoding.

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

    /// A seeded shuffle split: the first `trainCount` shuffled samples for training, the rest for testing.
    public func split(trainCount: Int, using generator: inout SeededGenerator) -> (train: Dataset, test: Dataset) {
        precondition(trainCount >= 0 && trainCount <= count, "Dataset.split: trainCount \(trainCount) of \(count) samples")
        let order = Array(0..<count).shuffled(using: &generator)
        return (subset(Array(order[..<trainCount])), subset(Array(order[trainCount...])))
    }

    /// A seeded shuffle split keeping `testFraction` of the samples for testing.
    public func split(testFraction: Double, using generator: inout SeededGenerator) -> (train: Dataset, test: Dataset) {
        split(trainCount: count - Int((Double(count) * testFraction).rounded()), using: &generator)
    }
}

/// Mini-batches of a data set, reshuffled (deterministically, from its generator) on every pass.
///
/// ```swift
/// var loader = DataLoader(dataset, batchSize: 32, shuffle: true, generator: SeededGenerator(seed: 0))
/// for batch in loader { … }      // each pass over the loader is one epoch
/// ```
public struct DataLoader: Sequence {
    /// The data set the batches come from.
    public let dataset: Dataset
    /// The number of samples of a full batch.
    public let batchSize: Int
    /// Whether each pass visits the samples in a new seeded order.
    public let shuffle: Bool
    /// Whether a last batch smaller than `batchSize` is dropped (kept by default).
    public let dropLast: Bool
    private let state: GeneratorBox

    /// Batches of `dataset`, shuffled from `generator` (or from a seed drawn from the thread's default generator).
    public init(_ dataset: Dataset, batchSize: Int, shuffle: Bool = true, dropLast: Bool = false,
                generator: SeededGenerator? = nil) {
        precondition(batchSize > 0, "DataLoader: batchSize must be positive; got \(batchSize)")
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        state = GeneratorBox(generator ?? withDefaultGenerator { SeededGenerator(seed: $0.next()) })
    }

    /// The number of batches in one pass.
    public var batchCount: Int {
        dropLast ? dataset.count / batchSize : (dataset.count + batchSize - 1) / batchSize
    }

    /// The sample indices of each batch of the next pass.
    public func nextOrder() -> [[Int]] {
        let order = shuffle ? Array(0..<dataset.count).shuffled(using: &state.generator) : Array(0..<dataset.count)
        return (0..<batchCount).map { b in Array(order[(b * batchSize)..<Swift.min((b + 1) * batchSize, order.count)]) }
    }

    /// The batches of one pass over the data, in this loader's order.
    public func makeIterator() -> IndexingIterator<[Dataset]> {
        nextOrder().map { dataset.subset($0) }.makeIterator()
    }
}

final class GeneratorBox {
    var generator: SeededGenerator
    init(_ generator: SeededGenerator) { self.generator = generator }
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
