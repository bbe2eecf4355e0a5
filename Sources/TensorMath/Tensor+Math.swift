// Arithmetic, elementwise functions and comparisons on tensor values, computed at once.

import TensorCore

extension Tensor where Scalar: TensorScalar {
    /// The elementwise sum, broadcasting the shapes.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { _zip(lhs, rhs, op: "+", at: .operator, parallel: true) { $0 + $1 } }
    /// The elementwise difference, broadcasting the shapes.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { _zip(lhs, rhs, op: "-", at: .operator, parallel: true) { $0 - $1 } }
    /// The elementwise product, broadcasting the shapes.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { _zip(lhs, rhs, op: "*", at: .operator, parallel: true) { $0 * $1 } }
    /// The elementwise quotient, broadcasting the shapes.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { _zip(lhs, rhs, op: "/", at: .operator, parallel: true) { $0 / $1 } }
    /// The elementwise sum with a scalar.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public static func + (lhs: Tensor, rhs: Scalar) -> Tensor { lhs._map(parallel: false) { $0 + rhs } }
    /// The elementwise difference with a scalar.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public static func - (lhs: Tensor, rhs: Scalar) -> Tensor { lhs._map(parallel: false) { $0 - rhs } }
    /// The elementwise product with a scalar.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public static func * (lhs: Tensor, rhs: Scalar) -> Tensor { lhs._map(parallel: false) { $0 * rhs } }
    /// The elementwise quotient with a scalar.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public static func / (lhs: Tensor, rhs: Scalar) -> Tensor { lhs._map(parallel: false) { $0 / rhs } }
    /// The elementwise sum with a scalar.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public static func + (lhs: Scalar, rhs: Tensor) -> Tensor { rhs._map(parallel: false) { lhs + $0 } }
    /// The elementwise difference with a scalar.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public static func - (lhs: Scalar, rhs: Tensor) -> Tensor { rhs._map(parallel: false) { lhs - $0 } }
    /// The elementwise product with a scalar.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public static func * (lhs: Scalar, rhs: Tensor) -> Tensor { rhs._map(parallel: false) { lhs * $0 } }
    /// The elementwise quotient with a scalar.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public static func / (lhs: Scalar, rhs: Tensor) -> Tensor { rhs._map(parallel: false) { lhs / $0 } }
    /// The elementwise negation −x.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public static prefix func - (x: Tensor) -> Tensor { x._map(parallel: true) { -$0 } }
    /// `lhs = lhs + rhs`, elementwise with broadcasting.
    @inlinable public static func += (lhs: inout Tensor, rhs: Tensor) { lhs = lhs + rhs }
    /// `lhs = lhs - rhs`, elementwise with broadcasting.
    @inlinable public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs - rhs }
    /// `lhs = lhs * rhs`, elementwise with broadcasting.
    @inlinable public static func *= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs * rhs }
    /// `lhs = lhs / rhs`, elementwise with broadcasting.
    @inlinable public static func /= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs / rhs }
    /// `lhs = lhs + rhs`, elementwise with the scalar.
    @inlinable public static func += (lhs: inout Tensor, rhs: Scalar) { lhs = lhs + rhs }
    /// `lhs = lhs - rhs`, elementwise with the scalar.
    @inlinable public static func -= (lhs: inout Tensor, rhs: Scalar) { lhs = lhs - rhs }
    /// `lhs = lhs * rhs`, elementwise with the scalar.
    @inlinable public static func *= (lhs: inout Tensor, rhs: Scalar) { lhs = lhs * rhs }
    /// `lhs = lhs / rhs`, elementwise with the scalar.
    @inlinable public static func /= (lhs: inout Tensor, rhs: Scalar) { lhs = lhs / rhs }

    /// Whether every element is within `atol + rtol·|other|` of the other tensor's (shapes must be equal).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func isAlmostEqual(to other: Tensor, absoluteTolerance: Scalar = 1e-6,
                              relativeTolerance: Scalar = 1e-5) -> Bool {
        guard shape == other.shape else { return false }
        let a = scalars, b = other.scalars
        for i in 0..<a.count {
            if Swift.abs(a[i] - b[i]) > absoluteTolerance + relativeTolerance * Swift.abs(b[i]) { return false }
        }
        return true
    }
}

