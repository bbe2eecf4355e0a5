import Foundation

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

    /// State the layer keeps and saves in parameter files but does not train (PyTorch's buffers, such as
    /// `BatchNorm`'s running statistics), with their `state_dict` names relative to this layer.
    var namedBuffers: [(name: String, buffer: Buffer)] { get }
}

/// A layer that reports a mistake, such as an input of the wrong shape, at the line of the caller's
/// `model(x)` rather than at a line of the library, and names its place in the model.
///
/// The built-in layers adopt it. Calling a concrete layer (`model(x)`) passes the caller's `#fileID` and
/// `#line` through defaulted arguments; ``Sequential`` hands them on to its layers.
public protocol CallerLocatingLayer: Layer {
    /// The output for `input`; `file` and `line` name the caller's place in messages about mistakes.
    func callAsFunction(_ input: Variable<Float>, file: StaticString, line: UInt) -> Variable<Float>
}

extension CallerLocatingLayer {
    /// The output for `input` (used when the layer is called through `any Layer`).
    @_disfavoredOverload
    public func callAsFunction(_ input: Variable<Float>) -> Variable<Float> {
        self(input, file: LayerPath.current.file, line: LayerPath.current.line)
    }

    /// The output for a constant input.
    public func callAsFunction(_ input: Tensor<Float>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Float> {
        self(Variable(input, requiresGrad: false), file: file, line: line)
    }
}

/// Where the layer being called sits: the chain of ``Sequential`` positions around it and the user's call,
/// kept per thread while a model runs, for messages about mistakes.
struct LayerPath {
    var positions: [(index: Int, model: String)] = []
    var file: StaticString = "<unknown>"
    var line: UInt = 0

    private final class Box { var path = LayerPath() }
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { raw in if let raw { Unmanaged<AnyObject>.fromOpaque(raw).release() } }
        return key
    }()
    private static var box: Box {
        if let raw = pthread_getspecific(key) { return Unmanaged<Box>.fromOpaque(raw).takeUnretainedValue() }
        let box = Box()
        pthread_setspecific(key, Unmanaged.passRetained(box).toOpaque())
        return box
    }

    /// The current thread's path.
    static var current: LayerPath { box.path }

    /// Runs `body` with the path extended by layer `index` of `model`, called from `file`:`line`.
    ///
    /// The position is pushed and popped in place (the array keeps its capacity), so that a model's call
    /// allocates nothing here after the first.
    static func entering<R>(_ index: Int, of model: String, file: StaticString, line: UInt, _ body: () -> R) -> R {
        let box = box
        let saved = (file: box.path.file, line: box.path.line)
        if box.path.positions.isEmpty { box.path.file = file; box.path.line = line }
        box.path.positions.append((index, model))
        defer {
            box.path.positions.removeLast()
            (box.path.file, box.path.line) = saved
        }
        return body()
    }

    /// "layer 2 of the Sequential" (innermost first), or "" outside any model.
    @_optimize(none) var description: String {
        positions.reversed().enumerated().map { i, p in
            "layer \(p.index) of \(i == positions.count - 1 ? "the" : "a") \(p.model)"
        }.joined(separator: ", inside ")
    }
}

/// Stops with a message about a layer used wrongly: the layer's type, its place in the model, what was wrong,
/// the caller's place, and what to do.
func layerError(_ layer: String, _ problem: String, fix: String, file: StaticString, line: UInt) -> Never {
    let path = LayerPath.current
    let place = path.positions.isEmpty ? "" : " (\(path.description))"
    // fatalError prints "file:line: Fatal error: " first; the outermost call of the model is the user's line.
    let (f, l) = path.positions.isEmpty ? (file, line) : (path.file, path.line)
    fatalError("\(layer)\(place): \(problem). Fix: \(fix)", file: f, line: l)
}

