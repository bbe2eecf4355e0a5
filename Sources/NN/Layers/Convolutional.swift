// Convolution and pooling layers (PyTorch's nn.Conv2d, nn.Conv1d, nn.MaxPool2d, nn.AvgPool2d): NCHW / NCL
// inputs, parameters named and laid out like PyTorch's, composed from AutoDiff's conv2d, conv1d and pooling.

/// A 2-D convolution layer: y = activation(conv2d(x, W) + b) on images `[N, C, H, W]`, with the weight
/// `[outputChannels, inputChannels/groups, kernelSize, kernelSize]` and bias `[outputChannels]` named `"weight"`
/// and `"bias"`, exactly like PyTorch's `nn.Conv2d` (so its parameters load there). `bias: false` (PyTorch's
/// `bias=False`, e.g. before a BatchNorm, which shifts anyway) leaves the bias out: no `"bias"` entry.
///
/// The output is `[N, outputChannels, outH, outW]` with `out = ⌊(H + 2·padding − dilation·(kernelSize − 1) − 1) / stride⌋ + 1`.
///
/// ```swift
/// let conv = Conv2D(inputChannels: 1, outputChannels: 16, kernelSize: 3, padding: 1, activation: relu)
/// conv(x.reshaped(to: [-1, 1, 8, 8]))        // [N, 16, 8, 8]
/// ```
public struct Conv2D: CallerLocatingLayer {
    /// The filters, `[outputChannels, inputChannels/groups, kernelSize, kernelSize]`.
    public let weight: Variable<Float>
    /// One bias per output channel, `[outputChannels]`; nil for a layer made with `bias: false`.
    public let bias: Variable<Float>?
    /// The step between windows, the zero padding on each side, the spacing of kernel taps, and the channel groups.
    public let stride: Int, padding: Int, dilation: Int, groups: Int
    /// The function applied to the convolution's output (identity by default).
    public let activation: (Variable<Float>) -> Variable<Float>
    let hasActivation: Bool

    /// A layer with weights and biases (none with `bias: false`) drawn by the initializers (default: PyTorch's,
    /// uniform in ±1/√fanIn with fanIn = inputChannels/groups · kernelSize²) from `generator`.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, activation: ((Variable<Float>) -> Variable<Float>)? = nil,
                weightInitializer: Initializer = .pytorchDefault, biasInitializer: Initializer = .pytorchDefault,
                generator: inout SeededGenerator) {
        (weight, self.bias) = convolutionParameters("Conv2D", inputChannels: inputChannels, outputChannels: outputChannels,
                                               kernel: [kernelSize, kernelSize], groups: groups,
                                               bias: bias, weightInitializer, biasInitializer, &generator)
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
        self.activation = activation ?? { $0 }
        hasActivation = activation != nil
    }

    /// A layer initialized from the current thread's default generator (see `withRandomSeed`).
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, activation: ((Variable<Float>) -> Variable<Float>)? = nil,
                weightInitializer: Initializer = .pytorchDefault, biasInitializer: Initializer = .pytorchDefault) {
        self = withDefaultGenerator {
            Conv2D(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize, stride: stride,
                   padding: padding, dilation: dilation, groups: groups, bias: bias, activation: activation,
                   weightInitializer: weightInitializer, biasInitializer: biasInitializer, generator: &$0)
        }
    }

    /// The number of input channels.
    public var inputChannels: Int { weight.shape[1] * groups }
    /// The number of output channels (filters).
    public var outputChannels: Int { weight.shape[0] }
    /// The height and width of the filters.
    public var kernelSize: Int { weight.shape[2] }

    var name: String { "Conv2D(inputChannels: \(inputChannels), outputChannels: \(outputChannels), kernelSize: \(kernelSize))" }

    /// activation(conv2d(input, weight) + bias). An input that is not `[N, inputChannels, H, W]` stops with a
    /// message naming the layer, its place in the model and the caller's line.
    public func callAsFunction(_ input: Variable<Float>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Float> {
        guard input.rank == 4, input.shape[1] == inputChannels else {
            layerError(name, "expects images [N, \(inputChannels), H, W], got an input of shape \(input.shape)",
                       fix: input.rank == 4 ? "make the layer take \(input.shape[1]) input channels (or check the layer before it)"
                                            : "reshape the input to [N, \(inputChannels), H, W], e.g. x.reshaped(to: [-1, \(inputChannels), 8, 8]) for 8×8 images",
                       file: file, line: line)
        }
        let span = dilation * (kernelSize - 1) + 1
        guard input.shape[2] + 2 * padding >= span, input.shape[3] + 2 * padding >= span else {
            layerError(name, "its \(span)×\(span) window is larger than the padded input (input of shape \(input.shape), padding \(padding))",
                       fix: "use larger images, more padding, or a smaller kernel (or fewer pooling layers before it)", file: file, line: line)
        }
        return activation(conv2d(input, filter: weight, bias: bias, stride: stride, padding: padding, dilation: dilation,
                                 groups: groups, file: file, line: line))
    }

    /// `weight` and `bias` (when the layer has one), under PyTorch's names.
    public var namedParameters: [(name: String, parameter: Variable<Float>)] { [("weight", weight)] + (bias.map { [("bias", $0)] } ?? []) }
    /// 2 with an activation (a module of its own in PyTorch's numbering), else 1.
    public var moduleCount: Int { hasActivation ? 2 : 1 }
}

