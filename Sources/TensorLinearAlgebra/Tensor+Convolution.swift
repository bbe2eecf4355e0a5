// Convolution and pooling on values: the window geometry, im2col (`unfolded`) and its adjoint col2im
// (`folded`), the convolution as one matrix product per sample and group on the unfolded input, and the
// pooling windows. Layouts are PyTorch's: NCHW images, [O, C/groups, kH, kW] filters.

import TensorCore

/// Where a sliding window goes over a batch of images `[batch, channels, height, width]`: kernel size,
/// stride, zero padding and dilation per axis, and the output size they give (PyTorch's formula
/// `⌊(H + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1`).
///
/// Its unfolded input ("columns") is `[channels·kH·kW, batch·outH·outW]`: row `(c·kH + i)·kW + j` holds, for
/// every image and output position, the input element under kernel tap (i, j) of channel c (0 in the padding).
/// With the batch inside the rows, a convolution is one matrix product per group for the whole batch.
@usableFromInline
package struct ConvolutionGeometry: Sendable, Equatable {
    @usableFromInline package var batch: Int
    @usableFromInline package var channels: Int
    @usableFromInline package var height: Int
    @usableFromInline package var width: Int
    @usableFromInline package var kernelHeight: Int
    @usableFromInline package var kernelWidth: Int
    @usableFromInline package var strideHeight: Int
    @usableFromInline package var strideWidth: Int
    @usableFromInline package var paddingHeight: Int
    @usableFromInline package var paddingWidth: Int
    @usableFromInline package var dilationHeight: Int
    @usableFromInline package var dilationWidth: Int
    /// The channel groups of a convolution (1 for pooling).
    @usableFromInline package var groups: Int

    @inlinable
    package init(batch: Int, channels: Int, height: Int, width: Int, kernel: (Int, Int), stride: (Int, Int),
         padding: (Int, Int), dilation: (Int, Int), groups: Int) {
        self.batch = batch
        self.channels = channels
        self.height = height
        self.width = width
        (kernelHeight, kernelWidth) = kernel
        (strideHeight, strideWidth) = stride
        (paddingHeight, paddingWidth) = padding
        (dilationHeight, dilationWidth) = dilation
        self.groups = groups
    }

    @inlinable package var outputHeight: Int { (height + 2 * paddingHeight - dilationHeight * (kernelHeight - 1) - 1) / strideHeight + 1 }
    @inlinable package var outputWidth: Int { (width + 2 * paddingWidth - dilationWidth * (kernelWidth - 1) - 1) / strideWidth + 1 }
    /// The number of output positions per image.
    @inlinable package var positions: Int { outputHeight * outputWidth }
    /// The number of kernel taps per image: channels · kH · kW.
    @inlinable package var taps: Int { channels * kernelHeight * kernelWidth }
    @inlinable package var inputShape: [Int] { [batch, channels, height, width] }
    @inlinable package var columnsShape: [Int] { [taps, batch * positions] }

    /// The same windows over each channel as its own image (`[batch·channels, 1, H, W]`): pooling.
    @inlinable package var perChannel: ConvolutionGeometry {
        var g = self
        g.batch = batch * channels
        g.channels = 1
        g.groups = 1
        return g
    }

    /// Whether the numbers make a window that fits: sizes ≥ 1 (padding ≥ 0) and an output of at least one
    /// position. Nil when they do; otherwise what is wrong and how to fix it.
    @inlinable
    package var problem: (String, String)? {
        if strideHeight < 1 || strideWidth < 1 { return ("stride must be ≥ 1", "pass stride: 1 or more") }
        if dilationHeight < 1 || dilationWidth < 1 { return ("dilation must be ≥ 1", "pass dilation: 1 or more") }
        if paddingHeight < 0 || paddingWidth < 0 { return ("padding must be ≥ 0", "pass padding: 0 or more") }
        if kernelHeight < 1 || kernelWidth < 1 { return ("the kernel must be at least 1×1", "use a kernel size ≥ 1") }
        let spanH = dilationHeight * (kernelHeight - 1) + 1, spanW = dilationWidth * (kernelWidth - 1) + 1
        if height + 2 * paddingHeight < spanH || width + 2 * paddingWidth < spanW {
            return ("the kernel spans \(spanH)×\(spanW) (dilation included) but the padded input is only " +
                    "\(height + 2 * paddingHeight)×\(width + 2 * paddingWidth), so there is no output position",
                    "use a smaller kernel or dilation, more padding, or a larger input")
        }
        return nil
    }
}

