// Mini-batches with seeded shuffling and seeded splits: the parts of data handling that draw from a generator
// (`Dataset`, the scalers and one-hot encoding are in NNData).

extension Dataset {
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
