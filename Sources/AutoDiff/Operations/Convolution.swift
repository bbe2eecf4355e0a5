// Convolution and pooling: sliding windows over NCHW images (NCL sequences as images of height 1). The
// convolution is a matrix product on the unfolded input (im2col), so its derivatives are matrix products
// and a fold (col2im): the input's gradient is the transposed convolution fold(Wᵀ·g), the filter's g·colsᵀ.
// Every rule is written with differentiable operations (unfold ↔ fold are each other's adjoints), so
// second derivatives work.

/// The convolution and pooling primitives. Inputs: `[x, filter]` or `[x, filter, bias]` for the convolution,
/// `[x]` for the others.
@usableFromInline
enum ConvolutionOp<Scalar: TensorScalar> {
    /// Keeps the unfolded input of the forward pass for the filter's gradient of a plain backward pass.
    case convolution(ConvolutionGeometry, columns: Tensor<Scalar>)
    /// im2col: `[N, C, H, W]` → `[C·kH·kW, N·outH·outW]`.
    case unfold(ConvolutionGeometry)
    /// col2im, the adjoint of unfold: each column element added back where it came from.
    case fold(ConvolutionGeometry)
    /// The maximum of each window, taken from the input's flat `indices`.
    case maxPool(ConvolutionGeometry, indices: [Int])
    case averagePool(ConvolutionGeometry)

    /// Given g = dL/dy, returns dL/d(input) for each input (nil where none is needed):
    ///
    /// ```
    /// convolution  y = W·cols(x) + b, per group, the batch inside the columns:
    ///              ∂x = fold(Wᵀ·g)   ∂W = g·cols(x)ᵀ   ∂b = Σ over N, H, W of g
    /// unfold:      ∂x = fold(g)                        (and fold: ∂cols = unfold(g))
    /// maxPool:     ∂x = g added at the argmax of each window
    /// averagePool: ∂x = fold(g / (kH·kW) repeated over the window's taps)
    /// ```
    @inlinable
    func pullback<G: GradientValue>(_ g: G, _ inputs: [G], _ needs: [Bool]) -> [G?] where G.Scalar == Scalar {
        switch self {
        case .convolution(let geometry, let columns):
            return convolutionPullback(g, inputs, needs, geometry, columns: columns)
        case .unfold(let geometry):
            return [g._folded(geometry)]
        case .fold(let geometry):
            return [g._unfolded(geometry)]
        case .maxPool(let geometry, let indices):
            let count = ShapeMath.count(geometry.inputShape)
            return [g._reshaped([-1]).scatterAdding(atIndices: indices, alongAxis: 0, into: [count])._reshaped(geometry.inputShape)]
        case .averagePool(let geometry):
            let planes = geometry.perChannel, taps = geometry.kernelHeight * geometry.kernelWidth
            let spread = (g._reshaped([1, planes.batch * planes.positions]) * (1 / Scalar(taps)))._broadcasted(planes.columnsShape)
            return [spread._folded(planes)._reshaped(geometry.inputShape)]
        }
    }
}

/// The convolution's rule. With g as `[G, O/G, N·L]` (output channels first), the filter as `[G, O/G, taps/G]`
/// and the columns as `[G, taps/G, N·L]`: ∂x = fold(Wᵀ·g) (a transposed convolution), ∂W = g·colsᵀ,
/// ∂b = g summed over the batch and the positions. A plain pass reuses the forward pass's columns; a recorded
/// one unfolds x again, so that ∂W is differentiable with respect to x.
@inlinable
func convolutionPullback<G: GradientValue>(_ g: G, _ inputs: [G], _ needs: [Bool], _ geometry: ConvolutionGeometry,
                                           columns: Tensor<G.Scalar>) -> [G?] {
    let x = inputs[0], filter = inputs[1]
    let groups = geometry.groups, outputs = filter.shape[0], perGroup = outputs / groups, taps = geometry.taps / groups
    let width = geometry.batch * geometry.positions
    // Matrices for one group, a batch of them for several.
    let lead = groups == 1 ? [] : [groups]
    let channelsFirst = g._reshaped([geometry.batch, outputs, geometry.positions])._transposed([1, 0, 2])
    let grouped = channelsFirst._reshaped(lead + [perGroup, width])
    var parts: [G?] = []
    if needs[0] {
        let product = G._matmul(filter._reshaped(lead + [perGroup, taps]), transposeA: true, grouped, transposeB: false)
        parts.append(product._reshaped(geometry.columnsShape)._folded(geometry))
    } else {
        parts.append(nil)
    }
    if needs[1] {
        let cols = x._unfolded(geometry, reusing: columns)._reshaped(lead + [taps, width])
        parts.append(G._matmul(grouped, transposeA: false, cols, transposeB: true)._reshaped(filter.shape))
    } else {
        parts.append(nil)
    }
    if inputs.count == 3 {
        parts.append(needs[2] ? channelsFirst._reshaped([outputs, width])._sum([1], keep: false) : nil)
    }
    return parts
}