extension Layer {
    /// The trainable parameters, in the order of the parameter file.
    public var parameters: [Variable<Float>] { namedParameters.map(\.parameter) }
    /// None by default: a layer without parameters.
    public var namedParameters: [(name: String, parameter: Variable<Float>)] { [] }
    /// 1 by default: the layer is one module in PyTorch's numbering of a Sequential.
    public var moduleCount: Int { 1 }
    /// Nothing by default: a layer that behaves the same in training and evaluation.
    public func setTraining(_ training: Bool) {}
    /// true by default.
    public var isTraining: Bool { true }
    /// None by default: a layer without buffers.
    public var namedBuffers: [(name: String, buffer: Buffer)] { [] }

    /// Runs `body` with the layer in the given mode, then puts the previous mode back.
    func withMode<R>(training: Bool, _ body: () throws -> R) rethrows -> R {
        let previous = isTraining
        setTraining(training)
        defer { setTraining(previous) }
        return try body()
    }

    /// The output for a constant input.
    @_disfavoredOverload
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
public final class Sequential: CallerLocatingLayer {
    /// The layers, in order.
    public let layers: [any Layer]
    /// Whether the model is in training mode (dropout active). `fit(…)`
    /// switches it on while training; ``predict(_:)`` runs in evaluation mode.
    public private(set) var isTraining = true

    /// Each layer's group name (`"1: Dense"`) and the layer as a ``CallerLocatingLayer`` when it is one, worked
    /// out once: a type name and a dynamic cast per layer and call cost as much as a small layer's bookkeeping.
    private let groupNames: [String]
    private let locating: [(any CallerLocatingLayer)?]

    /// A model made of the layers the builder lists.
    public convenience init(@LayerBuilder _ layers: () -> [any Layer]) {
        self.init(layers())
    }

    /// A model made of `layers`.
    public init(_ layers: [any Layer]) {
        self.layers = layers
        groupNames = layers.enumerated().map { i, layer in "\(i): \(type(of: layer))" }
        locating = layers.map { $0 as? any CallerLocatingLayer }
    }

    /// The output of the last layer; a layer given an input it cannot take stops with a message naming the
    /// layer, its index here and the caller's line. Each layer's nodes are recorded as a group named after its
    /// position and type (`"1: Dense"`), so that `output.graph(collapsingGroups: true)` draws one node per
    /// layer, and anomaly reports name the caller's line.
    public func callAsFunction(_ input: Variable<Float>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Float> {
        withCallerPlace(file: file, line: line) {
            var x = input
            for i in layers.indices {
                x = x.grouped(groupNames[i]) { x in
                    LayerPath.entering(i, of: "Sequential", file: file, line: line) {
                        if let layer = locating[i] { return layer(x, file: file, line: line) }
                        return layers[i](x)
                    }
                }
            }
            return x
        }
    }

    /// Every layer's parameters, named by module index as PyTorch does (`0.weight`, `2.bias`).
    public var namedParameters: [(name: String, parameter: Variable<Float>)] {
        var out: [(name: String, parameter: Variable<Float>)] = []
        var module = 0
        for layer in layers {
            for (name, p) in layer.namedParameters { out.append(("\(module).\(name)", p)) }
            module += layer.moduleCount
        }
        return out
    }

    /// Every layer's buffers, named by module index as PyTorch does (`1.running_mean`).
    public var namedBuffers: [(name: String, buffer: Buffer)] {
        var out: [(name: String, buffer: Buffer)] = []
        var module = 0
        for layer in layers {
            for (name, b) in layer.namedBuffers { out.append(("\(module).\(name)", b)) }
            module += layer.moduleCount
        }
        return out
    }

    /// The modules of all its layers (an activation inside a Dense counts as one).
    public var moduleCount: Int { layers.reduce(0) { $0 + $1.moduleCount } }

    /// Puts every layer into training (`true`) or evaluation (`false`) mode.
    public func setTraining(_ training: Bool) {
        isTraining = training
        for layer in layers { layer.setTraining(training) }
    }

    /// Training mode: dropout active.
    public func train() { setTraining(true) }
    /// Evaluation mode: dropout off.
    public func eval() { setTraining(false) }
}
