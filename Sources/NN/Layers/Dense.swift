/// A fully connected layer: y = activation(x · Wᵀ + b), with `W` of shape `[outputSize, inputSize]` and `b`
/// of shape `[outputSize]`, exactly like PyTorch's `nn.Linear` (so its parameters load there).
///
/// Inputs of shape `[batch, inputSize]` (or `[inputSize]` for one sample) give `[batch, outputSize]`.
public struct Dense: CallerLocatingLayer {
    /// The weight matrix, `[outputSize, inputSize]`.
    public let weight: Variable<Float>
    /// The bias vector, `[outputSize]`.
    public let bias: Variable<Float>
    /// The function applied to the affine output (identity by default).
    public let activation: (Variable<Float>) -> Variable<Float>
    let hasActivation: Bool

    /// A layer with weights drawn by `weightInitializer` (default: PyTorch's, uniform in ±1/√inputSize)
    /// from `generator`, or from the current thread's default generator when none is given.
    public init(inputSize: Int, outputSize: Int,
                activation: ((Variable<Float>) -> Variable<Float>)? = nil,
                weightInitializer: Initializer = .pytorchDefault,
                biasInitializer: Initializer = .pytorchDefault,
                generator: inout SeededGenerator) {
        let fans = (input: inputSize, output: outputSize)
        weight = Variable(weightInitializer.tensor(shape: [outputSize, inputSize], fans: fans, using: &generator))
        bias = Variable(biasInitializer.tensor(shape: [outputSize], fans: fans, using: &generator))
        self.activation = activation ?? { $0 }
        hasActivation = activation != nil
    }

    /// A layer initialized from the current thread's default generator (see `withRandomSeed`).
    public init(inputSize: Int, outputSize: Int,
                activation: ((Variable<Float>) -> Variable<Float>)? = nil,
                weightInitializer: Initializer = .pytorchDefault,
                biasInitializer: Initializer = .pytorchDefault) {
        self = withDefaultGenerator {
            Dense(inputSize: inputSize, outputSize: outputSize, activation: activation,
                  weightInitializer: weightInitializer, biasInitializer: biasInitializer, generator: &$0)
        }
    }

    /// A layer with the given weight `[outputSize, inputSize]` and bias `[outputSize]`.
    public init(weight: Tensor<Float>, bias: Tensor<Float>, activation: ((Variable<Float>) -> Variable<Float>)? = nil) {
        precondition(weight.rank == 2 && bias.shape == [weight.shape[0]],
                     "Dense(weight:bias:): weight must be [out, in] and bias [out]; got \(weight.shape) and \(bias.shape)")
        self.weight = Variable(weight)
        self.bias = Variable(bias)
        self.activation = activation ?? { $0 }
        hasActivation = activation != nil
    }

    /// The number of input features.
    public var inputSize: Int { weight.shape[1] }
    /// The number of outputs.
    public var outputSize: Int { weight.shape[0] }

    /// activation(input·Wᵀ + b) over the last axis: `linear` for a batch `[n, inputSize]` or one sample
    /// `[inputSize]` (no copy of Wᵀ); higher ranks are flattened to rows and back (`[N, T, inputSize]` → `[N, T, outputSize]`).
    ///
    /// An input whose last axis is not `inputSize` stops with a message naming the layer, its place in the
    /// model and the caller's line.
    public func callAsFunction(_ input: Variable<Float>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Float> {
        guard input.rank >= 1, input.shape[input.rank - 1] == inputSize else {
            let got = input.rank == 0 ? "a scalar" : "\(input.shape[input.rank - 1]) (input of shape \(input.shape))"
            layerError("Dense(inputSize: \(inputSize), outputSize: \(outputSize))",
                       "expects \(inputSize) input features on the last axis, got \(got)",
                       fix: "give inputs of shape [batch, \(inputSize)], or make the layer take \(input.rank == 0 ? 1 : input.shape[input.rank - 1]) inputs (or check the layer before it)",
                       file: file, line: line)
        }
        // Anomaly reports and graphs name the caller's line for everything recorded here.
        return withCallerPlace(file: file, line: line) {
            if input.rank <= 2 { return activation(linear(input, weight: weight, bias: bias)) }
            let rows = linear(input.reshaped(to: [-1, inputSize]), weight: weight, bias: bias)
            return activation(rows.reshaped(to: Array(input.shape.dropLast()) + [outputSize]))
        }
    }

    public var namedParameters: [(name: String, parameter: Variable<Float>)] { [("weight", weight), ("bias", bias)] }
    public var moduleCount: Int { hasActivation ? 2 : 1 }
}
