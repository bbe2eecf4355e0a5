// + − × ÷ and powers, with broadcasting. Each rule returns the gradient for the broadcast shape; the backward
// sweep sums it back to the operand's own shape where it adds a contribution to an input's gradient
// (Backward.swift: `sweepPlain` and `sweepRecorded`). The rule is written once (``ArithmeticOp/pullback``): a
// scalar node's partials are that rule at g = 1 (``ArithmeticOp/partials``), on the values its entries store.

/// The binary arithmetic primitives (an ``Entry`` stores the raw value).
@usableFromInline
enum ArithmeticOp: UInt8, Sendable {
    case add, subtract, multiply, divide, power

    /// Given g = dL/dy for y = a ∘ b, returns (dL/da, dL/db), each only when that operand needs it.
    ///
    /// ```
    /// y = a + b:  ∂a = g          ∂b = g
    /// y = a − b:  ∂a = g          ∂b = −g
    /// y = a · b:  ∂a = g·b        ∂b = g·a
    /// y = a / b:  ∂a = g / b      ∂b = −g·y / b
    /// y = aᵇ:     ∂a = g·b·aᵇ⁻¹   ∂b = g·y·log a
    /// ```
    @inlinable
    func pullback<G: ElementwiseAlgebra>(_ g: G, _ a: G, _ b: G, _ y: G, _ needA: Bool, _ needB: Bool) -> (G?, G?) {
        switch self {
        case .add: return (g, g)
        case .subtract: return (g, needB ? -g : nil)
        case .multiply: return (needA ? g * b : nil, needB ? g * a : nil)
        case .divide: return (needA ? g / b : nil, needB ? -(g * y / b) : nil)
        case .power: return (needA ? g * b * G._pow(a, b - 1) : nil, needB ? g * y * G._log(a) : nil)
        }
    }

    /// The local partial derivatives (∂y/∂a, ∂y/∂b) of y = a ∘ b on scalars, which the backward sweep multiplies a
    /// scalar node's gradient by: ``pullback(_:_:_:_:_:_:)`` itself at g = 1. `needB: false` skips ∂y/∂b (0) when
    /// b is a constant.
    @inlinable @inline(__always)
    func partials<S: TensorScalar>(_ a: S, _ b: S, _ y: S, needB: Bool) -> (S, S) {
        let (da, db) = pullback(RuleScalar(1), RuleScalar(a), RuleScalar(b), RuleScalar(y), true, needB)
        return (da.unsafelyUnwrapped.value, db?.value ?? 0)
    }
}

extension Variable {
    @inlinable
    static func arithmetic(_ op: ArithmeticOp, _ name: StaticString, _ a: Variable, _ b: Variable,
                           _ value: Tensor<Scalar>, site: CallSite = .operator) -> Variable {
        record(value, name, a, b, site: site) { .arithmetic(op, $0, $1) }
    }

    /// Records `a ∘ b`: a scalar node when both are rank 0 and neither is a tape node, else a
    /// node of the tape (``arithmeticNode(_:_:_:_:scalarOp:tensorOp:)``). The common scalar case is inlined
    /// (``recordScalarInline(_:_:kind:code:_:)``), the others are one call.
    @inlinable @inline(__always)
    static func arithmetic(_ op: ArithmeticOp, _ name: StaticString, _ a: Variable, _ b: Variable,
                           scalarOp: (Scalar, Scalar) -> Scalar,
                           tensorOp: (Tensor<Scalar>, Tensor<Scalar>) -> Tensor<Scalar>) -> Variable {
        if let node = recordScalarInline(a, b, kind: .arithmetic, code: op.rawValue, scalarOp) { return node }
        return arithmeticOffTheInlinePath(op, name, a, b, scalarOp: scalarOp, tensorOp: tensorOp)
    }

    /// ``arithmetic(_:_:_:_:scalarOp:tensorOp:)`` when its inlined scalar path does not apply.
    @inlinable @inline(never)
    static func arithmeticOffTheInlinePath(_ op: ArithmeticOp, _ name: StaticString, _ a: Variable, _ b: Variable,
                                           scalarOp: (Scalar, Scalar) -> Scalar,
                                           tensorOp: (Tensor<Scalar>, Tensor<Scalar>) -> Tensor<Scalar>) -> Variable {
        if let x = a.arenaOperandScalar, let y = b.arenaOperandScalar {
            let v = scalarOp(x, y)
            return recordScalar(v, name, a, b, kind: .arithmetic, code: op.rawValue)
        }
        return arithmeticNode(op, name, a, b, scalarOp: scalarOp, tensorOp: tensorOp)
    }

