/// Multi-head self-attention (Vaswani et al. 2017), PyTorch's `nn.MultiheadAttention(E, heads,
/// batch_first=True)` called as `mha(x, x, x)`: `x` is `[N, T, E]` and so is the result.
///
/// ```
/// [Q K V] = x·Wᵢₙᵀ + bᵢₙ                      (Wᵢₙ [3E, E], split into heads of d = E / heads)
/// headₕ = scaledDotProductAttention(Qₕ, Kₕ, Vₕ, causal)
/// y = concat(heads)·Wₒᵤₜᵀ + bₒᵤₜ
/// ```
@_specialize(exported: true, where S == Float)
public func multiHeadAttention<S>(_ x: Variable<S>, headCount: Int, inProjectionWeight: Variable<S>,
                                  inProjectionBias: Variable<S>?, outProjectionWeight: Variable<S>,
                                  outProjectionBias: Variable<S>?, causal: Bool) -> Variable<S> {
    let (n, t, e) = (x.shape[0], x.shape[1], x.shape[2])
    let d = e / headCount
    let qkv = linear(x.reshaped(to: [n * t, e]), weight: inProjectionWeight, bias: inProjectionBias)
        .reshaped(to: [n, t, 3, headCount, d]).transposed(permutation: [2, 0, 3, 1, 4])   // [3, N, heads, T, d]
    let heads = scaledDotProductAttention(query: qkv[0], key: qkv[1], value: qkv[2], causal: causal)   // [N, heads, T, d]
    let joined = heads.transposed(permutation: [0, 2, 1, 3]).reshaped(to: [n * t, e])
    return linear(joined, weight: outProjectionWeight, bias: outProjectionBias).reshaped(to: [n, t, e])
}

/// Multi-head self-attention over `[N, T, embeddingSize]`, PyTorch's `nn.MultiheadAttention(E, heads,
/// batch_first=True)` applied as self-attention; with `causal: true`, position `t` sees only positions ≤ t
/// (for models that predict the next element). See ``multiHeadAttention(_:headCount:inProjectionWeight:inProjectionBias:outProjectionWeight:outProjectionBias:causal:)``.
///
/// Parameters, with PyTorch's names: `in_proj_weight` `[3E, E]` (Xavier uniform), `in_proj_bias` `[3E]`
/// (zeros), `out_proj.weight` `[E, E]` (uniform in ±1/√E) and `out_proj.bias` `[E]` (zeros), as PyTorch
/// initializes them.
public struct MultiHeadAttention: CallerLocatingLayer {
    /// The query, key and value projections stacked: `[3E, E]`.
    public let inProjectionWeight: Variable<Float>
    /// Their biases: `[3E]`.
    public let inProjectionBias: Variable<Float>
    /// The output projection `[E, E]`.
    public let outProjectionWeight: Variable<Float>
    /// Its bias `[E]`.
    public let outProjectionBias: Variable<Float>
    /// The number of heads; `embeddingSize` is a multiple of it.
    public let headCount: Int
    /// Whether each position attends only to itself and earlier ones.
    public let causal: Bool

    /// A layer with PyTorch's initialization drawn from `generator`.
    public init(embeddingSize: Int, headCount: Int, causal: Bool = false, generator: inout SeededGenerator) {
        precondition(headCount > 0 && embeddingSize % headCount == 0,
                     "MultiHeadAttention(embeddingSize:headCount:): \(embeddingSize) is not a multiple of \(headCount) heads")
        let e = embeddingSize
        inProjectionWeight = Variable(Initializer.xavierUniform.tensor(shape: [3 * e, e], fans: (e, 3 * e), using: &generator))
        inProjectionBias = Variable(.zeros(shape: [3 * e]))
        outProjectionWeight = Variable(Initializer.pytorchDefault.tensor(shape: [e, e], fans: (e, e), using: &generator))
        outProjectionBias = Variable(.zeros(shape: [e]))
        self.headCount = headCount
        self.causal = causal
    }

    /// A layer initialized from the current thread's default generator (see `withRandomSeed`).
    public init(embeddingSize: Int, headCount: Int, causal: Bool = false) {
        self = withDefaultGenerator {
            MultiHeadAttention(embeddingSize: embeddingSize, headCount: headCount, causal: causal, generator: &$0)
        }
    }

    /// The size E of each position's vector.
    public var embeddingSize: Int { outProjectionWeight.shape[0] }

    /// Self-attention over `[N, T, E]`.
    public func callAsFunction(_ input: Variable<Float>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Float> {
        guard input.rank == 3, input.shape[2] == embeddingSize else {
            layerError("MultiHeadAttention(embeddingSize: \(embeddingSize), headCount: \(headCount))",
                       "expects input of shape [N, T, \(embeddingSize)] (batch, time, embedding), got \(input.shape)",
                       fix: "pass sequences [batch, time, \(embeddingSize)]", file: file, line: line)
        }
        return multiHeadAttention(input, headCount: headCount, inProjectionWeight: inProjectionWeight,
                                  inProjectionBias: inProjectionBias, outProjectionWeight: outProjectionWeight,
                                  outProjectionBias: outProjectionBias, causal: causal)
    }

    /// The projections under PyTorch's `nn.MultiheadAttention` names (`in_proj_weight`, `out_proj.weight`, …).
    public var namedParameters: [(name: String, parameter: Variable<Float>)] {
        [("in_proj_weight", inProjectionWeight), ("in_proj_bias", inProjectionBias),
         ("out_proj.weight", outProjectionWeight), ("out_proj.bias", outProjectionBias)]
    }
}