// MARK: - Elementwise functions

/// eˣ, elementwise.
@_specialize(exported: true, where S == Float)
@inlinable public func exp<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { x._map(parallel: true, S.exp) }
/// The natural logarithm, elementwise.
@_specialize(exported: true, where S == Float)
@inlinable public func log<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { x._map(parallel: true, S.log(_:)) }
/// The square root, elementwise.
@_specialize(exported: true, where S == Float)
@inlinable public func sqrt<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { x._map(parallel: true) { $0.squareRoot() } }
/// |x|, elementwise.
@_specialize(exported: true, where S == Float)
@inlinable public func abs<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { x._map(parallel: true) { Swift.abs($0) } }
/// The sine, elementwise.
@_specialize(exported: true, where S == Float)
@inlinable public func sin<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { x._map(parallel: true, S.sin) }
/// The cosine, elementwise.
@_specialize(exported: true, where S == Float)
@inlinable public func cos<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { x._map(parallel: true, S.cos) }
/// The tangent, elementwise.
@_specialize(exported: true, where S == Float)
@inlinable public func tan<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { x._map(parallel: true, S.tan) }
/// The hyperbolic tangent, elementwise.
@_specialize(exported: true, where S == Float)
@inlinable public func tanh<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { x._map(parallel: true, S.tanh) }
/// The logistic sigmoid 1 / (1 + e⁻ˣ), elementwise, stable for large |x|.
@_specialize(exported: true, where S == Float)
@inlinable public func sigmoid<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { x._map(parallel: true, S._sigmoid) }
/// max(x, 0), elementwise.
@_specialize(exported: true, where S == Float)
@inlinable public func relu<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { x._map(parallel: true) { $0 > 0 ? $0 : 0 } }
/// x for x > 0, alpha·x otherwise, elementwise.
@_specialize(exported: true, where S == Float)
@inlinable public func leakyRelu<S: TensorScalar>(_ x: Tensor<S>, alpha: S = 0.01) -> Tensor<S> {
    x._map(parallel: false) { $0 > 0 ? $0 : alpha * $0 }
}
/// log(1 + eˣ), elementwise, stable for large |x|.
@_specialize(exported: true, where S == Float)
@inlinable public func softplus<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { x._map(parallel: true, S._softplus) }
/// The Gaussian error linear unit x·Φ(x), elementwise, in its exact (erf) form: PyTorch's default `gelu`.
@_specialize(exported: true, where S == Float)
@inlinable public func gelu<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { x._map(parallel: true, S._gelu) }
/// The sigmoid linear unit x·σ(x) (swish), elementwise.
@_specialize(exported: true, where S == Float)
@inlinable public func silu<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { x._map(parallel: true, S._silu) }
/// log(1 + x), elementwise, accurate for small |x|.
@_specialize(exported: true, where S == Float)
@inlinable public func log1p<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { x._map(parallel: true, S.log(onePlus:)) }
/// eˣ − 1, elementwise, accurate for small |x|.
@_specialize(exported: true, where S == Float)
@inlinable public func expm1<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { x._map(parallel: true, S.expMinusOne) }
/// Φ(x), the standard normal distribution function, elementwise.
@_specialize(exported: true, where S == Float)
@inlinable package func normalCDF<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { x._map(parallel: true, S._normalCDF) }
/// xʸ, elementwise with broadcasting.
@_specialize(exported: true, where S == Float)
@inlinable public func pow<S: TensorScalar>(_ x: Tensor<S>, _ y: Tensor<S>) -> Tensor<S> {
    Tensor.zip(x, y, op: "pow", S.pow)
}
/// xʸ for a scalar exponent, elementwise.
@_specialize(exported: true, where S == Float)
@inlinable public func pow<S: TensorScalar>(_ x: Tensor<S>, _ y: S) -> Tensor<S> {
    if y == 2 { return x._map(parallel: true) { $0 * $0 } }
    return x._map(parallel: false) { S.pow($0, y) }
}
/// bʸ for a scalar base, elementwise.
@_specialize(exported: true, where S == Float)
@inlinable public func pow<S: TensorScalar>(_ x: S, _ y: Tensor<S>) -> Tensor<S> {
    y._map(parallel: false) { S.pow(x, $0) }
}
/// The larger of a tensor and a scalar, elementwise.
@_specialize(exported: true, where S == Float)
@inlinable public func max<S: TensorScalar>(_ x: Tensor<S>, _ y: S) -> Tensor<S> { x._map(parallel: false) { $0 >= y ? $0 : y } }
/// The larger of a scalar and a tensor, elementwise.
@_specialize(exported: true, where S == Float)
@inlinable public func max<S: TensorScalar>(_ x: S, _ y: Tensor<S>) -> Tensor<S> { y._map(parallel: false) { x >= $0 ? x : $0 } }
/// The smaller of a tensor and a scalar, elementwise.
@_specialize(exported: true, where S == Float)
@inlinable public func min<S: TensorScalar>(_ x: Tensor<S>, _ y: S) -> Tensor<S> { x._map(parallel: false) { $0 <= y ? $0 : y } }
/// The smaller of a scalar and a tensor, elementwise.
@_specialize(exported: true, where S == Float)
@inlinable public func min<S: TensorScalar>(_ x: S, _ y: Tensor<S>) -> Tensor<S> { y._map(parallel: false) { x <= $0 ? x : $0 } }
/// The larger of two tensors, elementwise with broadcasting.
@_specialize(exported: true, where S == Float)
@inlinable public func max<S: TensorScalar>(_ x: Tensor<S>, _ y: Tensor<S>) -> Tensor<S> {
    Tensor.zip(x, y, op: "max") { $0 >= $1 ? $0 : $1 }
}
/// The smaller of two tensors, elementwise with broadcasting.
@_specialize(exported: true, where S == Float)
@inlinable public func min<S: TensorScalar>(_ x: Tensor<S>, _ y: Tensor<S>) -> Tensor<S> {
    Tensor.zip(x, y, op: "min") { $0 <= $1 ? $0 : $1 }
}
/// Takes `a` where `mask` is true and `b` elsewhere, broadcasting all three shapes.
@_specialize(exported: true, where S == Float)
@inlinable
public func select<S: TensorElement>(_ mask: Tensor<Bool>, _ a: Tensor<S>, _ b: Tensor<S>,
                                     file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
    if mask.shape == a.shape && a.shape == b.shape {
        return mask.withUnsafeBufferPointer { m in
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    Tensor<S>(shape: a.shape, unsafeUninitialized: { dst in
                        for i in 0..<dst.count { dst[i] = m[i] ? pa[i] : pb[i] }
                    })
                }
            }
        }
    }
    let shape = stopOnShapeError(at: CallSite(file: file, line: line)) { () throws(ShapeError) in
        try ShapeCheck.select(mask: mask.shape, a.shape, b.shape)
    }
    return select(mask.broadcasted(to: shape), a.broadcasted(to: shape), b.broadcasted(to: shape))
}

