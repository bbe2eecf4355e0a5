/// How to draw a layer's initial parameters. Every case draws from the generator it is given, so the same
/// seed gives the same model.
///
/// `fanIn`/`fanOut` are the layer's input and output sizes.
public enum Initializer: Sendable {
    /// All zeros.
    case zeros
    /// Every element equal to the value.
    case constant(Float)
    /// Uniform in [lower, upper).
    case uniform(lower: Float, upper: Float)
    /// Normal with the given mean and standard deviation.
    case normal(mean: Float, standardDeviation: Float)
    /// Glorot & Bengio (2010): uniform in ±√(6 / (fanIn + fanOut)).
    case xavierUniform
    /// Glorot & Bengio (2010): normal with σ = √(2 / (fanIn + fanOut)).
    case xavierNormal
    /// He et al. (2015), for ReLU networks: uniform in ±√(6 / fanIn).
    case heUniform
    /// He et al. (2015), for ReLU networks: normal with σ = √(2 / fanIn).
    case heNormal
    /// PyTorch's `nn.Linear` default: uniform in ±1/√fanIn (Kaiming uniform with a = √5), for weights and biases.
    case pytorchDefault

    /// A tensor of `shape` drawn from `generator`.
    public func tensor(shape: [Int], fans: (input: Int, output: Int), using generator: inout SeededGenerator) -> Tensor<Float> {
        let fanIn = Float(Swift.max(fans.input, 1)), fanOut = Float(Swift.max(fans.output, 1))
        switch self {
        case .zeros: return .zeros(shape: shape)
        case .constant(let c): return Tensor(repeating: c, shape: shape)
        case .uniform(let lower, let upper):
            return .randomUniform(shape: shape, lowerBound: lower, upperBound: upper, using: &generator)
        case .normal(let mean, let sd):
            return .randomNormal(shape: shape, mean: mean, standardDeviation: sd, using: &generator)
        case .xavierUniform:
            let bound = (6 / (fanIn + fanOut)).squareRoot()
            return .randomUniform(shape: shape, lowerBound: -bound, upperBound: bound, using: &generator)
        case .xavierNormal:
            return .randomNormal(shape: shape, standardDeviation: (2 / (fanIn + fanOut)).squareRoot(), using: &generator)
        case .heUniform:
            let bound = (6 / fanIn).squareRoot()
            return .randomUniform(shape: shape, lowerBound: -bound, upperBound: bound, using: &generator)
        case .heNormal:
            return .randomNormal(shape: shape, standardDeviation: (2 / fanIn).squareRoot(), using: &generator)
        case .pytorchDefault:
            let bound = 1 / fanIn.squareRoot()
            return .randomUniform(shape: shape, lowerBound: -bound, upperBound: bound, using: &generator)
        }
    }
}
