// What derivative rules compute with. Each rule is written once, generically, beside its forward function
// (`Operations/`), and runs on several kinds of value:
//
// - `RuleScalar` (RuleScalar.swift): one plain scalar. The local partials a scalar node stores when it is
//   recorded are the rule at g = 1, and a rank-0 node whose operands came from a tensor graph runs the rule on
//   its scalars. Only the arithmetic and elementwise rules run here: they need only `ElementwiseAlgebra`.
// - `Tensor`: a plain backward pass (nothing recorded, no wrapper).
// - `Variable`: a recorded backward pass (`createGraph`), for higher derivatives.

/// The elementwise operations the arithmetic and elementwise rules are written with: arithmetic, the functions
/// the rules need, and masks (``_sign(_:)``, ``_step(_:otherwise:)``). Implemented by ``RuleScalar``, `Tensor`
/// and `Variable`.
@usableFromInline
protocol ElementwiseAlgebra {
    associatedtype Scalar: TensorScalar
    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Self) -> Self
    static func / (lhs: Self, rhs: Self) -> Self
    static prefix func - (x: Self) -> Self
    static func + (lhs: Scalar, rhs: Self) -> Self
    static func - (lhs: Scalar, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Scalar) -> Self
    static func / (lhs: Scalar, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Scalar) -> Self
    static func _exp(_ x: Self) -> Self
    static func _log(_ x: Self) -> Self
    static func _sin(_ x: Self) -> Self
    static func _cos(_ x: Self) -> Self
    static func _sigmoid(_ x: Self) -> Self
    static func _normalCDF(_ x: Self) -> Self
    static func _pow(_ x: Self, _ y: Self) -> Self
    /// 1 where x > 0, −1 where x < 0, 0 at 0: a mask, not differentiated further.
    static func _sign(_ x: Self) -> Self
    /// 1 where x > 0, `otherwise` elsewhere: a mask, not differentiated further.
    static func _step(_ x: Self, otherwise: Scalar) -> Self
    /// `g * _step(x, otherwise:)`, a ReLU's gradient: the same products, in one pass for tensors.
    static func _timesStep(_ g: Self, _ x: Self, otherwise: Scalar) -> Self
}

extension ElementwiseAlgebra {
    /// `g * _step(x, otherwise:)` as written.
    @inlinable static func _timesStep(_ g: Self, _ x: Self, otherwise: Scalar) -> Self { g * _step(x, otherwise: otherwise) }
}

/// The operations the other rules (reductions, shapes, indexing, linear algebra, convolutions) are written with:
/// the elementwise algebra and the structural operations. Implemented by `Tensor` and by `Variable`.
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

extension Tensor: ElementwiseAlgebra, GradientValue where Scalar: TensorScalar {
    @inlinable init(_constant value: Tensor<Scalar>) { self = value }
    @inlinable static func _node(_ tape: Tape<Scalar>, _ j: Int32) -> Tensor { tape.value(j) }
    @inlinable var _tensor: Tensor<Scalar> { self }
    @inlinable static func _exp(_ x: Tensor) -> Tensor { exp(x) }
    @inlinable static func _log(_ x: Tensor) -> Tensor { log(x) }
    @inlinable static func _sin(_ x: Tensor) -> Tensor { sin(x) }
    @inlinable static func _cos(_ x: Tensor) -> Tensor { cos(x) }
    @inlinable static func _sigmoid(_ x: Tensor) -> Tensor { sigmoid(x) }
    @inlinable static func _normalCDF(_ x: Tensor) -> Tensor { normalCDF(x) }
    @inlinable static func _pow(_ x: Tensor, _ y: Tensor) -> Tensor { pow(x, y) }
    @inlinable static func _sign(_ x: Tensor) -> Tensor { x.map { Scalar._sign($0) } }
    @inlinable static func _step(_ x: Tensor, otherwise: Scalar) -> Tensor { x.map { Scalar._step($0, otherwise: otherwise) } }
    /// The products `g * _step(x, otherwise:)` without the mask tensor (same bits).
    @inlinable static func _timesStep(_ g: Tensor, _ x: Tensor, otherwise: Scalar) -> Tensor {
        _zip(g, x, op: "*", at: .operator, parallel: false) { $0 * Scalar._step($1, otherwise: otherwise) }
    }
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
    @inlinable static func _exp(_ x: Variable) -> Variable { exp(x) }
    @inlinable static func _log(_ x: Variable) -> Variable { log(x) }
    @inlinable static func _sin(_ x: Variable) -> Variable { sin(x) }
    @inlinable static func _cos(_ x: Variable) -> Variable { cos(x) }
    @inlinable static func _sigmoid(_ x: Variable) -> Variable { sigmoid(x) }
    @inlinable static func _normalCDF(_ x: Variable) -> Variable { normalCDF(x) }
    @inlinable static func _pow(_ x: Variable, _ y: Variable) -> Variable { pow(x, y) }
    /// A mask: a constant.
    @inlinable static func _sign(_ x: Variable) -> Variable { Variable(constant: Tensor._sign(x.value)) }
    /// A mask: a constant.
    @inlinable static func _step(_ x: Variable, otherwise: Scalar) -> Variable {
        Variable(constant: Tensor._step(x.value, otherwise: otherwise))
    }
    @inlinable static func _matmul(_ a: Variable, _ b: Variable) -> Variable { matmul(a, b) }
    @inlinable static func _select(_ mask: Tensor<Bool>, _ a: Variable, _ b: Variable) -> Variable { select(mask, a, b) }
    @inlinable func _reshaped(_ shape: [Int]) -> Variable { reshaped(to: shape) }
    @inlinable func _broadcasted(_ shape: [Int]) -> Variable { broadcasted(to: shape) }
    @inlinable func _transposed(_ permutation: [Int]) -> Variable { transposed(permutation: permutation) }
    @inlinable func _sum(_ axes: [Int], keep: Bool) -> Variable { sum(alongAxes: axes, keepingDimensions: keep) }
    @inlinable func _gathering(_ indices: [Int], axis: Int) -> Variable { gathering(atIndices: indices, alongAxis: axis) }
}