extension Variable {
    /// im2col of this value again, recorded (the columns of a forward pass are not differentiable).
    @inlinable
    func _unfolded(_ geometry: ConvolutionGeometry, reusing columns: Tensor<Scalar>) -> Variable { _unfolded(geometry) }

    /// im2col of this `[N, C, H, W]` value (see ``ConvolutionGeometry``).
    @inlinable
    func _unfolded(_ geometry: ConvolutionGeometry) -> Variable {
        Variable.record(value.unfolded(geometry), "unfold", [self]) { .convolution(.unfold(geometry), $0) }
    }

    /// col2im of this `[N, C·kH·kW, L]` value, the adjoint of ``_unfolded(_:)``.
    @inlinable
    func _folded(_ geometry: ConvolutionGeometry) -> Variable {
        Variable.record(value.folded(geometry), "fold", [self]) { .convolution(.fold(geometry), $0) }
    }
}

// MARK: - Checking the arguments

/// The geometry of a 2-D convolution of `input` (`[N, C, H, W]`) by `filter` (`[O, C/groups, kH, kW]`),
/// stopping with the message of ``ShapeCheck`` (naming `op`, the shapes the caller passed and the fix) when they do
/// not fit.
@inlinable
func convolutionGeometry(_ op: String, input: [Int], filter: [Int], bias: [Int]?, stride: (Int, Int),
                         padding: (Int, Int), dilation: (Int, Int), groups: Int, shown: ([Int], [Int]),
                         layout: (String, String), site: CallSite) -> ConvolutionGeometry {
    stopOnShapeError(at: site) { () throws(ShapeError) in
        try ShapeCheck.convolutionGeometry(op, input: input, filter: filter, bias: bias, stride: stride, padding: padding,
                                           dilation: dilation, groups: groups, shown: shown, layout: layout)
    }
}

/// The geometry of a 2-D pooling of `input` (`[N, C, H, W]`) with square windows.
@inlinable
func poolingGeometry(_ op: String, input: [Int], kernelSize: Int, stride: Int?, padding: Int, site: CallSite) -> ConvolutionGeometry {
    stopOnShapeError(at: site) { () throws(ShapeError) in
        try ShapeCheck.poolingGeometry(op, input: input, kernelSize: kernelSize, stride: stride, padding: padding)
    }
}

// MARK: - On tensors

/// The 2-D convolution (cross-correlation, as in PyTorch's `conv2d`) of a batch of images.
///
/// `x` is `[N, C, H, W]`, `filter` `[O, C/groups, kH, kW]`, `bias` `[O]`; the result is `[N, O, outH, outW]` with
/// `out = ⌊(H + 2·padding − dilation·(kH − 1) − 1) / stride⌋ + 1` (likewise for W). With `groups` > 1 the channels
/// split into that many groups, each convolved with its own O/groups filters (`groups == C`: depthwise).
///
/// ```
/// y[n, o, i, j] = b[o] + Σ_c,p,q W[o, c, p, q] · x[n, g·C/groups + c, i·stride − padding + p·dilation, j·stride − padding + q·dilation]
/// ```
/// - Complexity: one matrix product per image and group, O(N · O · C/groups · kH · kW · outH · outW).
@_specialize(exported: true, where S == Float)
@inlinable
public func conv2d<S: TensorScalar>(_ x: Tensor<S>, filter: Tensor<S>, bias: Tensor<S>? = nil, stride: Int = 1,
                                    padding: Int = 0, dilation: Int = 1, groups: Int = 1,
                                    file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
    let geometry = convolutionGeometry("conv2d", input: x.shape, filter: filter.shape, bias: bias?.shape,
                                       stride: (stride, stride), padding: (padding, padding), dilation: (dilation, dilation),
                                       groups: groups, shown: (x.shape, filter.shape),
                                       layout: ("[N, C, H, W]", "[O, C/groups, kH, kW]"), site: CallSite(file: file, line: line))
    return x.convolved(geometry, filter: filter, bias: bias).value
}

