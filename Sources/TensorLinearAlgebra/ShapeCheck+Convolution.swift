// The checks of convolutions and pooling (see ShapeCheck.swift): the geometry of a window over a batch of images.

import TensorCore

extension ShapeCheck {
    /// That `conv2d(x, filter:bias:stride:padding:dilation:groups:)` accepts an input of shape `input`
    /// (`[N, C, H, W]`), a filter of shape `filter` (`[O, C/groups, kH, kW]`) and a bias of shape `bias` (`[O]`).
    public static func conv2d(input: [Int], filter: [Int], bias: [Int]? = nil, stride: Int = 1, padding: Int = 0,
                              dilation: Int = 1, groups: Int = 1) throws(ShapeError) {
        _ = try convolutionGeometry("conv2d", input: input, filter: filter, bias: bias, stride: (stride, stride),
                                    padding: (padding, padding), dilation: (dilation, dilation), groups: groups,
                                    shown: (input, filter), layout: ("[N, C, H, W]", "[O, C/groups, kH, kW]"))
    }

    /// That `conv1d(x, filter:bias:stride:padding:dilation:groups:)` accepts an input of shape `input`
    /// (`[N, C, L]`), a filter of shape `filter` (`[O, C/groups, K]`) and a bias of shape `bias` (`[O]`).
    public static func conv1d(input: [Int], filter: [Int], bias: [Int]? = nil, stride: Int = 1, padding: Int = 0,
                              dilation: Int = 1, groups: Int = 1) throws(ShapeError) {
        _ = try convolution1DGeometry(input, filter, bias, stride, padding, dilation, groups)
    }

    /// That `operation` (`"maxPool2d"`, `"avgPool2d"`) accepts an input of shape `input` (`[N, C, H, W]`) with
    /// square windows of `kernelSize`, moving by `stride` (by default `kernelSize`), padded by `padding`.
    public static func pool2d(_ operation: String, input: [Int], kernelSize: Int, stride: Int? = nil,
                              padding: Int = 0) throws(ShapeError) {
        _ = try poolingGeometry(operation, input: input, kernelSize: kernelSize, stride: stride, padding: padding)
    }

    /// The geometry of a 2-D convolution of `input` (`[N, C, H, W]`) by `filter` (`[O, C/groups, kH, kW]`); the
    /// messages name `op` and the shapes the caller passed (`shown`).
    @usableFromInline package static func convolutionGeometry(_ op: String, input: [Int], filter: [Int], bias: [Int]?, stride: (Int, Int),
                                            padding: (Int, Int), dilation: (Int, Int), groups: Int, shown: ([Int], [Int]),
                                            layout: (String, String)) throws(ShapeError) -> ConvolutionGeometry {
        let shapes = "input of shape \(shown.0) and filter of shape \(shown.1)"
        if input.count != 4 || filter.count != 4 {
            throw ShapeError(operation: op, problem: "\(shapes): the input must be \(layout.0) and the filter \(layout.1)",
                             fix: "reshape the input (one sample of a batch: add a batch axis of size 1, e.g. x.reshaped(to: [1] + x.shape))")
        }
        if groups < 1 || input[1] % groups != 0 || filter[0] % groups != 0 {
            throw ShapeError(operation: op, problem: "\(shapes) with groups: \(groups): the \(input[1]) input channels and " +
                             "\(filter[0]) filters must both divide into \(groups) groups",
                             fix: "use a groups count ≥ 1 that divides both")
        }
        if filter[1] * groups != input[1] {
            throw ShapeError(operation: op, problem: "\(shapes): the filter reads \(filter[1]) channels per group × \(groups) " +
                             "groups, but the input has \(input[1]) channels",
                             fix: "the filter's axis 1 must be input channels / groups = \(input[1] / groups)")
        }
        if let bias, bias != [filter[0]] {
            throw ShapeError(operation: op, problem: "\(shapes) with a bias of shape \(bias)",
                             fix: "pass a bias of shape [\(filter[0])], one per filter")
        }
        let geometry = ConvolutionGeometry(batch: input[0], channels: input[1], height: input[2], width: input[3],
                                           kernel: (filter[2], filter[3]), stride: stride, padding: padding,
                                           dilation: dilation, groups: groups)
        if let (problem, fix) = geometry.problem {
            throw ShapeError(operation: op, problem: "\(shapes), stride \(Swift.max(stride.0, stride.1)), padding " +
                             "\(Swift.max(padding.0, padding.1)), dilation \(Swift.max(dilation.0, dilation.1)): \(problem)",
                             fix: fix)
        }
        return geometry
    }

    /// The geometry of a 1-D convolution (`[N, C, L]` by `[O, C/groups, K]`) as a 2-D one of height 1.
    @usableFromInline package static func convolution1DGeometry(_ input: [Int], _ filter: [Int], _ bias: [Int]?, _ stride: Int, _ padding: Int,
                                              _ dilation: Int, _ groups: Int) throws(ShapeError) -> ConvolutionGeometry {
        let layout = ("[N, C, L]", "[O, C/groups, K]")
        if input.count != 3 || filter.count != 3 {
            throw ShapeError(operation: "conv1d", problem: "input of shape \(input) and filter of shape \(filter): the input " +
                             "must be \(layout.0) and the filter \(layout.1)",
                             fix: "reshape the input (one sequence: add a batch axis of size 1, e.g. x.reshaped(to: [1] + x.shape))")
        }
        return try convolutionGeometry("conv1d", input: [input[0], input[1], 1, input[2]],
                                       filter: [filter[0], filter[1], 1, filter[2]], bias: bias, stride: (1, stride),
                                       padding: (0, padding), dilation: (1, dilation), groups: groups,
                                       shown: (input, filter), layout: layout)
    }

    /// The geometry of a 2-D pooling of `input` (`[N, C, H, W]`) with square windows.
    @usableFromInline package static func poolingGeometry(_ op: String, input: [Int], kernelSize: Int, stride: Int?,
                                        padding: Int) throws(ShapeError) -> ConvolutionGeometry {
        let stride = stride ?? kernelSize
        if input.count != 4 {
            throw ShapeError(operation: op, problem: "input of shape \(input): pooling takes a batch of images [N, C, H, W]",
                             fix: "reshape the input (one image: add a batch axis of size 1)")
        }
        if kernelSize < 1 || stride < 1 || padding < 0 || 2 * padding > kernelSize {
            throw ShapeError(operation: op, problem: "kernelSize \(kernelSize), stride \(stride), padding \(padding) on an " +
                             "input of shape \(input)", fix: "use kernelSize ≥ 1, stride ≥ 1 and 0 ≤ padding ≤ kernelSize / 2")
        }
        let geometry = ConvolutionGeometry(batch: input[0], channels: input[1], height: input[2], width: input[3],
                                           kernel: (kernelSize, kernelSize), stride: (stride, stride),
                                           padding: (padding, padding), dilation: (1, 1), groups: 1)
        if let (problem, fix) = geometry.problem {
            throw ShapeError(operation: op, problem: "input of shape \(input) with kernelSize \(kernelSize), padding \(padding): " +
                             "\(problem)", fix: fix)
        }
        return geometry
    }
}
