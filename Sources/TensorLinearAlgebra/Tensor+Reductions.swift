// Reductions along axes. Reduced axes are removed unless keepingDimensions is true (NumPy, PyTorch).

import TensorCore

extension Tensor where Scalar: TensorScalar {
    @inlinable
    package func reducedShape(_ axes: [Int], keep: Bool) -> [Int] {
        var out: [Int] = []
        for (i, d) in shape.enumerated() {
            if axes.contains(i) { if keep { out.append(1) } } else { out.append(d) }
        }
        return out
    }

    @inlinable
    package func checkedAxes(_ axes: [Int], _ op: StaticString, _ site: CallSite) -> [Int] {
        stopOnShapeError(at: site) { () throws(ShapeError) in try ShapeCheck.axes(axes, of: shape, operation: "\(op)") }
    }

    /// Folds the elements along `axes` with `combine`, starting from `initial`. Each output element folds
    /// its inputs in increasing order of their position, whatever the number of threads.
    /// Always inlined (as are ``reduceBlock(_:into:outer:reduced:inner:initial:_:)`` and
    /// ``fold(_:initial:_:)``), so that `combine` becomes inline arithmetic in the loops of callers in other
    /// modules too (without it, AutoDiff's sums called `combine` per element: the digits benchmark ran 8 % slower).
    @inlinable @inline(__always)
    package func reduce(alongAxes axes: [Int], keep: Bool, initial: Scalar, _ combine: (Scalar, Scalar) -> Scalar) -> Tensor {
        let outKeep = reducedShape(axes, keep: true)
        let outShape = keep ? outKeep : reducedShape(axes, keep: false)
        if axes.count == rank {
            let total = withUnsafeBufferPointer { src in Tensor.fold(src, initial: initial, combine) }
            return Tensor(repeating: total, shape: outShape)
        }
        let first = axes.min()!, last = axes.max()!
        if last - first + 1 == axes.count {
            // One block of adjacent axes: the input is [outer, reduced, inner].
            let outer = ShapeMath.count(Array(shape[..<first]))
            let reduced = ShapeMath.count(Array(shape[first...last]))
            let inner = ShapeMath.count(Array(shape[(last + 1)...]))
            return withUnsafeBufferPointer { src in
                Tensor(shape: outShape, unsafeUninitialized: { dst in
                    Tensor.reduceBlock(src, into: dst, outer: outer, reduced: reduced, inner: inner,
                                       initial: initial, combine)
                })
            }
        }
        var outStrides = ShapeMath.strides(outKeep)
        for a in axes { outStrides[a] = 0 }
        let inStrides = ShapeMath.strides(shape)
        return withUnsafeBufferPointer { src in
            Tensor(shape: outShape, unsafeUninitialized: { dst in
                for i in 0..<dst.count { dst[i] = initial }
                stridedWalk(shape: shape, inStrides, outStrides) { _, oi, oo in dst[oo] = combine(dst[oo], src[oi]) }
            })
        }
    }

    /// The sum of all elements, as a rank-0 tensor.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public func sum() -> Tensor {
        if shape.isEmpty { return self }
        return Tensor(withUnsafeBufferPointer { Tensor.fold($0, initial: 0, +) })
    }

    /// The sum along the given axes (negative axes count from the end).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false,
                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let a = checkedAxes(axes, "sum(alongAxes:)", CallSite(file: file, line: line))
        if a.isEmpty { return self }
        return reduce(alongAxes: a, keep: keepingDimensions, initial: 0, +)
    }

    /// The sum along the given axes.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public func sum(alongAxes axes: Int..., keepingDimensions: Bool = false,
                               file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        sum(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
    }

    /// The mean of all elements, as a rank-0 tensor.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public func mean() -> Tensor { let n = Scalar(scalarCount); return sum()._map(parallel: false) { $0 / n } }

    /// The mean along the given axes.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false,
                     file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let a = checkedAxes(axes, "mean(alongAxes:)", CallSite(file: file, line: line))
        let n = a.reduce(1) { $0 * shape[$1] }
        let d = Scalar(n)
        return sum(alongAxes: a, keepingDimensions: keepingDimensions)._map(parallel: false) { $0 / d }
    }

    /// The mean along the given axes.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public func mean(alongAxes axes: Int..., keepingDimensions: Bool = false,
                                file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        mean(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
    }

    /// The largest element, as a rank-0 tensor (NaN if any element is NaN, as in PyTorch; `-infinity` when empty).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public func max() -> Tensor {
        Tensor(withUnsafeBufferPointer { Tensor.largestElement($0) })
    }

    /// The largest element along the given axes.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func max(alongAxes axes: [Int], keepingDimensions: Bool = false,
                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let a = checkedAxes(axes, "max(alongAxes:)", CallSite(file: file, line: line))
        if a.isEmpty { return self }
        if a.count == rank {
            let largest = withUnsafeBufferPointer { Tensor.largestElement($0) }
            return Tensor(repeating: largest, shape: reducedShape(a, keep: keepingDimensions))
        }
        // The step as a closure literal (`largestElement` spells it too): passed as a reference to a static
        // function, it was not inlined in the Float pre-specialization (6.5× slower along rows).
        return reduce(alongAxes: a, keep: keepingDimensions, initial: -.infinity) { $1 > $0 || $1.isNaN ? $1 : $0 }
    }

    /// The largest element along the given axes.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public func max(alongAxes axes: Int..., keepingDimensions: Bool = false,
                               file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        max(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
    }

    /// The smallest element along the given axes.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func min(alongAxes axes: [Int], keepingDimensions: Bool = false,
                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        // −max(−x), each negation the loop of TensorMath's prefix `-` (this module does not import TensorMath).
        let largestOfNegated = _map(parallel: true) { -$0 }.max(alongAxes: axes, keepingDimensions: keepingDimensions,
                                                                 file: file, line: line)
        return largestOfNegated._map(parallel: true) { -$0 }
    }

    /// The index of the largest element along `axis` (first one on ties), as plain integers in row-major order.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func argmax(alongAxis axis: Int = -1) -> [Int] {
        let a = checkedAxes([axis], "argmax(alongAxis:)", .operator)[0]
        let n = shape[a], inner = ShapeMath.count(Array(shape[(a + 1)...]))
        let outer = ShapeMath.count(Array(shape[..<a]))
        let src = scalars
        var result = [Int](repeating: 0, count: outer * inner)
        for o in 0..<outer {
            for i in 0..<inner {
                var best = 0
                var bestValue = src[o * n * inner + i]
                for k in 1..<Swift.max(n, 1) where src[(o * n + k) * inner + i] > bestValue {
                    best = k
                    bestValue = src[(o * n + k) * inner + i]
                }
                result[o * inner + i] = best
            }
        }
        return result
    }
}