/// The 1-D convolution of a batch of sequences: `x` `[N, C, L]`, `filter` `[O, C/groups, K]`, `bias` `[O]`, giving
/// `[N, O, ⌊(L + 2·padding − dilation·(K − 1) − 1) / stride⌋ + 1]` (a 2-D convolution of images of height 1).
@_specialize(exported: true, where S == Float)
@inlinable
public func conv1d<S: TensorScalar>(_ x: Tensor<S>, filter: Tensor<S>, bias: Tensor<S>? = nil, stride: Int = 1,
                                    padding: Int = 0, dilation: Int = 1, groups: Int = 1,
                                    file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
    let site = CallSite(file: file, line: line)
    let geometry = convolution1DGeometry(x.shape, filter.shape, bias?.shape, stride, padding, dilation, groups, site)
    let out = x.reshaped(to: geometry.inputShape).convolved(geometry, filter: filter.reshaped(to: [filter.shape[0], filter.shape[1], 1, filter.shape[2]]),
                                                           bias: bias).value
    return out.reshaped(to: [geometry.batch, filter.shape[0], geometry.outputWidth])
}

/// The geometry of a 1-D convolution as a 2-D one of height 1.
@inlinable
func convolution1DGeometry(_ input: [Int], _ filter: [Int], _ bias: [Int]?, _ stride: Int, _ padding: Int, _ dilation: Int,
                           _ groups: Int, _ site: CallSite) -> ConvolutionGeometry {
    stopOnShapeError(at: site) { () throws(ShapeError) in
        try ShapeCheck.convolution1DGeometry(input, filter, bias, stride, padding, dilation, groups)
    }
}

/// The maximum of each `kernelSize × kernelSize` window of a batch of images `[N, C, H, W]`, moving by
/// `stride` (by default `kernelSize`), over an input padded by `padding` (≤ kernelSize / 2) on each side with
/// −∞; the output size follows the convolution's formula.
@_specialize(exported: true, where S == Float)
@inlinable
public func maxPool2d<S: TensorScalar>(_ x: Tensor<S>, kernelSize: Int, stride: Int? = nil, padding: Int = 0,
                                       file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
    let geometry = poolingGeometry("maxPool2d", input: x.shape, kernelSize: kernelSize, stride: stride, padding: padding,
                                   site: CallSite(file: file, line: line))
    return x.maxPooled(geometry).value
}

/// The mean of each `kernelSize × kernelSize` window of a batch of images `[N, C, H, W]`, moving by `stride`
/// (by default `kernelSize`); zero padding counts in the mean (PyTorch's default, `count_include_pad`).
@_specialize(exported: true, where S == Float)
@inlinable
public func avgPool2d<S: TensorScalar>(_ x: Tensor<S>, kernelSize: Int, stride: Int? = nil, padding: Int = 0,
                                       file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
    let geometry = poolingGeometry("avgPool2d", input: x.shape, kernelSize: kernelSize, stride: stride, padding: padding,
                                   site: CallSite(file: file, line: line))
    return x.averagePooled(geometry)
}

// MARK: - On variables

