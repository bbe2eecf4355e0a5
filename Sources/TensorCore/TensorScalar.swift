#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// A type a ``Tensor`` can store: `Float`, `Double` (which have arithmetic) and `Bool` (masks).
public protocol TensorElement: Sendable, Equatable {}

extension Bool: TensorElement {}

/// A floating-point scalar a ``Tensor`` computes with: `Float` or `Double`.
///
/// The elementary functions are requirements, named as in swift-numerics' `ElementaryFunctions` and
/// `RealFunctions`, so that generic code calls the C library's `expf` or `exp` directly after specialization,
/// with no dynamic dispatch per element.
///
/// ```swift
/// Float.exp(1)                 // 2.7182817
/// Double.log(onePlus: 1e-10)   // 1e-10, where log(1 + 1e-10) loses digits
/// ```
public protocol TensorScalar: TensorElement, BinaryFloatingPoint, LosslessStringConvertible
where Self.RawSignificand: FixedWidthInteger {
    /// eˣ.
    static func exp(_ x: Self) -> Self
    /// eˣ − 1, accurate for x near 0.
    static func expMinusOne(_ x: Self) -> Self
    /// The natural logarithm of x.
    static func log(_ x: Self) -> Self
    /// log(1 + x), accurate for x near 0.
    static func log(onePlus x: Self) -> Self
    /// The sine of x (radians).
    static func sin(_ x: Self) -> Self
    /// The cosine of x (radians).
    static func cos(_ x: Self) -> Self
    /// The tangent of x (radians).
    static func tan(_ x: Self) -> Self
    /// The hyperbolic tangent of x.
    static func tanh(_ x: Self) -> Self
    /// xʸ, as the C library's `pow`.
    static func pow(_ x: Self, _ y: Self) -> Self
    /// The complementary error function 1 − erf(x), accurate where erf(x) is close to 1.
    static func erfc(_ x: Self) -> Self
    /// The value's bit pattern zero-extended to 64 bits (`Float`: its 32-bit `bitPattern` in the low half).
    var widenedBitPattern: UInt64 { get }
    /// The value whose bit pattern is `widenedBitPattern` (its low 32 bits for `Float`).
    init(widenedBitPattern: UInt64)
}

extension Float: TensorScalar {
    /// eˣ (the C library's `expf`).
    @inlinable public static func exp(_ x: Float) -> Float { expf(x) }
    /// eˣ − 1 (`expm1f`).
    @inlinable public static func expMinusOne(_ x: Float) -> Float { expm1f(x) }
    /// The natural logarithm (`logf`).
    @inlinable public static func log(_ x: Float) -> Float { logf(x) }
    /// log(1 + x) (`log1pf`).
    @inlinable public static func log(onePlus x: Float) -> Float { log1pf(x) }
    /// The sine (`sinf`).
    @inlinable public static func sin(_ x: Float) -> Float { sinf(x) }
    /// The cosine (`cosf`).
    @inlinable public static func cos(_ x: Float) -> Float { cosf(x) }
    /// The tangent (`tanf`).
    @inlinable public static func tan(_ x: Float) -> Float { tanf(x) }
    /// The hyperbolic tangent (`tanhf`).
    @inlinable public static func tanh(_ x: Float) -> Float { tanhf(x) }
    /// xʸ (`powf`).
    @inlinable public static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
    /// 1 − erf(x) (`erfcf`).
    @inlinable public static func erfc(_ x: Float) -> Float { erfcf(x) }
    /// `bitPattern` zero-extended to 64 bits.
    @inlinable public var widenedBitPattern: UInt64 { UInt64(bitPattern) }
    /// The value whose `bitPattern` is the low 32 bits of `widenedBitPattern`.
    @inlinable public init(widenedBitPattern: UInt64) {
        self.init(bitPattern: UInt32(truncatingIfNeeded: widenedBitPattern))
    }
}

extension Double: TensorScalar {
    /// eˣ (the C library's `exp`).
    @inlinable public static func exp(_ x: Double) -> Double { libmExp(x) }
    /// eˣ − 1 (`expm1`).
    @inlinable public static func expMinusOne(_ x: Double) -> Double { expm1(x) }
    /// The natural logarithm (`log`).
    @inlinable public static func log(_ x: Double) -> Double { libmLog(x) }
    /// log(1 + x) (`log1p`).
    @inlinable public static func log(onePlus x: Double) -> Double { log1p(x) }
    /// The sine (`sin`).
    @inlinable public static func sin(_ x: Double) -> Double { libmSin(x) }
    /// The cosine (`cos`).
    @inlinable public static func cos(_ x: Double) -> Double { libmCos(x) }
    /// The tangent (`tan`).
    @inlinable public static func tan(_ x: Double) -> Double { libmTan(x) }
    /// The hyperbolic tangent (`tanh`).
    @inlinable public static func tanh(_ x: Double) -> Double { libmTanh(x) }
    /// xʸ (`pow`).
    @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { libmPow(x, y) }
    /// 1 − erf(x) (`erfc`).
    @inlinable public static func erfc(_ x: Double) -> Double { libmErfc(x) }
    /// `bitPattern`.
    @inlinable public var widenedBitPattern: UInt64 { bitPattern }
    /// The value whose `bitPattern` is `widenedBitPattern`.
    @inlinable public init(widenedBitPattern: UInt64) { self.init(bitPattern: widenedBitPattern) }
}

// The C library's Double functions under names that the static members above do not shadow.
@inlinable func libmExp(_ x: Double) -> Double { exp(x) }
@inlinable func libmLog(_ x: Double) -> Double { log(x) }
@inlinable func libmSin(_ x: Double) -> Double { sin(x) }
@inlinable func libmCos(_ x: Double) -> Double { cos(x) }
@inlinable func libmTan(_ x: Double) -> Double { tan(x) }
@inlinable func libmTanh(_ x: Double) -> Double { tanh(x) }
@inlinable func libmPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
@inlinable func libmErfc(_ x: Double) -> Double { erfc(x) }

extension TensorScalar {
    /// The logistic function 1 / (1 + e⁻ˣ), computed without overflow for large |x|.
    @inlinable package static func _sigmoid(_ x: Self) -> Self {
        if x >= 0 {
            return 1 / (1 + exp(-x))
        } else {
            let e = exp(x)
            return e / (1 + e)
        }
    }

    /// 1 / √(2π), the density of the standard normal distribution at 0.
    @inlinable package static var inverseSqrt2Pi: Self { 0.398942280401432677939946059934381868 }

    /// Φ(x) = ½·erfc(−x/√2), the standard normal distribution function (erfc keeps it accurate for x ≪ 0,
    /// where ½·(1 + erf(x/√2)) cancels).
    @inlinable package static func _normalCDF(_ x: Self) -> Self {
        0.5 * erfc(x * -0.707106781186547524400844362104849039)
    }

    /// gelu(x) = x·Φ(x), the exact form.
    @inlinable package static func _gelu(_ x: Self) -> Self { x * _normalCDF(x) }

    /// silu(x) = x·σ(x).
    @inlinable package static func _silu(_ x: Self) -> Self { x * _sigmoid(x) }

    /// softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^-|x|), stable for large |x|.
    @inlinable package static func _softplus(_ x: Self) -> Self {
        Swift.max(x, 0) + log(onePlus: exp(-Swift.abs(x)))
    }
}
