// Slicing, gathering, scattering and concatenating: data movement without arithmetic.

import TensorCore

extension Tensor {
    /// The elements inside `bounds`, one half-open range per axis (every axis).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    package func slice(_ bounds: [Range<Int>]) -> Tensor {
        let outShape = bounds.map(\.count)
        let strides = ShapeMath.strides(shape)
        var base = 0
        for (i, r) in bounds.enumerated() { base += r.lowerBound * strides[i] }
        return withUnsafeBufferPointer { src in
            Tensor(shape: outShape, unsafeUninitialized: { dst in
                stridedWalk(shape: outShape, strides, strides) { i, o, _ in dst[i] = src[base + o] }
            })
        }
    }

    /// Full per-axis bounds from ranges over the leading axes, checked against the shape.
    @inlinable
    package func bounds(_ ranges: [Range<Int>], op: StaticString, site: CallSite) -> [Range<Int>] {
        stopOnShapeError(at: site) { () throws(ShapeError) in try ShapeCheck.ranges(ranges, of: shape, operation: "\(op)") }
    }

    /// Elements at `indices` along `axis`; repeated indices repeat elements.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func gathering(atIndices indices: [Int], alongAxis axis: Int = 0,
                          file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let a = stopOnShapeError(at: CallSite(file: file, line: line)) { () throws(ShapeError) in
            try ShapeCheck.gathering(indices, alongAxis: axis, of: shape)
        }
        let n = shape[a]
        let inner = ShapeMath.count(Array(shape[(a + 1)...])), outer = ShapeMath.count(Array(shape[..<a]))
        var outShape = shape
        outShape[a] = indices.count
        return withUnsafeBufferPointer { src in
            Tensor(shape: outShape, unsafeUninitialized: { dst in
                var o = 0
                for p in 0..<outer {
                    for idx in indices {
                        let from = (p * n + idx) * inner
                        // One contiguous run per gathered slice (a batch's rows): a block copy.
                        if inner > 0 { (dst.baseAddress! + o).initialize(from: src.baseAddress! + from, count: inner) }
                        o += inner
                    }
                }
            })
        }
    }
}

extension Tensor where Scalar: TensorScalar {
    /// Zeros of `shape` with this tensor written into `bounds` (the adjoint of slicing).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    package func padded(into shape: [Int], at bounds: [Range<Int>]) -> Tensor {
        var out = Tensor.zeros(shape: shape)
        let strides = ShapeMath.strides(shape)
        var base = 0
        for (i, r) in bounds.enumerated() { base += r.lowerBound * strides[i] }
        let inner = self.shape
        withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                stridedWalk(shape: inner, strides, strides) { i, o, _ in dst[base + o] = src[i] }
            }
        }
        return out
    }

    /// Zeros of `shape` with the slices of this tensor added at `indices` along `axis` (the adjoint of gathering).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    package func scatterAdding(atIndices indices: [Int], alongAxis a: Int, into shape: [Int]) -> Tensor {
        var out = Tensor.zeros(shape: shape)
        let n = shape[a]
        let inner = ShapeMath.count(Array(shape[(a + 1)...])), outer = ShapeMath.count(Array(shape[..<a]))
        withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var o = 0
                for p in 0..<outer {
                    for idx in indices {
                        let to = (p * n + idx) * inner
                        for q in 0..<inner { dst[to + q] += src[o + q] }
                        o += inner
                    }
                }
            }
        }
        return out
    }
}

/// Joins tensors along an existing axis; every other axis must match.
@_specialize(exported: true, where S == Float)
@inlinable
public func concatenate<S: TensorElement>(_ tensors: [Tensor<S>], alongAxis axis: Int = 0,
                                          file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
    let a = stopOnShapeError(at: CallSite(file: file, line: line)) { () throws(ShapeError) in
        try ShapeCheck.concatenate(tensors.map(\.shape), alongAxis: axis)
    }
    let first = tensors[0]
    var outShape = first.shape
    outShape[a] = tensors.reduce(0) { $0 + $1.shape[a] }
    let outer = ShapeMath.count(Array(first.shape[..<a]))
    let inner = ShapeMath.count(Array(first.shape[(a + 1)...]))
    var flat: [S] = []
    flat.reserveCapacity(ShapeMath.count(outShape))
    let sources = tensors.map(\.scalars)
    for p in 0..<outer {
        for (t, src) in zip(tensors, sources) {
            let chunk = t.shape[a] * inner
            flat.append(contentsOf: src[(p * chunk)..<((p + 1) * chunk)])
        }
    }
    return Tensor(uncheckedShape: outShape, buffer: flat)
}

extension Tensor {
    /// The slice of axis 0 given by `range` (e.g. `x[1..<3]`, `x[2...]`).
    @inlinable
    public subscript<R: RangeExpression>(range: R) -> Tensor where R.Bound == Int {
        slice(bounds([range.relative(to: 0..<(shape.first ?? 0))], op: "subscript", site: .operator))
    }

    /// The slice given by one range per leading axis (e.g. `x[1..<3, 0..<2]`).
    @inlinable
    public subscript<R0: RangeExpression, R1: RangeExpression>(r0: R0, r1: R1) -> Tensor
    where R0.Bound == Int, R1.Bound == Int {
        let b = bounds([r0.relative(to: 0..<(shape.first ?? 0)), r1.relative(to: 0..<(rank > 1 ? shape[1] : 0))],
                       op: "subscript", site: .operator)
        return slice(b)
    }

    /// Index `index` of axis 0, with that axis removed (`x[2]` of a `[3, 4]` tensor is its row 2, shape `[4]`).
    @inlinable
    public subscript(index: Int, file file: StaticString = #fileID, line line: UInt = #line) -> Tensor {
        at([index], site: CallSite(file: file, line: line))
    }

    /// The element, or the sub-tensor, at one index per leading axis: each index removes its axis, as `x[2]`
    /// does, so one index per axis gives a rank-0 tensor whose ``scalar`` is the number.
    ///
    /// ```swift
    /// let h = Tensor<Double>([[1, 2, 3], [4, 5, 6]])
    /// h[0, 1].scalar      // 2.0
    /// ```
    ///
    /// Indices count from 0; an index outside its axis stops the program with a message naming the shape,
    /// the indices and the calling line.
    @inlinable
    public subscript(i0: Int, i1: Int, rest: Int..., file file: StaticString = #fileID, line line: UInt = #line) -> Tensor {
        at([i0, i1] + rest, site: CallSite(file: file, line: line))
    }

    /// The sub-tensor at one index per leading axis, those axes removed.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    package func at(_ indices: [Int], site: CallSite) -> Tensor {
        let b = indexBounds(indices, site: site)
        let rest = Array(shape.dropFirst(indices.count))
        let inner = ShapeMath.count(rest)
        var start = 0
        for (axis, r) in b.enumerated() { start = start * shape[axis] + r.lowerBound }
        return withUnsafeBufferPointer { src in
            Tensor(shape: rest, unsafeUninitialized: { dst in
                for q in 0..<inner { dst[q] = src[start * inner + q] }
            })
        }
    }

    /// One-element ranges for indices into the leading axes, checked against the shape.
    @inlinable
    package func indexBounds(_ indices: [Int], site: CallSite) -> [Range<Int>] {
        stopOnShapeError(at: site) { () throws(ShapeError) in try ShapeCheck.indices(indices, of: shape) }
        return indices.map { $0..<($0 + 1) }
    }
}
