// Matrix products. The primitive is the batched rank ≥ 2 product; rank-1 operands are reshaped around it.

/// Given g = dL/dC for C = A·B (batched), returns (dL/dA, dL/dB) = (g·Bᵀ, Aᵀ·g).
///
/// Broadcast batch axes are summed back by the backward sweep.
@inlinable
func matmulPullback<G: GradientValue>(_ g: G, _ a: G, _ b: G, _ needA: Bool, _ needB: Bool) -> (G?, G?) {
    (needA ? G._matmul(g, transposeA: false, b, transposeB: true) : nil,
     needB ? G._matmul(a, transposeA: true, g, transposeB: false) : nil)
}

/// Given g = dL/dC for C = A·Bᵀ, returns (dL/dA, dL/dB) = (g·B, gᵀ·A).
@inlinable
func matmulTransposingRightPullback<G: GradientValue>(_ g: G, _ a: G, _ b: G, _ needA: Bool, _ needB: Bool) -> (G?, G?) {
    (needA ? G._matmul(g, transposeA: false, b, transposeB: false) : nil,
     needB ? G._matmul(g, transposeA: true, a, transposeB: false) : nil)
}

/// A fully connected layer's map, x·Wᵀ + b, like PyTorch's `torch.nn.functional.linear`: `x` is
/// `[batch, in]` (or `[in]`), `weight` is `[out, in]`, `bias` is `[out]`. The transposed weight is never
/// materialized, forward or backward.
///
/// d(x·Wᵀ) = dx·Wᵀ + x·dWᵀ, so ∂x = g·W and ∂W = gᵀ·x.
@_specialize(exported: true, where S == Float)
@inlinable
public func linear<S>(_ x: Variable<S>, weight: Variable<S>, bias: Variable<S>? = nil,
                      file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    let site = CallSite(file: file, line: line)
    _ = stopOnShapeError(at: site) { () throws(ShapeError) in try ShapeCheck.linear(input: x.shape, weight: weight.shape) }
    let x2 = x.rank == 1 ? x.reshaped(to: [1, x.shape[0]], file: file, line: line) : x
    let value = matmul2D(x2.value, transposeA: false, weight.value, transposeB: true)
    var out = Variable.record(value, "linear", x2, weight, site: site) { .matmulTransposingRight($0, $1) }
    if x.rank == 1 { out = out.reshaped(to: [weight.shape[0]], file: file, line: line) }
    guard let bias else { return out }
    return Variable.arithmetic(.add, "+", out, bias, out.value + bias.value, site: site)
}

/// The matrix product: `[m, k] · [k, n] → [m, n]`; batched over leading axes (which broadcast) for rank ≥ 3;
/// a rank-1 operand is a row vector on the left and a column vector on the right, its added axis removed
/// from the result (NumPy's `matmul`).
///
/// d(A·B) = dA·B + A·dB, so ∂A = g·Bᵀ and ∂B = Aᵀ·g.
@_specialize(exported: true, where S == Float)
@inlinable
public func matmul<S>(_ a: Variable<S>, _ b: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    let site = CallSite(file: file, line: line)
    let shape = stopOnShapeError(at: site) { () throws(ShapeError) in try ShapeCheck.matmul(a.shape, b.shape) }
    let a2 = a.rank == 1 ? a.reshaped(to: [1, a.shape[0]]) : a
    let b2 = b.rank == 1 ? b.reshaped(to: [b.shape[0], 1]) : b
    let value = batchedMatmul(a2.value, b2.value, site: site, shapes: (a.shape, b.shape))
    let out = Variable.record(value, "matmul", a2, b2, site: site) { .matmul($0, $1) }
    // A rank-1 operand's added axis is removed (the shape the check computed).
    return a.rank == 1 || b.rank == 1 ? out.reshaped(to: shape) : out
}

/// The matrix product of a variable and a constant tensor.
@_specialize(exported: true, where S == Float)
@inlinable
public func matmul<S>(_ a: Variable<S>, _ b: Tensor<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    matmul(a, Variable(constant: b), file: file, line: line)
}

/// The matrix product of a constant tensor and a variable.
@_specialize(exported: true, where S == Float)
@inlinable
public func matmul<S>(_ a: Tensor<S>, _ b: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    matmul(Variable(constant: a), b, file: file, line: line)
}
