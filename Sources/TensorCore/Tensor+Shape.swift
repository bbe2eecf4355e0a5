// Reshaping and permuting: data movement without arithmetic (slicing, gathering and concatenating are in
// TensorMath).

extension Tensor {
    /// The same elements with another shape; one size may be -1 and is then inferred.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func reshaped(to newShape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if newShape == shape { return self }
        let target = stopOnShapeError(at: CallSite(file: file, line: line)) { () throws(ShapeError) in
            try ShapeCheck.reshape(shape, to: newShape)
        }
        return Tensor(uncheckedShape: target, buffer: scalars)
    }

    /// The axes reordered: axis `i` of the result is axis `permutation[i]` of this tensor.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func transposed(permutation: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        stopOnShapeError(at: CallSite(file: file, line: line)) { () throws(ShapeError) in
            try ShapeCheck.permutation(permutation, of: shape)
        }
        if permutation == Array(0..<rank) { return self }
        let inStrides = ShapeMath.strides(shape)
        let outShape = permutation.map { shape[$0] }
        let strides = permutation.map { inStrides[$0] }
        return withUnsafeBufferPointer { src in
            Tensor(shape: outShape, unsafeUninitialized: { dst in
                stridedWalk(shape: outShape, strides, strides) { i, o, _ in dst[i] = src[o] }
            })
        }
    }

    /// The axes in reverse order (a matrix's transpose; NumPy's `.T`).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func transposed() -> Tensor { transposed(permutation: Array((0..<rank).reversed())) }

    /// A size-1 axis inserted at `axis` (negative counts from the end of the result).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func expandingShape(at axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        var s = shape
        s.insert(1, at: Swift.max(0, Swift.min(a, rank)))
        return reshaped(to: s)
    }

    /// Size-1 axes removed (all of them, or those listed).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func squeezingShape(at axes: [Int] = []) -> Tensor {
        let drop = axes.isEmpty ? shape.indices.filter { shape[$0] == 1 } : axes.map { $0 < 0 ? $0 + rank : $0 }
        return reshaped(to: shape.enumerated().filter { !(drop.contains($0.offset) && $0.element == 1) }.map(\.element))
    }

}