/// A 1-D convolution layer on sequences `[N, C, L]`: y = activation(conv1d(x, W) + b) with the weight
/// `[outputChannels, inputChannels/groups, kernelSize]` and bias `[outputChannels]` (none with `bias: false`), like
/// PyTorch's `nn.Conv1d`.
public struct Conv1D: CallerLocatingLayer {
    /// The filters, `[outputChannels, inputChannels/groups, kernelSize]`.
    public let weight: Variable<Float>
    /// One bias per output channel, `[outputChannels]`; nil for a layer made with `bias: false`.
    public let bias: Variable<Float>?
    /// The step between windows, the zero padding on each side, the spacing of kernel taps, and the channel groups.
    public let stride: Int, padding: Int, dilation: Int, groups: Int
    /// The function applied to the convolution's output (identity by default).
    public let activation: (Variable<Float>) -> Variable<Float>
    let hasActivation: Bool

    /// A layer with weights and biases (none with `bias: false`) drawn by the initializers (default: PyTorch's,
    /// uniform in ±1/√fanIn with fanIn = inputChannels/groups · kernelSize) from `generator`.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, activation: ((Variable<Float>) -> Variable<Float>)? = nil,
                weightInitializer: Initializer = .pytorchDefault, biasInitializer: Initializer = .pytorchDefault,
                generator: inout SeededGenerator) {
        (weight, self.bias) = convolutionParameters("Conv1D", inputChannels: inputChannels, outputChannels: outputChannels,
                                               kernel: [kernelSize], groups: groups,
                                               bias: bias, weightInitializer, biasInitializer, &generator)
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
        self.activation = activation ?? { $0 }
        hasActivation = activation != nil
    }

    /// A layer initialized from the current thread's default generator (see `withRandomSeed`).
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, activation: ((Variable<Float>) -> Variable<Float>)? = nil,
                weightInitializer: Initializer = .pytorchDefault, biasInitializer: Initializer = .pytorchDefault) {
        self = withDefaultGenerator {
            Conv1D(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize, stride: stride,
                   padding: padding, dilation: dilation, groups: groups, bias: bias, activation: activation,
                   weightInitializer: weightInitializer, biasInitializer: biasInitializer, generator: &$0)
        }
    }

    /// The number of input channels.
    public var inputChannels: Int { weight.shape[1] * groups }
    /// The number of output channels (filters).
    public var outputChannels: Int { weight.shape[0] }
    /// The length of the filters.
    public var kernelSize: Int { weight.shape[2] }

    /// activation(conv1d(input, weight) + bias). An input that is not `[N, inputChannels, L]` stops with a
    /// message naming the layer, its place in the model and the caller's line.
    public func callAsFunction(_ input: Variable<Float>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Float> {
        let name = "Conv1D(inputChannels: \(inputChannels), outputChannels: \(outputChannels), kernelSize: \(kernelSize))"
        guard input.rank == 3, input.shape[1] == inputChannels else {
            layerError(name, "expects sequences [N, \(inputChannels), L], got an input of shape \(input.shape)",
                       fix: input.rank == 3 ? "make the layer take \(input.shape[1]) input channels (or check the layer before it)"
                                            : "reshape the input to [N, \(inputChannels), L]", file: file, line: line)
        }
        let span = dilation * (kernelSize - 1) + 1
        guard input.shape[2] + 2 * padding >= span else {
            layerError(name, "its window of \(span) is longer than the padded input (input of shape \(input.shape), padding \(padding))",
                       fix: "use longer sequences, more padding, or a smaller kernel", file: file, line: line)
        }
        return activation(conv1d(input, filter: weight, bias: bias, stride: stride, padding: padding, dilation: dilation,
                                 groups: groups, file: file, line: line))
    }

    /// `weight` and `bias` (when the layer has one), under PyTorch's names.
    public var namedParameters: [(name: String, parameter: Variable<Float>)] { [("weight", weight)] + (bias.map { [("bias", $0)] } ?? []) }
    /// 2 with an activation (a module of its own in PyTorch's numbering), else 1.
    public var moduleCount: Int { hasActivation ? 2 : 1 }
}

