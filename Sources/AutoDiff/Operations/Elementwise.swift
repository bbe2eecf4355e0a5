// Functions applied element by element, each beside its derivative (y is the result, saved by the tape).

/// The one-input elementwise primitives (an ``Entry`` stores the raw value).
@usableFromInline
enum ElementwiseOp: UInt8, Sendable {
    case negate, exp, log, sqrt, abs, sin, cos, tan, tanh, sigmoid, relu, softplus
    case gelu, silu, log1p, expm1
    /// Φ(x), the standard normal distribution function: not public; gelu's rule is written with it, so that a
    /// recorded backward pass of gelu can be differentiated again.
    case normalCDF

    /// Given g = dL/dy for y = f(x), returns dL/dx.
    ///
    /// ```
    /// −x        −g                 sin x      g·cos x
    /// eˣ        g·y                cos x      −g·sin x
    /// log x     g / x              tan x      g·(1 + y²)
    /// √x        g / (2y)           tanh x     g·(1 − y²)
    /// |x|       g·sign(x)          σ(x)       g·y·(1 − y)
    /// relu x    g·[x > 0]          softplus   g·σ(x)
    /// gelu x    g·(Φ(x) + x·φ(x))  silu x     g·(σ(x) + y·(1 − σ(x)))
    /// log1p x   g·(1 / (1 + x))    expm1 x    g·(1 + y)
    /// Φ(x)      g·φ(x)             where φ(x) = e^(−x²/2) / √(2π)
    /// ```
    ///
    /// A scalar node's partial is this rule at g = 1 (``partial(_:_:)``).
    @inlinable
    func pullback<G: ElementwiseAlgebra>(_ g: G, _ x: G, _ y: G) -> G {
        switch self {
        case .negate: return -g
        case .exp: return g * y
        case .log: return g / x
        case .sqrt: return g / (y * 2)
        case .abs: return g * G._sign(x)
        case .sin: return g * G._cos(x)
        case .cos: return -(g * G._sin(x))
        case .tan: return g * (1 + y * y)
        case .tanh: return g * (1 - y * y)
        case .sigmoid: return g * y * (1 - y)
        case .relu: return G._timesStep(g, x, otherwise: 0)
        case .softplus: return g * G._sigmoid(x)
        case .gelu: return g * (G._normalCDF(x) + x * G._exp(x * x * -0.5) * G.Scalar.inverseSqrt2Pi)
        case .silu:
            let s = G._sigmoid(x)
            return g * (s + y * (1 - s))
        case .log1p: return g * (1 / (1 + x))
        case .expm1: return g * (1 + y)
        case .normalCDF: return g * (G._exp(x * x * -0.5) * G.Scalar.inverseSqrt2Pi)
        }
    }

    /// The local derivative dy/dx of y = f(x) on scalars, which the backward sweep multiplies a scalar node's
    /// gradient by: ``pullback(_:_:_:)`` itself at g = 1.
    @inlinable @inline(__always)
    func partial<S: TensorScalar>(_ x: S, _ y: S) -> S {
        pullback(RuleScalar(1), RuleScalar(x), RuleScalar(y)).value
    }
}

/// Given g = dL/dy for y = leakyRelu(x, alpha), returns dL/dx = g·(x > 0 ? 1 : α).
@inlinable
func leakyReluPullback<G: ElementwiseAlgebra>(_ g: G, _ x: G, alpha: G.Scalar) -> G {
    G._timesStep(g, x, otherwise: alpha)
}

extension Variable {
    /// Records `f(x)`: a scalar node when `x` is rank 0 and not a tape node, else a node of
    /// the tape (``elementwiseNode(_:_:_:_:site:scalar:)``).
    @inlinable @inline(__always)
    static func elementwise(_ op: ElementwiseOp, _ name: StaticString, _ x: Variable,
                            _ value: @autoclosure () -> Tensor<Scalar>, site: CallSite = .operator,
                            scalar: (Scalar) -> Scalar) -> Variable {
        if let node = recordScalarInline(x, code: op.rawValue, scalar) { return node }
        return elementwiseOffTheInlinePath(op, name, x, value(), site: site, scalar: scalar)
    }

    /// ``elementwise(_:_:_:_:site:scalar:)`` when its inlined scalar path does not apply.
    @inlinable @inline(never)
    static func elementwiseOffTheInlinePath(_ op: ElementwiseOp, _ name: StaticString, _ x: Variable,
                                            _ value: @autoclosure () -> Tensor<Scalar>, site: CallSite,
                                            scalar: (Scalar) -> Scalar) -> Variable {
        if let s = x.arenaOperandScalar {
            let y = scalar(s)
            return recordScalar(y, name, x, site: site, kind: .elementwise, code: op.rawValue)
        }
        return elementwiseNode(op, name, x, value(), site: site, scalar: scalar)
    }

