/// A lookup table of vectors, PyTorch's `nn.Embedding`: each whole-number index `k` in the input becomes
/// row `k` of `weight` `[vocabularySize, embeddingSize]`, so `[N, T]` indices give `[N, T, embeddingSize]`.
///
/// The input holds class indices stored as `Float` (`[N, T]`, or any shape; the result adds a last axis), so
/// that embeddings go first in a ``Sequential``. The rows looked up receive the gradient (the sum of it for a
/// row used several times); the weight is drawn from N(0, 1), as in PyTorch. Named `"weight"`.
///
/// ```
/// y[n, t] = W[x[n, t]]     ∂W[k] = Σ_{x[n, t] = k} g[n, t]
/// ```
public struct Embedding: CallerLocatingLayer {
    /// The table `[vocabularySize, embeddingSize]`.
    public let weight: Variable<Float>

    /// A table drawn from N(0, 1) with `generator`.
    public init(vocabularySize: Int, embeddingSize: Int, generator: inout SeededGenerator) {
        weight = Variable(.randomNormal(shape: [vocabularySize, embeddingSize], using: &generator))
    }

    /// A table drawn from the current thread's default generator (see `withRandomSeed`).
    public init(vocabularySize: Int, embeddingSize: Int) {
        self = withDefaultGenerator { Embedding(vocabularySize: vocabularySize, embeddingSize: embeddingSize, generator: &$0) }
    }

    /// A layer with the given table `[vocabularySize, embeddingSize]`.
    public init(weight: Tensor<Float>) {
        precondition(weight.rank == 2, "Embedding(weight:): the table must be [vocabularySize, embeddingSize]; got \(weight.shape)")
        self.weight = Variable(weight)
    }

    /// The number of rows (distinct indices).
    public var vocabularySize: Int { weight.shape[0] }
    /// The length of each vector.
    public var embeddingSize: Int { weight.shape[1] }

    /// The rows for the indices in `input` (whole numbers in `0..<vocabularySize`, stored as `Float`):
    /// `input.shape + [embeddingSize]`. The input receives no gradient.
    public func callAsFunction(_ input: Variable<Float>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Float> {
        let values = input.value.scalars
        var indices = [Int](repeating: 0, count: values.count)
        for (i, v) in values.enumerated() {
            guard v >= 0, v < Float(vocabularySize), v.rounded(.towardZero) == v else {
                layerError("Embedding(vocabularySize: \(vocabularySize), embeddingSize: \(embeddingSize))",
                           "input element \(i) is \(v), which is not a whole number in 0..<\(vocabularySize) (input of shape \(input.shape))",
                           fix: "pass class indices 0..<\(vocabularySize) as Float, e.g. Tensor<Float>(shape: [N, T], scalars: indices.map(Float.init))",
                           file: file, line: line)
            }
            indices[i] = Int(v)
        }
        return weight.gathering(atIndices: indices, alongAxis: 0).reshaped(to: input.shape + [embeddingSize])
    }

    public var namedParameters: [(name: String, parameter: Variable<Float>)] { [("weight", weight)] }
}
