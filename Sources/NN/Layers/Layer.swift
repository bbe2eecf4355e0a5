/// A differentiable function with trainable parameters: the building block of models.
///
/// A layer maps a `Variable<Float>` to a `Variable<Float>` with operations of AutoDiff, so its gradients
/// come from the tape. Write your own as a small struct or class:
///
/// ```swift
/// struct Affine: Layer {
///     let scale = Variable(Tensor<Float>(1))
///     let shift = Variable(Tensor<Float>(0))
///     func callAsFunction(_ x: Variable<Float>) -> Variable<Float> { x * scale + shift }
///     var namedParameters: [(name: String, parameter: Variable<Float>)] { [("scale", scale), ("shift", shift)] }
/// }
/// ```
public protocol Layer {
    /// The output for `input` (samples along axis 0 for batched layers).
    func callAsFunction(_ input: Variable<Float>) -> Variable<Float>

    /// The trainable parameters with their PyTorch `state_dict` names relative to this layer
    /// (`"weight"`, `"bias"`, or `"0.weight"` inside a ``Sequential``), in a stable order.
    var namedParameters: [(name: String, parameter: Variable<Float>)] { get }

    /// How many PyTorch modules this layer stands for in a `torch.nn.Sequential` (a ``Dense`` with an
    /// activation is a `Linear` and an activation module: 2). Parameter names count modules this way.
    var moduleCount: Int { get }

    /// Switches training behaviour (e.g. ``Dropout``) on or off. Layers without such behaviour ignore it.
    func setTraining(_ training: Bool)

    /// Whether the layer is in training mode (true for layers without a mode).
    var isTraining: Bool { get }
}

extension Layer {
    /// The trainable parameters, in the order of the parameter file.
    public var parameters: [Variable<Float>] { namedParameters.map(\.parameter) }
    public var namedParameters: [(name: String, parameter: Variable<Float>)] { [] }
    public var moduleCount: Int { 1 }
    public func setTraining(_ training: Bool) {}
    public var isTraining: Bool { true }

    /// Runs `body` with the layer in the given mode, then puts the previous mode back.
    func withMode<R>(training: Bool, _ body: () throws -> R) rethrows -> R {
        let previous = isTraining
        setTraining(training)
        defer { setTraining(previous) }
        return try body()
    }

    /// The output for a constant input.
    public func callAsFunction(_ input: Tensor<Float>) -> Variable<Float> {
        self(Variable(input, requiresGrad: false))
    }

    /// Sets every parameter's gradient back to nil.
    public func zeroGrad() {
        for p in parameters { p.zeroGrad() }
    }

    /// The number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.scalarCount } }
}

/// Builds the layers of a ``Sequential`` from a list of layer expressions.
@resultBuilder
public enum LayerBuilder {
    /// One layer of the list.
    public static func buildExpression(_ layer: any Layer) -> [any Layer] { [layer] }
    /// The layers in order.
    public static func buildBlock(_ parts: [any Layer]...) -> [any Layer] { parts.flatMap { $0 } }
    /// Layers added under an `if`.
    public static func buildOptional(_ part: [any Layer]?) -> [any Layer] { part ?? [] }
    /// Layers of the first branch of an `if`/`else`.
    public static func buildEither(first part: [any Layer]) -> [any Layer] { part }
    /// Layers of the second branch of an `if`/`else`.
    public static func buildEither(second part: [any Layer]) -> [any Layer] { part }
    /// Layers added by a `for` loop.
    public static func buildArray(_ parts: [[any Layer]]) -> [any Layer] { parts.flatMap { $0 } }
}

/// Layers applied one after the other, like `torch.nn.Sequential` or Keras' `Sequential`.
///
/// ```swift
/// let model = Sequential {
///     Dense(inputSize: 64, outputSize: 128, activation: relu)
///     Dropout(rate: 0.2)
///     Dense(inputSize: 128, outputSize: 10)
/// }
/// ```
///
/// Parameters are named like PyTorch's: `"0.weight"`, `"0.bias"`, `"3.weight"`, … where the number is the
/// module's index in the equivalent `torch.nn.Sequential` (a ``Dense`` with an activation counts as two
/// modules, `Linear` and the activation).
public final class Sequential: Layer {
    /// The layers, in order.
    public let layers: [any Layer]
    /// Whether the model is in training mode (dropout active). ``fit(_:_:loss:optimizer:epochs:batchSize:validation:callbacks:shuffle:verbosity:generator:)``
    /// switches it on while training; ``predict(_:)`` runs in evaluation mode.
    public private(set) var isTraining = true

    /// A model made of the layers the builder lists.
    public init(@LayerBuilder _ layers: () -> [any Layer]) {
        self.layers = layers()
    }

    /// A model made of `layers`.
    public init(_ layers: [any Layer]) {
        self.layers = layers
    }

    /// Each layer's nodes are recorded as a group named after its position and type (`"1: Dense"`), so that
    /// `output.graph(collapsingGroups: true)` draws one node per layer.
    public func callAsFunction(_ input: Variable<Float>) -> Variable<Float> {
        var x = input
        for (position, layer) in layers.enumerated() {
            x = x.grouped("\(position): \(type(of: layer))") { layer($0) }
        }
        return x
    }

    public var namedParameters: [(name: String, parameter: Variable<Float>)] {
        var out: [(name: String, parameter: Variable<Float>)] = []
        var module = 0
        for layer in layers {
            for (name, p) in layer.namedParameters { out.append(("\(module).\(name)", p)) }
            module += layer.moduleCount
        }
        return out
    }

    public var moduleCount: Int { layers.reduce(0) { $0 + $1.moduleCount } }

    public func setTraining(_ training: Bool) {
        isTraining = training
        for layer in layers { layer.setTraining(training) }
    }

    /// Training mode: dropout active.
    public func train() { setTraining(true) }
    /// Evaluation mode: dropout off.
    public func eval() { setTraining(false) }
}
