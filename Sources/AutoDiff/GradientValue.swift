// What the other derivative rules (reductions, shapes, indexing, linear algebra, convolutions) compute with,
// beyond the elementwise algebra (ElementwiseAlgebra.swift): the backward sweep runs them on `Tensor` (a plain
// backward pass) or on `Variable` (`createGraph`: the backward pass is itself recorded, for higher derivatives).

/// The operations derivative rules are written with: the elementwise algebra and the structural operations
/// (shapes, sums, products, gathers). Implemented by `Tensor` and by `Variable`.
@usableFromInline
protocol GradientValue: ElementwiseAlgebra {
    /// A value that is not differentiated further.
    init(_constant value: Tensor<Scalar>)
    /// Node `j` of `tape` as a rule input.
    static func _node(_ tape: Tape<Scalar>, _ j: Int32) -> Self
    var _tensor: Tensor<Scalar> { get }
    var shape: [Int] { get }
    /// Multiplication by a constant tensor (a mask), broadcasting.
    static func * (lhs: Self, rhs: Tensor<Scalar>) -> Self
    static func _matmul(_ a: Self, _ b: Self) -> Self
    /// op(a) · op(b), where op exchanges the last two axes when asked.
    static func _matmul(_ a: Self, transposeA: Bool, _ b: Self, transposeB: Bool) -> Self
    static func _select(_ mask: Tensor<Bool>, _ a: Self, _ b: Self) -> Self
    func _reshaped(_ shape: [Int]) -> Self
    func _broadcasted(_ shape: [Int]) -> Self
    func summedToShape(_ shape: [Int]) -> Self
    func _transposed(_ permutation: [Int]) -> Self
    func _sum(_ axes: [Int], keep: Bool) -> Self
    func sliced(_ bounds: [Range<Int>]) -> Self
    func padded(into shape: [Int], at bounds: [Range<Int>]) -> Self
    func _gathering(_ indices: [Int], axis: Int) -> Self
    func scatterAdding(atIndices indices: [Int], alongAxis axis: Int, into shape: [Int]) -> Self
    /// im2col and col2im (``ConvolutionGeometry``).
    func _unfolded(_ geometry: ConvolutionGeometry) -> Self
    func _folded(_ geometry: ConvolutionGeometry) -> Self
    /// im2col of this value, where `columns` already holds it as a plain value (a plain pass returns them).
    func _unfolded(_ geometry: ConvolutionGeometry, reusing columns: Tensor<Scalar>) -> Self
}

extension GradientValue {
    @inlinable
    static func _matmul(_ a: Self, transposeA: Bool, _ b: Self, transposeB: Bool) -> Self {
        _matmul(transposeA ? a.swappingLastAxes() : a, transposeB ? b.swappingLastAxes() : b)
    }

    /// The last two axes exchanged (each matrix of a batch transposed).
    @inlinable
    func swappingLastAxes() -> Self {
        var p = Array(0..<shape.count)
        p.swapAt(shape.count - 1, shape.count - 2)
        return _transposed(p)
    }
}

extension Tensor: GradientValue where Scalar: TensorScalar {
    @inlinable init(_constant value: Tensor<Scalar>) { self = value }
    @inlinable static func _node(_ tape: Tape<Scalar>, _ j: Int32) -> Tensor { tape.value(j) }
    @inlinable var _tensor: Tensor<Scalar> { self }
    @inlinable static func _matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
        batchedMatmul(a, b, site: .operator, shapes: (a.shape, b.shape))
    }
    @inlinable static func _matmul(_ a: Tensor, transposeA: Bool, _ b: Tensor, transposeB: Bool) -> Tensor {
        if a.rank == 2 && b.rank == 2 { return matmul2D(a, transposeA: transposeA, b, transposeB: transposeB) }
        return _matmul(transposeA ? a.swappingLastAxes() : a, transposeB ? b.swappingLastAxes() : b)
    }
    @inlinable static func _select(_ mask: Tensor<Bool>, _ a: Tensor, _ b: Tensor) -> Tensor { select(mask, a, b) }
    @inlinable func _reshaped(_ shape: [Int]) -> Tensor { reshaped(to: shape) }
    @inlinable func _broadcasted(_ shape: [Int]) -> Tensor { broadcasted(to: shape) }
    @inlinable func _transposed(_ permutation: [Int]) -> Tensor { transposed(permutation: permutation) }
    @inlinable func _sum(_ axes: [Int], keep: Bool) -> Tensor {
        axes.isEmpty ? self : reduce(alongAxes: axes, keep: keep, initial: 0, +)
    }
    @inlinable func sliced(_ bounds: [Range<Int>]) -> Tensor { slice(bounds) }
    @inlinable func _gathering(_ indices: [Int], axis: Int) -> Tensor { gathering(atIndices: indices, alongAxis: axis) }
    @inlinable func _unfolded(_ geometry: ConvolutionGeometry) -> Tensor { unfolded(geometry) }
    @inlinable func _folded(_ geometry: ConvolutionGeometry) -> Tensor { folded(geometry) }
    @inlinable func _unfolded(_ geometry: ConvolutionGeometry, reusing columns: Tensor) -> Tensor { columns }
}

extension Variable: GradientValue {
    @inlinable init(_constant value: Tensor<Scalar>) { self.init(constant: value) }
    @inlinable static func _node(_ tape: Tape<Scalar>, _ j: Int32) -> Variable {
        Variable(value: tape.value(j), tape: tape, index: j)
    }
    @inlinable var _tensor: Tensor<Scalar> { value }
    @inlinable static func _matmul(_ a: Variable, _ b: Variable) -> Variable { matmul(a, b) }
    @inlinable static func _select(_ mask: Tensor<Bool>, _ a: Variable, _ b: Variable) -> Variable { select(mask, a, b) }
    @inlinable func _reshaped(_ shape: [Int]) -> Variable { reshaped(to: shape) }
    @inlinable func _broadcasted(_ shape: [Int]) -> Variable { broadcasted(to: shape) }
    @inlinable func _transposed(_ permutation: [Int]) -> Variable { transposed(permutation: permutation) }
    @inlinable func _sum(_ axes: [Int], keep: Bool) -> Variable { sum(alongAxes: axes, keepingDimensions: keep) }
    @inlinable func _gathering(_ indices: [Int], axis: Int) -> Variable { gathering(atIndices: indices, alongAxis: axis) }
}