    /// Records `f(x)` as a node of the tape: computed on a plain scalar when `x` is rank 0, else `value`. (A
    /// call: it keeps the scalar path above small enough to inline.)
    @_specialize(exported: true, where Scalar == Float)
    @inlinable @inline(never)
    static func elementwiseNode(_ op: ElementwiseOp, _ name: StaticString, _ x: Variable,
                                _ value: @autoclosure () -> Tensor<Scalar>, site: CallSite,
                                scalar: (Scalar) -> Scalar) -> Variable {
        let v = x._scalarValue.map { Tensor(scalar($0)) } ?? value()
        return record(v, name, x, site: site) { .elementwise(op, $0) }
    }

    /// Elementwise negation.
    @inlinable public static prefix func - (x: Variable) -> Variable {
        elementwise(.negate, "-", x, -x.value, scalar: { -$0 })
    }
}

/// eˣ, elementwise. d/dx eˣ = eˣ.
@inlinable public func exp<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    .elementwise(.exp, "exp", x, exp(x.value), site: CallSite(file: file, line: line), scalar: S._exp)
}
/// The natural logarithm, elementwise. d/dx log x = 1/x.
@inlinable public func log<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    .elementwise(.log, "log", x, log(x.value), site: CallSite(file: file, line: line), scalar: S._log)
}
/// The square root, elementwise. d/dx √x = 1/(2√x).
@inlinable public func sqrt<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    .elementwise(.sqrt, "sqrt", x, sqrt(x.value), site: CallSite(file: file, line: line), scalar: { $0.squareRoot() })
}
/// |x|, elementwise. d/dx |x| = sign(x) (0 at 0).
@inlinable public func abs<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    .elementwise(.abs, "abs", x, abs(x.value), site: CallSite(file: file, line: line), scalar: { Swift.abs($0) })
}
/// The sine, elementwise. d/dx sin x = cos x.
@inlinable public func sin<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    .elementwise(.sin, "sin", x, sin(x.value), site: CallSite(file: file, line: line), scalar: S._sin)
}
/// The cosine, elementwise. d/dx cos x = −sin x.
@inlinable public func cos<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    .elementwise(.cos, "cos", x, cos(x.value), site: CallSite(file: file, line: line), scalar: S._cos)
}
/// The tangent, elementwise. d/dx tan x = 1 + tan² x.
@inlinable public func tan<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    .elementwise(.tan, "tan", x, tan(x.value), site: CallSite(file: file, line: line), scalar: S._tan)
}
/// The hyperbolic tangent, elementwise. d/dx tanh x = 1 − tanh² x.
@inlinable public func tanh<S>(_ x: Variable<S>) -> Variable<S> {
    .elementwise(.tanh, "tanh", x, tanh(x.value), scalar: S._tanh)
}
/// The logistic sigmoid σ(x) = 1 / (1 + e⁻ˣ), stable for large |x|. d/dx σ(x) = σ(x)(1 − σ(x)).
@inlinable public func sigmoid<S>(_ x: Variable<S>) -> Variable<S> {
    .elementwise(.sigmoid, "sigmoid", x, sigmoid(x.value), scalar: S._sigmoid)
}
/// max(x, 0), elementwise. d/dx relu x = 1 for x > 0, else 0.
@inlinable public func relu<S>(_ x: Variable<S>) -> Variable<S> {
    .elementwise(.relu, "relu", x, relu(x.value), scalar: { $0 > 0 ? $0 : 0 })
}
/// x for x > 0, alpha·x otherwise. d/dx = 1 for x > 0, else alpha.
@inlinable public func leakyRelu<S>(_ x: Variable<S>, alpha: S = 0.01, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    Variable.record(leakyRelu(x.value, alpha: alpha), "leakyRelu", x, site: CallSite(file: file, line: line)) {
        .leakyRelu($0, alpha: alpha)
    }
}
/// log(1 + eˣ), stable for large |x|. d/dx softplus x = σ(x).
@inlinable public func softplus<S>(_ x: Variable<S>) -> Variable<S> {
    .elementwise(.softplus, "softplus", x, softplus(x.value), scalar: S._softplus)
}

/// The Gaussian error linear unit x·Φ(x), Φ the standard normal distribution function: the exact (erf) form,
/// PyTorch's default `gelu`.
///
/// ```
/// d/dx gelu x = Φ(x) + x·φ(x),   φ(x) = e^(−x²/2) / √(2π)
/// ```
@inlinable public func gelu<S>(_ x: Variable<S>) -> Variable<S> {
    .elementwise(.gelu, "gelu", x, gelu(x.value), scalar: S._gelu)
}
/// The sigmoid linear unit x·σ(x) (also called swish), PyTorch's `silu`.
///
/// ```
/// d/dx silu x = σ(x) + silu(x)·(1 − σ(x))
/// ```
@inlinable public func silu<S>(_ x: Variable<S>) -> Variable<S> {
    .elementwise(.silu, "silu", x, silu(x.value), scalar: S._silu)
}
/// log(1 + x), elementwise, accurate for small |x|.
///
/// ```
/// d/dx log1p x = 1 / (1 + x)
/// ```
@inlinable public func log1p<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    .elementwise(.log1p, "log1p", x, log1p(x.value), site: CallSite(file: file, line: line), scalar: S._log1p)
}
/// eˣ − 1, elementwise, accurate for small |x|.
///
/// ```
/// d/dx expm1 x = eˣ = expm1(x) + 1
/// ```
@inlinable public func expm1<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    .elementwise(.expm1, "expm1", x, expm1(x.value), site: CallSite(file: file, line: line), scalar: S._expm1)
}
/// Φ(x), the standard normal distribution function, elementwise (what gelu's rule is written with).
/// d/dx Φ(x) = φ(x) = e^(−x²/2) / √(2π).
@inlinable func normalCDF<S>(_ x: Variable<S>) -> Variable<S> {
    .elementwise(.normalCDF, "normalCDF", x, normalCDF(x.value), scalar: S._normalCDF)
}

