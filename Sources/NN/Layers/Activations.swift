// Activation functions as layers, for use inside a Sequential (each one is a PyTorch module too).

/// max(x, 0), elementwise (`nn.ReLU`).
public struct ReLU: Layer {
    /// The layer.
    public init() {}
    /// relu(x), elementwise.
    public func callAsFunction(_ x: Variable<Float>) -> Variable<Float> { relu(x) }
}

/// x for x > 0, alpha·x otherwise (`nn.LeakyReLU`).
public struct LeakyReLU: Layer {
    /// The slope for negative inputs.
    public let alpha: Float
    /// The layer with slope `alpha` for negative inputs.
    public init(alpha: Float = 0.01) { self.alpha = alpha }
    /// leakyRelu(x) with this layer's slope α for x < 0, elementwise.
    public func callAsFunction(_ x: Variable<Float>) -> Variable<Float> { leakyRelu(x, alpha: alpha) }
}

/// 1 / (1 + e⁻ˣ), elementwise (`nn.Sigmoid`).
public struct Sigmoid: Layer {
    /// The layer.
    public init() {}
    /// sigmoid(x) = 1 / (1 + e⁻ˣ), elementwise.
    public func callAsFunction(_ x: Variable<Float>) -> Variable<Float> { sigmoid(x) }
}

/// tanh x, elementwise (`nn.Tanh`).
public struct Tanh: Layer {
    /// The layer.
    public init() {}
    /// tanh(x), elementwise.
    public func callAsFunction(_ x: Variable<Float>) -> Variable<Float> { tanh(x) }
}

/// Probabilities along an axis (default: the last), `nn.Softmax`. For training, prefer raw logits with
/// ``softmaxCrossEntropy(logits:labels:reduction:file:line:)``, which is stabler.
public struct Softmax: Layer {
    /// The axis along which the probabilities sum to 1.
    public let axis: Int
    /// The layer normalizing along `axis` (default: the last).
    public init(axis: Int = -1) { self.axis = axis }
    /// softmax(x) along `axis`.
    public func callAsFunction(_ x: Variable<Float>) -> Variable<Float> { softmax(x, alongAxis: axis) }
}

/// Flattens every axis after the first (the batch axis) into one (`nn.Flatten`).
public struct Flatten: Layer {
    /// The layer.
    public init() {}
    /// `x` reshaped to [batch, everything else] (a tensor of rank ≤ 1 unchanged).
    public func callAsFunction(_ x: Variable<Float>) -> Variable<Float> {
        x.rank <= 1 ? x : x.reshaped(to: [x.shape[0], -1])
    }
}