// MARK: - Comparisons (masks)

infix operator .< : ComparisonPrecedence
infix operator .<= : ComparisonPrecedence
infix operator .> : ComparisonPrecedence
infix operator .>= : ComparisonPrecedence
infix operator .== : ComparisonPrecedence
infix operator .!= : ComparisonPrecedence

/// The six elementwise comparisons. They share one compiled loop per operand kind (`Tensor.compare`):
/// a comparison is not on a training path, and six loops of their own were about 5 % of TensorCore's optimizer time.
@usableFromInline
enum ComparisonOp: UInt8, Sendable {
    case less, lessOrEqual, greater, greaterOrEqual, equal, notEqual

    /// Whether `x` and `y` compare this way.
    @inlinable @inline(__always)
    func holds<T: Comparable>(_ x: T, _ y: T) -> Bool {
        switch self {
        case .less: return x < y
        case .lessOrEqual: return x <= y
        case .greater: return x > y
        case .greaterOrEqual: return x >= y
        case .equal: return x == y
        case .notEqual: return x != y
        }
    }
}

extension Tensor where Scalar: TensorScalar {
    /// `l` compared with `r` elementwise, broadcasting.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable @inline(never)
    static func compare(_ l: Tensor, _ r: Tensor, _ comparison: ComparisonOp, op: StaticString) -> Tensor<Bool> {
        zip(l, r, op: op) { comparison.holds($0, $1) }
    }

