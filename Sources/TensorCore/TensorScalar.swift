#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// A type a ``Tensor`` can store: `Float`, `Double` (which have arithmetic) and `Bool` (masks).
public protocol TensorElement: Sendable, Equatable {
    /// The value new storage is filled with before it is written (zero, or `false`).
    static var _defaultElement: Self { get }
}

extension Bool: TensorElement {
    /// `false`, the value new storage starts with.
    @inlinable public static var _defaultElement: Bool { false }
}

/// A floating-point scalar a ``Tensor`` computes with: `Float` or `Double`.
///
/// The math functions are requirements so that generic tensor code calls the C library's
/// `expf` or `exp` directly after specialization, with no dynamic dispatch per element.
public protocol TensorScalar: TensorElement, BinaryFloatingPoint, LosslessStringConvertible
where Self.RawSignificand: FixedWidthInteger {
    static func _exp(_ x: Self) -> Self
    static func _expm1(_ x: Self) -> Self
    static func _log(_ x: Self) -> Self
    static func _log1p(_ x: Self) -> Self
    static func _sin(_ x: Self) -> Self
    static func _cos(_ x: Self) -> Self
    static func _tan(_ x: Self) -> Self
    static func _tanh(_ x: Self) -> Self
    static func _pow(_ x: Self, _ y: Self) -> Self
    /// The complementary error function 1 − erf(x), accurate where erf(x) is close to 1.
    static func _erfc(_ x: Self) -> Self
    /// The value's bit pattern, widened to 64 bits (a `Variable` stores its scalar this way).
    var _bits: UInt64 { get }
    /// The value of a bit pattern made by `_bits`.
    init(_bits: UInt64)
}

extension Float: TensorScalar {
    /// Zero, the value new storage starts with.
    @inlinable public static var _defaultElement: Float { 0 }
    @inlinable public static func _exp(_ x: Float) -> Float { expf(x) }
    @inlinable public static func _expm1(_ x: Float) -> Float { expm1f(x) }
    @inlinable public static func _log(_ x: Float) -> Float { logf(x) }
    @inlinable public static func _log1p(_ x: Float) -> Float { log1pf(x) }
    @inlinable public static func _sin(_ x: Float) -> Float { sinf(x) }
    @inlinable public static func _cos(_ x: Float) -> Float { cosf(x) }
    @inlinable public static func _tan(_ x: Float) -> Float { tanf(x) }
    @inlinable public static func _tanh(_ x: Float) -> Float { tanhf(x) }
    @inlinable public static func _pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
    @inlinable public static func _erfc(_ x: Float) -> Float { erfcf(x) }
    @inlinable public var _bits: UInt64 { UInt64(bitPattern) }
    @inlinable public init(_bits: UInt64) { self.init(bitPattern: UInt32(truncatingIfNeeded: _bits)) }
}

extension Double: TensorScalar {
    /// Zero, the value new storage starts with.
    @inlinable public static var _defaultElement: Double { 0 }
    @inlinable public static func _exp(_ x: Double) -> Double { exp(x) }
    @inlinable public static func _expm1(_ x: Double) -> Double { expm1(x) }
    @inlinable public static func _log(_ x: Double) -> Double { log(x) }
    @inlinable public static func _log1p(_ x: Double) -> Double { log1p(x) }
    @inlinable public static func _sin(_ x: Double) -> Double { sin(x) }
    @inlinable public static func _cos(_ x: Double) -> Double { cos(x) }
    @inlinable public static func _tan(_ x: Double) -> Double { tan(x) }
    @inlinable public static func _tanh(_ x: Double) -> Double { tanh(x) }
    @inlinable public static func _pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
    @inlinable public static func _erfc(_ x: Double) -> Double { erfc(x) }
    @inlinable public var _bits: UInt64 { bitPattern }
    @inlinable public init(_bits: UInt64) { self.init(bitPattern: _bits) }
}

extension TensorScalar {
    /// The logistic function 1 / (1 + e⁻ˣ), computed without overflow for large |x|.
    @inlinable package static func _sigmoid(_ x: Self) -> Self {
        if x >= 0 {
            return 1 / (1 + _exp(-x))
        } else {
            let e = _exp(x)
            return e / (1 + e)
        }
    }

    /// 1 / √(2π), the density of the standard normal distribution at 0.
    @inlinable package static var inverseSqrt2Pi: Self { 0.398942280401432677939946059934381868 }

    /// Φ(x) = ½·erfc(−x/√2), the standard normal distribution function (erfc keeps it accurate for x ≪ 0,
    /// where ½·(1 + erf(x/√2)) cancels).
    @inlinable package static func _normalCDF(_ x: Self) -> Self {
        0.5 * _erfc(x * -0.707106781186547524400844362104849039)
    }

    /// gelu(x) = x·Φ(x), the exact form.
    @inlinable package static func _gelu(_ x: Self) -> Self { x * _normalCDF(x) }

    /// silu(x) = x·σ(x).
    @inlinable package static func _silu(_ x: Self) -> Self { x * _sigmoid(x) }

    /// softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^-|x|), stable for large |x|.
    @inlinable package static func _softplus(_ x: Self) -> Self {
        Swift.max(x, 0) + _log1p(_exp(-Swift.abs(x)))
    }
}