    /// Records `a ∘ b` as a node of the tape: computed on plain scalars when both are rank 0, with `tensorOp`
    /// otherwise. (A call: it keeps the scalar path above small enough to inline.)
    @_specialize(exported: true, where Scalar == Float)
    @inlinable @inline(never)
    static func arithmeticNode(_ op: ArithmeticOp, _ name: StaticString, _ a: Variable, _ b: Variable,
                               scalarOp: (Scalar, Scalar) -> Scalar,
                               tensorOp: (Tensor<Scalar>, Tensor<Scalar>) -> Tensor<Scalar>) -> Variable {
        let value: Tensor<Scalar>
        if let x = a._scalarValue, let y = b._scalarValue {
            value = Tensor(scalarOp(x, y))
        } else {
            value = tensorOp(a.value, b.value)
        }
        return record(value, name, a, b) { .arithmetic(op, $0, $1) }
    }

    /// Elementwise sum, broadcasting. (The four operators are always inlined: on scalars, recording is a few
    /// instructions, and a call would cost as much.)
    @inlinable @inline(__always) public static func + (lhs: Variable, rhs: Variable) -> Variable {
        arithmetic(.add, "+", lhs, rhs, scalarOp: { $0 + $1 }, tensorOp: { $0 + $1 })
    }
    /// Elementwise difference, broadcasting.
    @inlinable @inline(__always) public static func - (lhs: Variable, rhs: Variable) -> Variable {
        arithmetic(.subtract, "-", lhs, rhs, scalarOp: { $0 - $1 }, tensorOp: { $0 - $1 })
    }
    /// Elementwise product, broadcasting.
    @inlinable @inline(__always) public static func * (lhs: Variable, rhs: Variable) -> Variable {
        arithmetic(.multiply, "*", lhs, rhs, scalarOp: { $0 * $1 }, tensorOp: { $0 * $1 })
    }
    /// Elementwise quotient, broadcasting.
    @inlinable @inline(__always) public static func / (lhs: Variable, rhs: Variable) -> Variable {
        arithmetic(.divide, "/", lhs, rhs, scalarOp: { $0 / $1 }, tensorOp: { $0 / $1 })
    }

    /// Elementwise sum of a variable and a constant tensor, broadcasting; only the variable receives a gradient.
    @inlinable public static func + (lhs: Variable, rhs: Tensor<Scalar>) -> Variable { lhs + Variable(constant: rhs) }
    /// Elementwise difference of a variable and a constant tensor, broadcasting; only the variable receives a gradient.
    @inlinable public static func - (lhs: Variable, rhs: Tensor<Scalar>) -> Variable { lhs - Variable(constant: rhs) }
    /// Elementwise product of a variable and a constant tensor, broadcasting; only the variable receives a gradient.
    @inlinable public static func * (lhs: Variable, rhs: Tensor<Scalar>) -> Variable { lhs * Variable(constant: rhs) }
    /// Elementwise quotient of a variable and a constant tensor, broadcasting; only the variable receives a gradient.
    @inlinable public static func / (lhs: Variable, rhs: Tensor<Scalar>) -> Variable { lhs / Variable(constant: rhs) }
    /// Elementwise sum of a constant tensor and a variable, broadcasting; only the variable receives a gradient.
    @inlinable public static func + (lhs: Tensor<Scalar>, rhs: Variable) -> Variable { Variable(constant: lhs) + rhs }
    /// Elementwise difference of a constant tensor and a variable, broadcasting; only the variable receives a gradient.
    @inlinable public static func - (lhs: Tensor<Scalar>, rhs: Variable) -> Variable { Variable(constant: lhs) - rhs }
    /// Elementwise product of a constant tensor and a variable, broadcasting; only the variable receives a gradient.
    @inlinable public static func * (lhs: Tensor<Scalar>, rhs: Variable) -> Variable { Variable(constant: lhs) * rhs }
    /// Elementwise quotient of a constant tensor and a variable, broadcasting; only the variable receives a gradient.
    @inlinable public static func / (lhs: Tensor<Scalar>, rhs: Variable) -> Variable { Variable(constant: lhs) / rhs }
    /// Elementwise sum of a variable and a constant scalar, broadcasting; only the variable receives a gradient.
    @inlinable public static func + (lhs: Variable, rhs: Scalar) -> Variable { lhs + Variable(constant: Tensor(rhs)) }
    /// Elementwise difference of a variable and a constant scalar, broadcasting; only the variable receives a gradient.
    @inlinable public static func - (lhs: Variable, rhs: Scalar) -> Variable { lhs - Variable(constant: Tensor(rhs)) }
    /// Elementwise product of a variable and a constant scalar, broadcasting; only the variable receives a gradient.
    @inlinable public static func * (lhs: Variable, rhs: Scalar) -> Variable { lhs * Variable(constant: Tensor(rhs)) }
    /// Elementwise quotient of a variable and a constant scalar, broadcasting; only the variable receives a gradient.
    @inlinable public static func / (lhs: Variable, rhs: Scalar) -> Variable { lhs / Variable(constant: Tensor(rhs)) }
    /// Elementwise sum of a constant scalar and a variable, broadcasting; only the variable receives a gradient.
    @inlinable public static func + (lhs: Scalar, rhs: Variable) -> Variable { Variable(constant: Tensor(lhs)) + rhs }
    /// Elementwise difference of a constant scalar and a variable, broadcasting; only the variable receives a gradient.
    @inlinable public static func - (lhs: Scalar, rhs: Variable) -> Variable { Variable(constant: Tensor(lhs)) - rhs }
    /// Elementwise product of a constant scalar and a variable, broadcasting; only the variable receives a gradient.
    @inlinable public static func * (lhs: Scalar, rhs: Variable) -> Variable { Variable(constant: Tensor(lhs)) * rhs }
    /// Elementwise quotient of a constant scalar and a variable, broadcasting; only the variable receives a gradient.
    @inlinable public static func / (lhs: Scalar, rhs: Variable) -> Variable { Variable(constant: Tensor(lhs)) / rhs }

