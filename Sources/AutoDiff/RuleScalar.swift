// Derivative rules on one plain scalar (see GradientValue.swift for what rules compute with).

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
@usableFromInline
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
