// Broadcasting undone: the sum of a broadcast operand's gradient back to its own shape.

import TensorCore

extension Tensor where Scalar: TensorScalar {
    /// Sums this tensor over the axes along which `target` was broadcast to reach this shape:
    /// the one place where broadcasting is undone (NumPy-style broadcasting run backwards).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func summedToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        if rank == 2, target.count == 1, target[0] == shape[1] {
            // A matrix's rows summed into one ([m, n] → [n], a bias's gradient): the fold `sum(alongAxes: [0])`
            // runs (same bits), without working out axes and shapes.
            let (m, n) = (shape[0], shape[1])
            return withUnsafeBufferPointer { src in
                Tensor(shape: target, unsafeUninitialized: { dst in
                    Tensor.reduceBlock(src, into: dst, outer: 1, reduced: m, inner: n, initial: 0, +)
                })
            }
        }
        return sum(alongAxes: ShapeMath.broadcastAxes(from: shape, to: target), keepingDimensions: true).reshaped(to: target)
    }
}