    /// Replaces `lhs` by the recorded `lhs + rhs` (sum with a variable).
    @inlinable public static func += (lhs: inout Variable, rhs: Variable) { lhs = lhs + rhs }
    /// Replaces `lhs` by the recorded `lhs - rhs` (difference with a variable).
    @inlinable public static func -= (lhs: inout Variable, rhs: Variable) { lhs = lhs - rhs }
    /// Replaces `lhs` by the recorded `lhs * rhs` (product with a variable).
    @inlinable public static func *= (lhs: inout Variable, rhs: Variable) { lhs = lhs * rhs }
    /// Replaces `lhs` by the recorded `lhs / rhs` (quotient with a variable).
    @inlinable public static func /= (lhs: inout Variable, rhs: Variable) { lhs = lhs / rhs }
    /// Replaces `lhs` by the recorded `lhs + rhs` (sum with a constant tensor).
    @inlinable public static func += (lhs: inout Variable, rhs: Tensor<Scalar>) { lhs = lhs + rhs }
    /// Replaces `lhs` by the recorded `lhs - rhs` (difference with a constant tensor).
    @inlinable public static func -= (lhs: inout Variable, rhs: Tensor<Scalar>) { lhs = lhs - rhs }
    /// Replaces `lhs` by the recorded `lhs * rhs` (product with a constant tensor).
    @inlinable public static func *= (lhs: inout Variable, rhs: Tensor<Scalar>) { lhs = lhs * rhs }
    /// Replaces `lhs` by the recorded `lhs / rhs` (quotient with a constant tensor).
    @inlinable public static func /= (lhs: inout Variable, rhs: Tensor<Scalar>) { lhs = lhs / rhs }
    /// Replaces `lhs` by the recorded `lhs + rhs` (sum with a constant scalar).
    @inlinable public static func += (lhs: inout Variable, rhs: Scalar) { lhs = lhs + rhs }
    /// Replaces `lhs` by the recorded `lhs - rhs` (difference with a constant scalar).
    @inlinable public static func -= (lhs: inout Variable, rhs: Scalar) { lhs = lhs - rhs }
    /// Replaces `lhs` by the recorded `lhs * rhs` (product with a constant scalar).
    @inlinable public static func *= (lhs: inout Variable, rhs: Scalar) { lhs = lhs * rhs }
    /// Replaces `lhs` by the recorded `lhs / rhs` (quotient with a constant scalar).
    @inlinable public static func /= (lhs: inout Variable, rhs: Scalar) { lhs = lhs / rhs }
}

/// xʸ elementwise, broadcasting; differentiable in both operands (∂y needs x > 0).
@_specialize(exported: true, where S == Float)
@inlinable
public func pow<S>(_ x: Variable<S>, _ y: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    Variable.arithmetic(.power, "pow", x, y, pow(x.value, y.value), site: CallSite(file: file, line: line))
}

/// xᵖ elementwise for a constant exponent.
@_specialize(exported: true, where S == Float)
@inlinable
public func pow<S>(_ x: Variable<S>, _ p: S, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    Variable.arithmetic(.power, "pow", x, Variable(constant: Tensor(p)), pow(x.value, p), site: CallSite(file: file, line: line))
}

/// bˣ elementwise for a constant base (b > 0).
@_specialize(exported: true, where S == Float)
@inlinable
public func pow<S>(_ base: S, _ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    pow(Variable(constant: Tensor(base)), x, file: file, line: line)
}

/// xᵖ elementwise for a constant tensor of exponents, broadcasting.
@_specialize(exported: true, where S == Float)
@inlinable
public func pow<S>(_ x: Variable<S>, _ p: Tensor<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    pow(x, Variable(constant: p), file: file, line: line)
}

/// bˣ elementwise for a constant tensor of bases (b > 0), broadcasting.
@_specialize(exported: true, where S == Float)
@inlinable
public func pow<S>(_ base: Tensor<S>, _ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    pow(Variable(constant: base), x, file: file, line: line)
}