/// The larger of two values, elementwise with broadcasting; where they tie, the gradient goes to `x`.
@inlinable public func max<S>(_ x: Variable<S>, _ y: Variable<S>) -> Variable<S> { select(x.value .>= y.value, x, y) }
/// The smaller of two values, elementwise with broadcasting; where they tie, the gradient goes to `x`.
@inlinable public func min<S>(_ x: Variable<S>, _ y: Variable<S>) -> Variable<S> { select(x.value .<= y.value, x, y) }
/// The larger of a variable and a constant, elementwise; where they tie, the gradient goes to `x`.
@inlinable public func max<S>(_ x: Variable<S>, _ y: S) -> Variable<S> { max(x, Variable(constant: Tensor(y))) }
/// The smaller of a variable and a constant, elementwise; where they tie, the gradient goes to `x`.
@inlinable public func min<S>(_ x: Variable<S>, _ y: S) -> Variable<S> { min(x, Variable(constant: Tensor(y))) }
/// The larger of a variable and a tensor, elementwise with broadcasting; where they tie, the gradient goes to `x`.
@inlinable public func max<S>(_ x: Variable<S>, _ y: Tensor<S>) -> Variable<S> { max(x, Variable(constant: y)) }
/// The smaller of a variable and a tensor, elementwise with broadcasting; where they tie, the gradient goes to `x`.
@inlinable public func min<S>(_ x: Variable<S>, _ y: Tensor<S>) -> Variable<S> { min(x, Variable(constant: y)) }
/// The larger of a constant and a variable, elementwise; where they tie, the constant is taken (`y` gets no
/// gradient there).
@inlinable public func max<S>(_ x: S, _ y: Variable<S>) -> Variable<S> { max(Variable(constant: Tensor(x)), y) }
/// The smaller of a constant and a variable, elementwise; where they tie, the constant is taken (`y` gets no
/// gradient there).
@inlinable public func min<S>(_ x: S, _ y: Variable<S>) -> Variable<S> { min(Variable(constant: Tensor(x)), y) }
/// The larger of a tensor and a variable, elementwise with broadcasting; where they tie, the tensor's element is
/// taken (`y` gets no gradient there).
@inlinable public func max<S>(_ x: Tensor<S>, _ y: Variable<S>) -> Variable<S> { max(Variable(constant: x), y) }
/// The smaller of a tensor and a variable, elementwise with broadcasting; where they tie, the tensor's element is
/// taken (`y` gets no gradient there).
@inlinable public func min<S>(_ x: Tensor<S>, _ y: Variable<S>) -> Variable<S> { min(Variable(constant: x), y) }

extension Variable {
    /// Elementwise `<` of the values (no gradient: a mask).
    @inlinable public static func .< (l: Variable, r: Variable) -> Tensor<Bool> { l.value .< r.value }
    /// Elementwise `<=` of the values.
    @inlinable public static func .<= (l: Variable, r: Variable) -> Tensor<Bool> { l.value .<= r.value }
    /// Elementwise `>` of the values.
    @inlinable public static func .> (l: Variable, r: Variable) -> Tensor<Bool> { l.value .> r.value }
    /// Elementwise `>=` of the values.
    @inlinable public static func .>= (l: Variable, r: Variable) -> Tensor<Bool> { l.value .>= r.value }
    /// Elementwise `==` of the values.
    @inlinable public static func .== (l: Variable, r: Variable) -> Tensor<Bool> { l.value .== r.value }
    /// Elementwise `<` against a scalar.
    @inlinable public static func .< (l: Variable, r: Scalar) -> Tensor<Bool> { l.value .< r }
    /// Elementwise `<=` against a scalar.
    @inlinable public static func .<= (l: Variable, r: Scalar) -> Tensor<Bool> { l.value .<= r }
    /// Elementwise `>` against a scalar.
    @inlinable public static func .> (l: Variable, r: Scalar) -> Tensor<Bool> { l.value .> r }
    /// Elementwise `>=` against a scalar.
    @inlinable public static func .>= (l: Variable, r: Scalar) -> Tensor<Bool> { l.value .>= r }
    /// Elementwise `==` against a scalar.
    @inlinable public static func .== (l: Variable, r: Scalar) -> Tensor<Bool> { l.value .== r }
}
