// The short names AutoDiff's derivative rules are written with, for TensorCore's public elementary functions
// (`TensorScalar.exp`, `log(onePlus:)`, …) and bit patterns: internal shims, so that the rules read alike on
// scalars, tensors and variables (see GradientValue.swift) and nothing outside AutoDiff calls them.
extension TensorScalar {
    @inlinable static func _exp(_ x: Self) -> Self { exp(x) }
    @inlinable static func _expm1(_ x: Self) -> Self { expMinusOne(x) }
    @inlinable static func _log(_ x: Self) -> Self { log(x) }
    @inlinable static func _log1p(_ x: Self) -> Self { log(onePlus: x) }
    @inlinable static func _sin(_ x: Self) -> Self { sin(x) }
    @inlinable static func _cos(_ x: Self) -> Self { cos(x) }
    @inlinable static func _tan(_ x: Self) -> Self { tan(x) }
    @inlinable static func _tanh(_ x: Self) -> Self { tanh(x) }
    @inlinable static func _pow(_ x: Self, _ y: Self) -> Self { pow(x, y) }
    @inlinable static func _erfc(_ x: Self) -> Self { erfc(x) }
    @inlinable var _bits: UInt64 { widenedBitPattern }
    @inlinable init(_bits: UInt64) { self.init(widenedBitPattern: _bits) }
}
