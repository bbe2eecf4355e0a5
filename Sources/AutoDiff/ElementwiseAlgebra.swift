// What the arithmetic and elementwise derivative rules compute with. Each rule is written once, generically
// over this algebra, beside its forward function (Operations/Arithmetic.swift, Operations/Elementwise.swift),
// and runs on four kinds of value:
//
// - `RuleScalar`: one plain scalar. The local partials a scalar node stores when it is recorded are the rule at
//   g = 1, and a rank-0 node whose operands came from a tensor graph runs the rule on its scalars.
// - `Tensor`: a plain backward pass (nothing recorded, no wrapper).
// - `Variable`: a recorded backward pass (`createGraph`), for higher derivatives.

/// The elementwise operations derivative rules are written with: arithmetic, the functions the rules need, and
/// masks (``_sign(_:)``, ``_step(_:otherwise:)``). Implemented by ``RuleScalar``, `Tensor` and `Variable`.
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
    /// Φ(x), the standard normal distribution function.
    static func _normalCDF(_ x: Self) -> Self
    static func _pow(_ x: Self, _ y: Self) -> Self
    /// 1 where x > 0, −1 where x < 0, 0 at 0: a mask, not differentiated further.
    static func _sign(_ x: Self) -> Self
    /// 1 where x > 0, `otherwise` elsewhere: a mask, not differentiated further.
    static func _step(_ x: Self, otherwise: Scalar) -> Self
}

extension TensorScalar {
    /// 1 for x > 0, −1 for x < 0, 0 at 0 (and for NaN).
    @inlinable static func _sign(_ x: Self) -> Self { x > 0 ? 1 : (x < 0 ? -1 : 0) }
    /// 1 for x > 0, `otherwise` elsewhere.
    @inlinable static func _step(_ x: Self, otherwise: Self) -> Self { x > 0 ? 1 : otherwise }
}

/// One scalar as a value derivative rules compute with: the rules specialised to plain `Float` or `Double`
/// arithmetic, with nothing allocated and no dispatch (everything inlines to the scalar code).
///
/// A wrapper rather than a conformance of `Float` and `Double` themselves: code generic over ``TensorScalar``
/// (all of the tape) could not see an internal conformance of the two concrete types.
@usableFromInline @frozen
struct RuleScalar<Scalar: TensorScalar>: ElementwiseAlgebra {
    @usableFromInline var value: Scalar
    @inlinable init(_ value: Scalar) { self.value = value }

    @inlinable static func + (l: Self, r: Self) -> Self { Self(l.value + r.value) }
    @inlinable static func - (l: Self, r: Self) -> Self { Self(l.value - r.value) }
    @inlinable static func * (l: Self, r: Self) -> Self { Self(l.value * r.value) }
    @inlinable static func / (l: Self, r: Self) -> Self { Self(l.value / r.value) }
    @inlinable static prefix func - (x: Self) -> Self { Self(-x.value) }
    @inlinable static func + (l: Scalar, r: Self) -> Self { Self(l + r.value) }
    @inlinable static func - (l: Scalar, r: Self) -> Self { Self(l - r.value) }
    @inlinable static func - (l: Self, r: Scalar) -> Self { Self(l.value - r) }
    @inlinable static func / (l: Scalar, r: Self) -> Self { Self(l / r.value) }
    @inlinable static func * (l: Self, r: Scalar) -> Self { Self(l.value * r) }
    @inlinable static func _exp(_ x: Self) -> Self { Self(Scalar._exp(x.value)) }
    @inlinable static func _log(_ x: Self) -> Self { Self(Scalar._log(x.value)) }
    @inlinable static func _sin(_ x: Self) -> Self { Self(Scalar._sin(x.value)) }
    @inlinable static func _cos(_ x: Self) -> Self { Self(Scalar._cos(x.value)) }
    @inlinable static func _sigmoid(_ x: Self) -> Self { Self(Scalar._sigmoid(x.value)) }
    @inlinable static func _normalCDF(_ x: Self) -> Self { Self(Scalar._normalCDF(x.value)) }
    @inlinable static func _pow(_ x: Self, _ y: Self) -> Self { Self(Scalar._pow(x.value, y.value)) }
    @inlinable static func _sign(_ x: Self) -> Self { Self(Scalar._sign(x.value)) }
    @inlinable static func _step(_ x: Self, otherwise: Scalar) -> Self { Self(Scalar._step(x.value, otherwise: otherwise)) }
}

extension Tensor: ElementwiseAlgebra where Scalar: TensorScalar {
    @inlinable static func _exp(_ x: Tensor) -> Tensor { exp(x) }
    @inlinable static func _log(_ x: Tensor) -> Tensor { log(x) }
    @inlinable static func _sin(_ x: Tensor) -> Tensor { sin(x) }
    @inlinable static func _cos(_ x: Tensor) -> Tensor { cos(x) }
    @inlinable static func _sigmoid(_ x: Tensor) -> Tensor { sigmoid(x) }
    @inlinable static func _normalCDF(_ x: Tensor) -> Tensor { normalCDF(x) }
    @inlinable static func _pow(_ x: Tensor, _ y: Tensor) -> Tensor { pow(x, y) }
    @inlinable static func _sign(_ x: Tensor) -> Tensor { x.map { Scalar._sign($0) } }
    @inlinable static func _step(_ x: Tensor, otherwise: Scalar) -> Tensor { x.map { Scalar._step($0, otherwise: otherwise) } }
}

extension Variable: ElementwiseAlgebra {
    @inlinable static func _exp(_ x: Variable) -> Variable { exp(x) }
    @inlinable static func _log(_ x: Variable) -> Variable { log(x) }
    @inlinable static func _sin(_ x: Variable) -> Variable { sin(x) }
    @inlinable static func _cos(_ x: Variable) -> Variable { cos(x) }
    @inlinable static func _sigmoid(_ x: Variable) -> Variable { sigmoid(x) }
    @inlinable static func _normalCDF(_ x: Variable) -> Variable { normalCDF(x) }
    @inlinable static func _pow(_ x: Variable, _ y: Variable) -> Variable { pow(x, y) }
    @inlinable static func _sign(_ x: Variable) -> Variable { Variable(constant: Tensor._sign(x.value)) }
    @inlinable static func _step(_ x: Variable, otherwise: Scalar) -> Variable {
        Variable(constant: Tensor._step(x.value, otherwise: otherwise))
    }
}