extension ConvolutionGeometry {
    /// The height and width with the zero padding.
    @inlinable package var paddedHeight: Int { height + 2 * paddingHeight }
    @inlinable package var paddedWidth: Int { width + 2 * paddingWidth }
    @inlinable package var isPadded: Bool { paddingHeight > 0 || paddingWidth > 0 }

    /// Copies `[N, C, H, W]` into the middle of `[N, C, H + 2·padding, W + 2·padding]`, whose border is zero.
    @_specialize(exported: true, where S == Float)
    @inlinable
    package func pad<S: TensorScalar>(_ src: UnsafePointer<S>, into dst: UnsafeMutablePointer<S>) {
        let ph = paddedHeight, pw = paddedWidth
        for plane in 0..<batch * channels {
            for r in 0..<height {
                let from = src + (plane * height + r) * width
                let to = dst + (plane * ph + r + paddingHeight) * pw + paddingWidth
                for x in 0..<width { to[x] = from[x] }
            }
        }
    }

    /// The middle of `[N, C, H + 2·padding, W + 2·padding]` copied out to `[N, C, H, W]`.
    @_specialize(exported: true, where S == Float)
    @inlinable
    package func crop<S: TensorScalar>(_ src: UnsafePointer<S>, into dst: UnsafeMutablePointer<S>) {
        let ph = paddedHeight, pw = paddedWidth
        for plane in 0..<batch * channels {
            for r in 0..<height {
                let from = src + (plane * ph + r + paddingHeight) * pw + paddingWidth
                let to = dst + (plane * height + r) * width
                for x in 0..<width { to[x] = from[x] }
            }
        }
    }

    /// im2col of one padded image `[channels, H + 2·padding, W + 2·padding]` (every tap inside it, no bounds to
    /// check); row r of its columns starts at `dst + r·rowStride`.
    @_specialize(exported: true, where S == Float)
    @inlinable
    package func unfoldImage<S: TensorScalar>(_ src: UnsafePointer<S>, _ dst: UnsafeMutablePointer<S>, rowStride: Int) {
        let oh = outputHeight, ow = outputWidth, ph = paddedHeight, pw = paddedWidth
        let rowStep = strideHeight * pw, sw = strideWidth
        for c in 0..<channels {
            for i in 0..<kernelHeight {
                for j in 0..<kernelWidth {
                    let row = dst + ((c * kernelHeight + i) * kernelWidth + j) * rowStride
                    let corner = src + (c * ph + i * dilationHeight) * pw + j * dilationWidth
                    for y in 0..<oh {
                        let input = corner + y * rowStep, out = row + y * ow
                        if sw == 1 {
                            for x in 0..<ow { out[x] = input[x] }
                        } else {
                            for x in 0..<ow { out[x] = input[x * sw] }
                        }
                    }
                }
            }
        }
    }

    /// col2im of one image: adds each of its column elements (row r at `src + r·rowStride`) into the element of
    /// the padded image `dst` (`[channels, H + 2·padding, W + 2·padding]`) it was taken from.
    @_specialize(exported: true, where S == Float)
    @inlinable
    package func foldImage<S: TensorScalar>(_ src: UnsafePointer<S>, _ dst: UnsafeMutablePointer<S>, rowStride: Int) {
        let oh = outputHeight, ow = outputWidth, ph = paddedHeight, pw = paddedWidth
        let rowStep = strideHeight * pw, sw = strideWidth
        for c in 0..<channels {
            for i in 0..<kernelHeight {
                for j in 0..<kernelWidth {
                    let row = src + ((c * kernelHeight + i) * kernelWidth + j) * rowStride
                    let corner = dst + (c * ph + i * dilationHeight) * pw + j * dilationWidth
                    for y in 0..<oh {
                        let output = corner + y * rowStep, cols = row + y * ow
                        if sw == 1 {
                            for x in 0..<ow { output[x] += cols[x] }
                        } else {
                            for x in 0..<ow { output[x * sw] += cols[x] }
                        }
                    }
                }
            }
        }
    }

