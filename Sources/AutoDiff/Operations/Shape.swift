// Reshaping, broadcasting and permuting axes: data movement whose derivative moves the gradient back.

/// The shape primitives.
@usableFromInline
enum ShapeOp: Sendable {
    case reshape
    case broadcast
    case permute([Int])

    /// Given g = dL/dy, returns dL/dx for an input of `inputShape`:
    ///
    /// ```
    /// reshape:    g reshaped back
    /// broadcast:  g summed over the broadcast axes
    /// permute p:  g permuted by p⁻¹
    /// ```
    @inlinable
    func pullback<G: GradientValue>(_ g: G, inputShape: [Int]) -> G {
        switch self {
        case .reshape: return g._reshaped(inputShape)
        case .broadcast: return g.summedToShape(inputShape)
        case .permute(let p):
            var inverse = p
            for (i, axis) in p.enumerated() { inverse[axis] = i }
            return g._transposed(inverse)
        }
    }
}

extension Variable {
    /// The same elements with another shape (one size may be -1, inferred).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func reshaped(to newShape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Variable {
        if newShape == shape { return self }
        return Variable.record(value.reshaped(to: newShape, file: file, line: line), "reshaped(to:)", self, site: CallSite(file: file, line: line)) {
            .shape(.reshape, $0)
        }
    }

    /// The value repeated along broadcast axes to `shape` (NumPy `broadcast_to`).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func broadcasted(to newShape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Variable {
        if newShape == shape { return self }
        return Variable.record(value.broadcasted(to: newShape, file: file, line: line), "broadcasted(to:)", self, site: CallSite(file: file, line: line)) {
            .shape(.broadcast, $0)
        }
    }

    /// Summed over the axes along which `shape` was broadcast to reach this shape (the adjoint of
    /// ``broadcasted(to:file:line:)``).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func summedToShape(_ target: [Int]) -> Variable {
        if shape == target { return self }
        return sum(alongAxes: ShapeMath.broadcastAxes(from: shape, to: target), keepingDimensions: true).reshaped(to: target)
    }

    /// The axes reordered: axis `i` of the result is axis `permutation[i]` of this value.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func transposed(permutation: [Int], file: StaticString = #fileID, line: UInt = #line) -> Variable {
        if permutation == Array(0..<rank) { return self }
        return Variable.record(value.transposed(permutation: permutation, file: file, line: line), "transposed", self, site: CallSite(file: file, line: line)) {
            .shape(.permute(permutation), $0)
        }
    }

    /// The axes in reverse order (a matrix's transpose).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func transposed() -> Variable { transposed(permutation: Array((0..<rank).reversed())) }

    /// A size-1 axis inserted at `axis`.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func expandingShape(at axis: Int) -> Variable { reshaped(to: value.expandingShape(at: axis).shape) }

    /// Size-1 axes removed (all of them, or those listed).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func squeezingShape(at axes: [Int] = []) -> Variable { reshaped(to: value.squeezingShape(at: axes).shape) }

    /// The value flattened to rank 1.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func flattened() -> Variable { reshaped(to: [scalarCount]) }
}
