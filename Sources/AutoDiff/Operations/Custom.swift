// User-defined operations: a forward computation on tensors and its pullback, recorded like a primitive
// (PyTorch's autograd.Function, Swift's @derivative(of:)).

/// The recorded part of a ``DifferentiableFunction``.
@usableFromInline
final class CustomRule<Scalar: TensorScalar>: Sendable {
    @usableFromInline let name: String
    @usableFromInline let site: CallSite
    @usableFromInline let pullback: @Sendable (Variable<Scalar>, [Variable<Scalar>], Variable<Scalar>) -> [Variable<Scalar>?]
    /// The forward computation, for checking the rule by finite differences (see `Tape.checkRule`).
    let forward: @Sendable ([Tensor<Scalar>]) -> Tensor<Scalar>

    init(name: String, site: CallSite, forward: @escaping @Sendable ([Tensor<Scalar>]) -> Tensor<Scalar>,
         pullback: @escaping @Sendable (Variable<Scalar>, [Variable<Scalar>], Variable<Scalar>) -> [Variable<Scalar>?]) {
        self.name = name
        self.site = site
        self.forward = forward
        self.pullback = pullback
    }
}

/// An operation you define: its forward computation on tensors and its derivative rule.
///
/// The pullback receives the gradient of the output, the inputs and the output, and returns one gradient
/// per input (nil for an input that needs none). Write it with operations on `Variable` and it is
/// differentiable itself, so second derivatives (`createGraph`, ``hessian(at:of:file:line:)``) work through it.
///
/// ```swift
/// let cube = DifferentiableFunction<Double>(name: "cube") { xs in
///     xs[0] * xs[0] * xs[0]
/// } pullback: { g, xs, _ in
///     [g * 3 * xs[0] * xs[0]]
/// }
/// let x = Variable(Tensor<Double>(2.0))
/// cube(x).backward()   // x.grad == 12
/// ```
public struct DifferentiableFunction<Scalar: TensorScalar>: Sendable {
    /// The name used in messages and gradient-check reports.
    public let name: String
    @usableFromInline let forward: @Sendable ([Tensor<Scalar>]) -> Tensor<Scalar>
    @usableFromInline let rule: CustomRule<Scalar>

    /// Makes an operation from a forward computation and its pullback.
    ///
    /// - Parameters:
    ///   - name: shown in messages.
    ///   - forward: the output value from the input values.
    ///   - pullback: `(gradient of the output, inputs, output) -> gradients of the inputs`.
    ///   - file: the caller's file, named in error messages (filled in by the compiler).
    ///   - line: the caller's line, likewise.
    public init(name: String,
                forward: @escaping @Sendable ([Tensor<Scalar>]) -> Tensor<Scalar>,
                pullback: @escaping @Sendable (_ gradient: Variable<Scalar>, _ inputs: [Variable<Scalar>], _ output: Variable<Scalar>)
                    -> [Variable<Scalar>?],
                file: StaticString = #fileID, line: UInt = #line) {
        self.name = name
        self.forward = forward
        self.rule = CustomRule(name: name, site: CallSite(file: file, line: line), forward: forward, pullback: pullback)
    }

    /// Applies the operation, recording it when an input requires a gradient.
    ///
    /// Inlinable so that it is specialized for the caller's scalar (unspecialized, the key path and array of
    /// the inputs' values were built through the runtime's generic metadata on every call).
    @inlinable
    public func callAsFunction(_ inputs: [Variable<Scalar>], file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        let value = forward(inputs.map { $0.value })
        let rule = self.rule
        return Variable.record(value, "custom function", inputs, site: CallSite(file: file, line: line)) { .custom(rule, $0) }
    }

    /// Applies the operation to the given inputs.
    public func callAsFunction(_ inputs: Variable<Scalar>..., file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        self(inputs, file: file, line: line)
    }
}