    /// Runs `body(image)` for every image of the batch: over ``Parallelism/threadCount`` threads when the
    /// work is large. Each image's output is written by one thread, in the same order: the result does not
    /// depend on the split.
    @inlinable
    package func forEachImage(work: Int, _ body: (Int) -> Void) {
        if batch < 2 || Parallelism.threadCount < 2 || batch * work < 1 << 16 {
            for n in 0..<batch { body(n) }
            return
        }
        Parallelism.forEach(chunks: batch, body)
    }
}

extension Tensor where Scalar: TensorScalar {
    /// im2col: `[batch, channels, H, W]` → `[channels·kH·kW, batch·outH·outW]` (PyTorch's `F.unfold` with the
    /// batch moved inside the rows). A padded input is first copied into a zero-bordered buffer.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    package func unfolded(_ g: ConvolutionGeometry) -> Tensor {
        let image = g.channels * g.paddedHeight * g.paddedWidth, outSize = g.taps * g.positions, stride = g.batch * g.positions
        return withUnsafeBufferPointer { src in
            Tensor(shape: g.columnsShape, unsafeUninitialized: { dst in
                guard outSize > 0 else { return }
                let padded = g.isPadded ? UnsafeMutablePointer<Scalar>.allocate(capacity: g.batch * image) : nil
                defer { padded?.deallocate() }
                if let padded {
                    padded.initialize(repeating: 0, count: g.batch * image)
                    g.pad(src.baseAddress!, into: padded)
                }
                let s = UncheckedSendable(UnsafePointer(padded) ?? src.baseAddress!), d = UncheckedSendable(dst.baseAddress!)
                g.forEachImage(work: outSize) { n in g.unfoldImage(s.value + n * image, d.value + n * g.positions, rowStride: stride) }
            })
        }
    }

    /// col2im, the adjoint of ``unfolded(_:)``: `[channels·kH·kW, batch·outH·outW]` → `[batch, channels, H, W]`,
    /// each column element added into the input element it came from (PyTorch's `F.fold`); with padding, into a
    /// zero-bordered buffer whose middle is the result.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    package func folded(_ g: ConvolutionGeometry) -> Tensor {
        let inSize = g.taps * g.positions, image = g.channels * g.paddedHeight * g.paddedWidth, stride = g.batch * g.positions
        return withUnsafeBufferPointer { src in
            Tensor(shape: g.inputShape, unsafeUninitialized: { dst in
                let padded = g.isPadded ? UnsafeMutablePointer<Scalar>.allocate(capacity: g.batch * image) : dst.baseAddress!
                defer { if g.isPadded { padded.deallocate() } }
                padded.initialize(repeating: 0, count: g.batch * image)
                if inSize > 0 {
                    let s = UncheckedSendable(src.baseAddress!), d = UncheckedSendable(padded)
                    g.forEachImage(work: inSize) { n in g.foldImage(s.value + n * g.positions, d.value + n * image, rowStride: stride) }
                }
                if g.isPadded { g.crop(padded, into: dst.baseAddress!) }
            })
        }
    }

    /// The convolution of a batch by `filter` (`[O, C/groups, kH, kW]`), plus `bias` (`[O]`): one matrix product
    /// per group for the whole batch, `filter[group] · columns[group]` → `[O, N·L]`, then each image's block moved
    /// to its place in the NCHW output with the bias added. Also returns the columns (for
    /// callers that reuse them, e.g. to compute the product with the filter's transpose).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    package func convolved(_ g: ConvolutionGeometry, filter: Tensor, bias: Tensor?) -> (value: Tensor, columns: Tensor) {
        let columns = unfolded(g)
        let outputs = filter.shape[0], perGroup = outputs / g.groups, taps = g.taps / g.groups
        let positions = g.positions, width = g.batch * positions
        var product = Tensor.zeros(shape: [outputs, width])
        if width > 0 && taps > 0 {
            columns.withUnsafeBufferPointer { cols in
                filter.withUnsafeBufferPointer { w in
                    product.withUnsafeMutableBufferPointer { out in
                        for group in 0..<g.groups {
                            gemmAccumulateParallel(w.baseAddress! + group * perGroup * taps, cols.baseAddress! + group * taps * width,
                                                   out.baseAddress! + group * perGroup * width, m: perGroup, k: taps, n: width)
                        }
                    }
                }
            }
        }
        let zeros = Tensor.zeros(shape: [outputs])
        let value = product.withUnsafeBufferPointer { src in
            (bias ?? zeros).withUnsafeBufferPointer { b in
                Tensor(shape: [g.batch, outputs, g.outputHeight, g.outputWidth], unsafeUninitialized: { dst in
                    for n in 0..<g.batch {
                        for o in 0..<outputs {
                            let from = src.baseAddress! + o * width + n * positions
                            let to = dst.baseAddress! + (n * outputs + o) * positions
                            let shift = b[o]
                            for l in 0..<positions { to[l] = from[l] + shift }
                        }
                    }
                })
            }
        }
        return (value, columns)
    }

    /// The largest element of each pooling window of a batch (padding never wins) and its flat index in
    /// the input; the first of equal maxima, and a NaN wins (PyTorch's rule, which also takes the last NaN).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    package func maxPooled(_ g: ConvolutionGeometry) -> (value: Tensor, indices: [Int]) {
        let planes = g.batch * g.channels, oh = g.outputHeight, ow = g.outputWidth
        let plane = g.height * g.width, width = g.width
        var indices = [Int](repeating: 0, count: planes * oh * ow)
        let value = withUnsafeBufferPointer { src in
            indices.withUnsafeMutableBufferPointer { index in
                Tensor(shape: [g.batch, g.channels, oh, ow], unsafeUninitialized: { dst in
                    var o = 0
                    for p in 0..<planes {
                        let base = p * plane
                        for y in 0..<oh {
                            let top = y * g.strideHeight - g.paddingHeight
                            let rows = Swift.max(0, top)..<Swift.min(g.height, top + g.kernelHeight)
                            for x in 0..<ow {
                                let left = x * g.strideWidth - g.paddingWidth
                                let first = Swift.max(0, left), last = Swift.min(width, left + g.kernelWidth)
                                var at = base + rows.lowerBound * width + first
                                var best = src[at], sawNaN = false
                                for r in rows {
                                    let row = base + r * width
                                    for c in first..<last {
                                        // Selects rather than branches: the maximum lands anywhere in a window.
                                        let v = src[row + c], greater = v > best
                                        best = greater ? v : best
                                        at = greater ? row + c : at
                                        if v != v { sawNaN = true }
                                    }
                                }
                                if sawNaN {
                                    // A NaN wins, the last one seen (PyTorch's rule: NaN replaces any maximum).
                                    for r in rows {
                                        for c in first..<last where src[base + r * width + c].isNaN {
                                            best = src[base + r * width + c]
                                            at = base + r * width + c
                                        }
                                    }
                                }
                                dst[o] = best
                                index[o] = at
                                o += 1
                            }
                        }
                    }
                })
            }
        }
        return (value, indices)
    }

    /// The mean of each pooling window of a batch, padding counted as zeros (PyTorch's
    /// `count_include_pad=True`).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    package func averagePooled(_ g: ConvolutionGeometry) -> Tensor {
        let planes = g.batch * g.channels, oh = g.outputHeight, ow = g.outputWidth
        let plane = g.height * g.width
        let scale = 1 / Scalar(g.kernelHeight * g.kernelWidth)
        return withUnsafeBufferPointer { src in
            Tensor(shape: [g.batch, g.channels, oh, ow], unsafeUninitialized: { dst in
                var o = 0
                for p in 0..<planes {
                    let base = p * plane
                    for y in 0..<oh {
                        let top = y * g.strideHeight - g.paddingHeight
                        let rows = Swift.max(0, top)..<Swift.min(g.height, top + g.kernelHeight)
                        for x in 0..<ow {
                            let left = x * g.strideWidth - g.paddingWidth
                            let columns = Swift.max(0, left)..<Swift.min(g.width, left + g.kernelWidth)
                            var total: Scalar = 0
                            for r in rows {
                                for c in columns { total += src[base + r * g.width + c] }
                            }
                            dst[o] = total * scale
                            o += 1
                        }
                    }
                }
            })
        }
    }
}
