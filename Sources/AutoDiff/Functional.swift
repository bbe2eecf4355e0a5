// The functional API: differentiate a Swift closure at a point, like Swift's own `gradient(at:of:)`
// and JAX's `grad`, `vjp`, `jacfwd`/`jacrev`, `hessian`.

/// Runs `body` with no current tape for `Scalar`, so that it records on a tape of its own; the caller's
/// graph is left as it was.
@inlinable
func withFreshTape<Scalar: TensorScalar, R>(_ type: Scalar.Type, _ body: () -> R) -> R {
    let context = ThreadContext.current
    let saved = Tape<Scalar>.existing(in: context)   // held strongly for the duration
    let savedMode = context.gradientsEnabled
    Tape<Scalar>.setCurrent(nil, in: context)
    context.gradientsEnabled = true
    defer {
        Tape<Scalar>.setCurrent(saved, in: context)
        context.gradientsEnabled = savedMode
    }
    return body()
}

extension Tape {
    @inlinable
    static func setCurrent(_ tape: Tape?, in context: ThreadContext) {
        context.setCurrentTape(tape)
    }
}

@inlinable
func requireScalarOutput<S>(_ y: Variable<S>, _ op: StaticString, _ file: StaticString, _ line: UInt) {
    if y.scalarCount != 1 {
        usageError("\(op)", "the function returned a value of shape \(y.shape), not a scalar",
                   fix: "return a scalar (e.g. .sum() or .mean()), or use jacobian(at:of:) / valueWithPullback(at:of:)",
                   at: CallSite(file: file, line: line))
    }
}

/// The gradient of a scalar function at `x`: ∇f(x), shaped like `x`.
///
/// ```swift
/// gradient(at: Tensor<Double>([1, 2, 3]), of: { x in (x * x).sum() })   // [2, 4, 6]
/// ```
@inlinable
public func gradient<S>(at x: Tensor<S>, of f: (Variable<S>) -> Variable<S>,
                        file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
    valueWithGradient(at: x, of: f, file: file, line: line).gradient
}

/// The value of a scalar function at `x` and its gradient there.
@inlinable
public func valueWithGradient<S>(at x: Tensor<S>, of f: (Variable<S>) -> Variable<S>,
                                 file: StaticString = #fileID, line: UInt = #line) -> (value: Tensor<S>, gradient: Tensor<S>) {
    withFreshTape(S.self) {
        let v = Variable(x)
        let y = f(v)
        requireScalarOutput(y, "gradient(at:of:)", file, line)
        return (y.value, gradients(of: y, withRespectTo: [v], file: file, line: line)[0].value)
    }
}

/// The gradients of a scalar function of several tensors, one per input.
///
/// ```swift
/// gradients(at: [a, b], of: { xs in (xs[0] * xs[1]).sum() })   // [b, a]
/// ```
@inlinable
public func gradients<S>(at xs: [Tensor<S>], of f: ([Variable<S>]) -> Variable<S>,
                         file: StaticString = #fileID, line: UInt = #line) -> [Tensor<S>] {
    valueWithGradients(at: xs, of: f, file: file, line: line).gradients
}

/// The value of a scalar function of several tensors and its gradients.
@inlinable
public func valueWithGradients<S>(at xs: [Tensor<S>], of f: ([Variable<S>]) -> Variable<S>,
                                  file: StaticString = #fileID, line: UInt = #line) -> (value: Tensor<S>, gradients: [Tensor<S>]) {
    withFreshTape(S.self) {
        let vs = xs.map { Variable($0) }
        let y = f(vs)
        requireScalarOutput(y, "gradients(at:of:)", file, line)
        return (y.value, gradients(of: y, withRespectTo: vs, file: file, line: line).map(\.value))
    }
}

/// The value of `f` at `x` and its pullback: a function from dL/df to dL/dx (a vector–Jacobian product).
///
/// The pullback can be called any number of times; it keeps the recorded graph alive while it exists.
@inlinable
public func valueWithPullback<S>(at x: Tensor<S>, of f: (Variable<S>) -> Variable<S>,
                                 file: StaticString = #fileID, line: UInt = #line)
    -> (value: Tensor<S>, pullback: (Tensor<S>) -> Tensor<S>) {
    withFreshTape(S.self) {
        let v = Variable(x)
        let y = f(v)
        // The closure keeps the tape: a scalar result (an arena node) does not.
        let tape = y.liveTape
        let pullback: (Tensor<S>) -> Tensor<S> = { seed in
            withExtendedLifetime(tape) {
                gradients(of: y, withRespectTo: [v], seed: seed, retainGraph: true, file: file, line: line)[0].value
            }
        }
        return (y.value, pullback)
    }
}

/// The Jacobian of `f` at `x`: element `[i…, j…]` is ∂f(x)[i…] / ∂x[j…]; its shape is `f(x).shape + x.shape`.
///
/// - Complexity: one backward pass per element of `f(x)`.
@inlinable
public func jacobian<S>(at x: Tensor<S>, of f: (Variable<S>) -> Variable<S>,
                        file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
    withFreshTape(S.self) {
        let v = Variable(x)
        let y = f(v)
        return jacobianRows(of: y, withRespectTo: v, file: file, line: line)
    }
}

/// The rows of the Jacobian of `y` with respect to the leaf `x`, by one backward pass per element of `y`.
@inlinable
func jacobianRows<S>(of y: Variable<S>, withRespectTo x: Variable<S>, file: StaticString, line: UInt) -> Tensor<S> {
    let n = y.scalarCount
    var flat: [S] = []
    flat.reserveCapacity(n * x.scalarCount)
    for i in 0..<n {
        var seed = [S](repeating: 0, count: n)
        seed[i] = 1
        let row = gradients(of: y, withRespectTo: [x], seed: Tensor(uncheckedShape: y.shape, buffer: seed),
                            retainGraph: true, file: file, line: line)[0]
        flat.append(contentsOf: row.value.scalars)
    }
    return Tensor(uncheckedShape: y.shape + x.shape, buffer: flat)
}

/// The Hessian of a scalar function at `x`: element `[i…, j…]` is ∂²f / ∂x[i…]∂x[j…]; its shape is
/// `x.shape + x.shape`.
///
/// Computed by differentiating the recorded backward pass (`createGraph`), one sweep per element of `x`.
@inlinable
public func hessian<S>(at x: Tensor<S>, of f: (Variable<S>) -> Variable<S>,
                       file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
    withFreshTape(S.self) {
        let v = Variable(x)
        let y = f(v)
        requireScalarOutput(y, "hessian(at:of:)", file, line)
        let g = gradients(of: y, withRespectTo: [v], createGraph: true, file: file, line: line)[0]
        return jacobianRows(of: g, withRespectTo: v, file: file, line: line)
    }
}
