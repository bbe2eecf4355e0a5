/// Normalizes over the last axis, then scales and shifts: PyTorch's `torch.nn.functional.layer_norm` over
/// one axis (Ba, Kiros & Hinton 2016). `weight` and `bias` have the size of the last axis (either may be nil).
///
/// ```
/// μ = mean(x),  σ² = mean((x − μ)²)   (biased, along the last axis)
/// y = (x − μ) / √(σ² + ε) · weight + bias
/// ```
/// Composed from AutoDiff operations, so its gradient (and second derivatives) come from the tape.
@_specialize(exported: true, where S == Float)
public func layerNorm<S>(_ x: Variable<S>, weight: Variable<S>?, bias: Variable<S>?, epsilon: S = 1e-5) -> Variable<S> {
    let centered = x - x.mean(alongAxes: -1, keepingDimensions: true)
    let variance = (centered * centered).mean(alongAxes: -1, keepingDimensions: true)
    var y = centered / sqrt(variance + epsilon)
    if let weight { y = y * weight }
    if let bias { y = y + bias }
    return y
}

/// Layer normalization over the last axis, PyTorch's `nn.LayerNorm(size)` (ε = 1e-5): each vector along the
/// last axis is normalized to mean 0 and variance 1, then scaled by `weight` (ones at first) and shifted by
/// `bias` (zeros at first). Names `"weight"` and `"bias"`, both `[size]`. See ``layerNorm(_:weight:bias:epsilon:)``.
public struct LayerNorm: CallerLocatingLayer {
    /// The scale `[size]`.
    public let weight: Variable<Float>
    /// The shift `[size]`.
    public let bias: Variable<Float>
    /// The ε added to the variance.
    public let epsilon: Float

    /// A layer over a last axis of `size`, with weight 1 and bias 0.
    public init(size: Int, epsilon: Float = 1e-5) {
        weight = Variable(.ones(shape: [size]))
        bias = Variable(.zeros(shape: [size]))
        self.epsilon = epsilon
    }

    /// The size of the normalized axis.
    public var size: Int { weight.shape[0] }

    /// The input normalized along its last axis, which must have `size` elements.
    public func callAsFunction(_ input: Variable<Float>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Float> {
        guard input.rank >= 1, input.shape[input.rank - 1] == size else {
            layerError("LayerNorm(size: \(size))", "normalizes a last axis of \(size) elements, got input of shape \(input.shape)",
                       fix: "pass [..., \(size)], or make the layer LayerNorm(size: \(input.shape.last ?? 1))", file: file, line: line)
        }
        return layerNorm(input, weight: weight, bias: bias, epsilon: epsilon)
    }

    /// `weight` (the scale) and `bias` (the shift), under PyTorch's names.
    public var namedParameters: [(name: String, parameter: Variable<Float>)] { [("weight", weight), ("bias", bias)] }
}