/// The 2-D convolution (cross-correlation) of a batch of images, recorded for differentiation: `x`
/// `[N, C, H, W]`, `filter` `[O, C/groups, kH, kW]`, `bias` `[O]` → `[N, O, outH, outW]` with
/// `out = ⌊(H + 2·padding − dilation·(kH − 1) − 1) / stride⌋ + 1`. See the `Tensor` overload for the formula.
///
/// ```
/// ∂x = fold(Wᵀ·g)  (the transposed convolution)    ∂W = Σₙ g·unfold(x)ᵀ    ∂b = Σ over N, H, W of g
/// ```
@_specialize(exported: true, where S == Float)
@inlinable
public func conv2d<S>(_ x: Variable<S>, filter: Variable<S>, bias: Variable<S>? = nil, stride: Int = 1,
                      padding: Int = 0, dilation: Int = 1, groups: Int = 1,
                      file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    let geometry = convolutionGeometry("conv2d", input: x.shape, filter: filter.shape, bias: bias?.shape,
                                       stride: (stride, stride), padding: (padding, padding), dilation: (dilation, dilation),
                                       groups: groups, shown: (x.shape, filter.shape),
                                       layout: ("[N, C, H, W]", "[O, C/groups, kH, kW]"), site: CallSite(file: file, line: line))
    let (value, columns) = x.value.convolved(geometry, filter: filter.value, bias: bias?.value)
    let inputs = bias.map { [x, filter, $0] } ?? [x, filter]
    return Variable.record(value, "conv2d", inputs, site: CallSite(file: file, line: line)) { .convolution(.convolution(geometry, columns: columns), $0) }
}

/// The 1-D convolution of a batch of sequences, recorded for differentiation: `x` `[N, C, L]`, `filter`
/// `[O, C/groups, K]`, `bias` `[O]` → `[N, O, ⌊(L + 2·padding − dilation·(K − 1) − 1) / stride⌋ + 1]`, as a 2-D
/// convolution of images of height 1 (same rules).
@_specialize(exported: true, where S == Float)
@inlinable
public func conv1d<S>(_ x: Variable<S>, filter: Variable<S>, bias: Variable<S>? = nil, stride: Int = 1,
                      padding: Int = 0, dilation: Int = 1, groups: Int = 1,
                      file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    let site = CallSite(file: file, line: line)
    let geometry = convolution1DGeometry(x.shape, filter.shape, bias?.shape, stride, padding, dilation, groups, site)
    let image = x.reshaped(to: geometry.inputShape)
    let filter2D = filter.reshaped(to: [filter.shape[0], filter.shape[1], 1, filter.shape[2]])
    let (value, columns) = image.value.convolved(geometry, filter: filter2D.value, bias: bias?.value)
    let inputs = bias.map { [image, filter2D, $0] } ?? [image, filter2D]
    let out = Variable.record(value, "conv1d", inputs, site: CallSite(file: file, line: line)) { .convolution(.convolution(geometry, columns: columns), $0) }
    return out.reshaped(to: [geometry.batch, filter.shape[0], geometry.outputWidth])
}

/// The maximum of each `kernelSize × kernelSize` window (stride by default `kernelSize`, −∞ padding ≤
/// kernelSize / 2), recorded for differentiation.
///
/// ```
/// ∂x = g added at the element that was each window's maximum (the first of equal maxima)
/// ```
@_specialize(exported: true, where S == Float)
@inlinable
public func maxPool2d<S>(_ x: Variable<S>, kernelSize: Int, stride: Int? = nil, padding: Int = 0,
                         file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    let geometry = poolingGeometry("maxPool2d", input: x.shape, kernelSize: kernelSize, stride: stride, padding: padding,
                                   site: CallSite(file: file, line: line))
    let (value, indices) = x.value.maxPooled(geometry)
    return Variable.record(value, "maxPool2d", [x], site: CallSite(file: file, line: line)) { .convolution(.maxPool(geometry, indices: indices), $0) }
}

/// The mean of each `kernelSize × kernelSize` window (stride by default `kernelSize`; zero padding counts in
/// the mean), recorded for differentiation.
///
/// ```
/// ∂x = each window's g / (kernelSize²) added over the window (a fold)
/// ```
@_specialize(exported: true, where S == Float)
@inlinable
public func avgPool2d<S>(_ x: Variable<S>, kernelSize: Int, stride: Int? = nil, padding: Int = 0,
                         file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    let geometry = poolingGeometry("avgPool2d", input: x.shape, kernelSize: kernelSize, stride: stride, padding: padding,
                                   site: CallSite(file: file, line: line))
    return Variable.record(x.value.averagePooled(geometry), "avgPool2d", [x], site: CallSite(file: file, line: line)) { .convolution(.averagePool(geometry), $0) }
}