    /// `l` compared with the scalar `r` elementwise.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable @inline(never)
    static func compare(_ l: Tensor, _ r: Scalar, _ comparison: ComparisonOp) -> Tensor<Bool> {
        l.map { comparison.holds($0, r) }
    }

    /// Elementwise `<`, broadcasting; a mask for `select(_:_:_:)`.
    @inlinable public static func .< (l: Tensor, r: Tensor) -> Tensor<Bool> { compare(l, r, .less, op: ".<") }
    /// Elementwise `<=`, broadcasting.
    @inlinable public static func .<= (l: Tensor, r: Tensor) -> Tensor<Bool> { compare(l, r, .lessOrEqual, op: ".<=") }
    /// Elementwise `>`, broadcasting.
    @inlinable public static func .> (l: Tensor, r: Tensor) -> Tensor<Bool> { compare(l, r, .greater, op: ".>") }
    /// Elementwise `>=`, broadcasting.
    @inlinable public static func .>= (l: Tensor, r: Tensor) -> Tensor<Bool> { compare(l, r, .greaterOrEqual, op: ".>=") }
    /// Elementwise `==`, broadcasting.
    @inlinable public static func .== (l: Tensor, r: Tensor) -> Tensor<Bool> { compare(l, r, .equal, op: ".==") }
    /// Elementwise `!=`, broadcasting.
    @inlinable public static func .!= (l: Tensor, r: Tensor) -> Tensor<Bool> { compare(l, r, .notEqual, op: ".!=") }
    /// Elementwise `<` against a scalar.
    @inlinable public static func .< (l: Tensor, r: Scalar) -> Tensor<Bool> { compare(l, r, .less) }
    /// Elementwise `<=` against a scalar.
    @inlinable public static func .<= (l: Tensor, r: Scalar) -> Tensor<Bool> { compare(l, r, .lessOrEqual) }
    /// Elementwise `>` against a scalar.
    @inlinable public static func .> (l: Tensor, r: Scalar) -> Tensor<Bool> { compare(l, r, .greater) }
    /// Elementwise `>=` against a scalar.
    @inlinable public static func .>= (l: Tensor, r: Scalar) -> Tensor<Bool> { compare(l, r, .greaterOrEqual) }
    /// Elementwise `==` against a scalar.
    @inlinable public static func .== (l: Tensor, r: Scalar) -> Tensor<Bool> { compare(l, r, .equal) }
    /// Elementwise `!=` against a scalar.
    @inlinable public static func .!= (l: Tensor, r: Scalar) -> Tensor<Bool> { compare(l, r, .notEqual) }
}

extension Tensor where Scalar == Bool {
    /// Elementwise logical and.
    @inlinable public static func .& (l: Tensor, r: Tensor) -> Tensor { logical(l, r, and: true, op: ".&") }
    /// Elementwise logical or.
    @inlinable public static func .| (l: Tensor, r: Tensor) -> Tensor { logical(l, r, and: false, op: ".|") }
    /// `.&` and `.|` in one compiled loop.
    @usableFromInline @inline(never)
    static func logical(_ l: Tensor, _ r: Tensor, and: Bool, op: StaticString) -> Tensor {
        zip(l, r, op: op) { and ? $0 && $1 : $0 || $1 }
    }
    /// Elementwise logical not.
    @inlinable public static prefix func .! (x: Tensor) -> Tensor { x._map(parallel: true) { !$0 } }
}

infix operator .& : LogicalConjunctionPrecedence
infix operator .| : LogicalDisjunctionPrecedence
prefix operator .!
