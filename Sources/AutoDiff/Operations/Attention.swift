// Scaled dot-product attention, composed from primitives (matmul, transposed, select, softmax): its
// gradient comes from their rules, so it needs none of its own.

/// softmax(Q·Kᵀ / √d [masked]) · V, PyTorch's `torch.nn.functional.scaled_dot_product_attention`.
///
/// `query` is `[…, T, d]`, `key` `[…, S, d]` and `value` `[…, S, dᵥ]` (usually `[N, heads, T, d]`; the
/// leading axes broadcast as in `matmul(_:_:)`); the result is `[…, T, dᵥ]`. With `causal: true`,
/// query position `i` attends only to key positions `j ≤ i` (PyTorch's `is_causal`, the lower triangle
/// aligned top-left). Masked scores are replaced by the lowest finite number with `select(_:_:_:)`,
/// not by −∞: their weights are exactly 0, no infinity appears anywhere (anomaly detection stays quiet), and
/// their gradient is 0.
///
/// ```
/// A = softmax(Q·Kᵀ/√d),  Y = A·V
/// ∂V = Aᵀ·g    ∂A = g·Vᵀ    ∂S = A ⊙ (∂A − Σⱼ ∂A ⊙ A)    ∂Q = ∂S·K/√d    ∂K = ∂Sᵀ·Q/√d
/// ```
///
/// - Complexity: O(T·S·(d + dᵥ)) per leading index, and a `[…, T, S]` score tensor.
@_specialize(exported: true, where S == Float)
@inlinable
public func scaledDotProductAttention<S>(query: Variable<S>, key: Variable<S>, value: Variable<S>, causal: Bool = false,
                                         file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    let site = CallSite(file: file, line: line)
    let (q, k, v) = (query.shape, key.shape, value.shape)
    _ = stopOnShapeError(at: site) { () throws(ShapeError) in try ShapeCheck.attention(query: q, key: k, value: v) }
    var swapLast = Array(0..<k.count)
    swapLast.swapAt(k.count - 1, k.count - 2)
    let scale = 1 / S(q[q.count - 1]).squareRoot()
    var scores = matmul(query * scale, key.transposed(permutation: swapLast), file: file, line: line)
    if causal {
        let (t, s) = (q[q.count - 2], k[k.count - 2])
        scores = select(causalMask(queries: t, keys: s), scores, Tensor(-S.greatestFiniteMagnitude), file: file, line: line)
    }
    return matmul(softmax(scores, alongAxis: -1), value, file: file, line: line)
}

/// Scaled dot-product attention on tensors (nothing recorded); see the `Variable` version.
@_specialize(exported: true, where S == Float)
@inlinable
public func scaledDotProductAttention<S: TensorScalar>(query: Tensor<S>, key: Tensor<S>, value: Tensor<S>, causal: Bool = false,
                                         file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
    withoutGradients {
        scaledDotProductAttention(query: Variable(query, requiresGrad: false), key: Variable(key, requiresGrad: false),
                                  value: Variable(value, requiresGrad: false), causal: causal, file: file, line: line).value
    }
}

/// The `[queries, keys]` mask that is true where key position `j ≤` query position `i` (lower triangle).
@inlinable
public func causalMask(queries: Int, keys: Int) -> Tensor<Bool> {
    var flags = [Bool](repeating: false, count: queries * keys)
    for i in 0..<queries {
        for j in 0..<Swift.min(i + 1, keys) { flags[i * keys + j] = true }
    }
    return Tensor(shape: [queries, keys], scalars: flags)
}