/// The maximum of each `kernelSize × kernelSize` window of images `[N, C, H, W]` (PyTorch's `nn.MaxPool2d`);
/// the stride defaults to the kernel size, so windows do not overlap.
public struct MaxPool2D: CallerLocatingLayer {
    /// The window's side, the step between windows, and the (−∞) padding on each side.
    public let kernelSize: Int, stride: Int, padding: Int

    /// The layer; `stride` defaults to `kernelSize`; `padding` is at most `kernelSize / 2`.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        precondition(kernelSize >= 1 && (stride ?? 1) >= 1 && padding >= 0 && 2 * padding <= kernelSize,
                     "MaxPool2D: use kernelSize ≥ 1, stride ≥ 1 and 0 ≤ padding ≤ kernelSize / 2")
        (self.kernelSize, self.stride, self.padding) = (kernelSize, stride ?? kernelSize, padding)
    }

    /// The window maxima. An input that is not `[N, C, H, W]` with room for one window stops with a message
    /// naming the layer, its place in the model and the caller's line.
    public func callAsFunction(_ input: Variable<Float>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Float> {
        checkPoolingInput("MaxPool2D(kernelSize: \(kernelSize))", input, kernelSize, padding, file: file, line: line)
        return maxPool2d(input, kernelSize: kernelSize, stride: stride, padding: padding, file: file, line: line)
    }
}

/// The mean of each `kernelSize × kernelSize` window of images `[N, C, H, W]` (PyTorch's `nn.AvgPool2d`; zero
/// padding counts in the mean); the stride defaults to the kernel size.
public struct AvgPool2D: CallerLocatingLayer {
    /// The window's side, the step between windows, and the zero padding on each side.
    public let kernelSize: Int, stride: Int, padding: Int

    /// The layer; `stride` defaults to `kernelSize`; `padding` is at most `kernelSize / 2`.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        precondition(kernelSize >= 1 && (stride ?? 1) >= 1 && padding >= 0 && 2 * padding <= kernelSize,
                     "AvgPool2D: use kernelSize ≥ 1, stride ≥ 1 and 0 ≤ padding ≤ kernelSize / 2")
        (self.kernelSize, self.stride, self.padding) = (kernelSize, stride ?? kernelSize, padding)
    }

    /// The window means. An input that is not `[N, C, H, W]` with room for one window stops with a message
    /// naming the layer, its place in the model and the caller's line.
    public func callAsFunction(_ input: Variable<Float>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Float> {
        checkPoolingInput("AvgPool2D(kernelSize: \(kernelSize))", input, kernelSize, padding, file: file, line: line)
        return avgPool2d(input, kernelSize: kernelSize, stride: stride, padding: padding, file: file, line: line)
    }
}

/// Stops with a layer message unless `input` is `[N, C, H, W]` with room for one window.
func checkPoolingInput(_ name: String, _ input: Variable<Float>, _ kernelSize: Int, _ padding: Int,
                       file: StaticString, line: UInt) {
    guard input.rank == 4 else {
        layerError(name, "expects images [N, C, H, W], got an input of shape \(input.shape)",
                   fix: "reshape the input to [N, C, H, W] (pool after a Conv2D, before Flatten)", file: file, line: line)
    }
    guard input.shape[2] + 2 * padding >= kernelSize, input.shape[3] + 2 * padding >= kernelSize else {
        layerError(name, "its \(kernelSize)×\(kernelSize) window is larger than the input (shape \(input.shape))",
                   fix: "use a smaller window or larger images (or fewer pooling layers before it)", file: file, line: line)
    }
}

/// A convolution layer's filter `[O, C/groups, kernel…]` and bias `[O]` (none with `bias` false), drawn by the initializers with the fans
/// PyTorch uses (`C/groups·∏kernel` in, `O/groups·∏kernel` out); stops when the sizes cannot make a layer.
func convolutionParameters(_ layer: String, inputChannels: Int, outputChannels: Int, kernel: [Int], groups: Int,
                           bias hasBias: Bool, _ weightInitializer: Initializer, _ biasInitializer: Initializer,
                           _ generator: inout SeededGenerator) -> (Variable<Float>, Variable<Float>?) {
    let kernelSize = kernel[0], taps = kernel.reduce(1, *)
    precondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0 && groups > 0
                 && inputChannels % groups == 0 && outputChannels % groups == 0,
                 "\(layer): channels and kernelSize must be ≥ 1 and both channel counts divisible by groups; got " +
                 "inputChannels \(inputChannels), outputChannels \(outputChannels), kernelSize \(kernelSize), groups \(groups)")
    let fans = (input: inputChannels / groups * taps, output: outputChannels / groups * taps)
    let weight = weightInitializer.tensor(shape: [outputChannels, inputChannels / groups] + kernel, fans: fans, using: &generator)
    // Drawn after the weight, as PyTorch does; without a bias nothing more is drawn.
    let bias = hasBias ? Variable(biasInitializer.tensor(shape: [outputChannels], fans: fans, using: &generator)) : nil
    return (Variable(weight), bias)
}
