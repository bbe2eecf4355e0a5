// Slicing, gathering, concatenating and selecting: each moves elements, and its derivative moves the
// gradient back to where the elements came from (adding where one element was used several times).

/// The indexing primitives. Ranges cover every axis; axes are non-negative.
@usableFromInline
enum IndexingOp: Sendable {
    case slice([Range<Int>])
    case pad([Range<Int>])
    case gather([Int], axis: Int)
    case scatterAdd([Int], axis: Int)

    /// Given g = dL/dy, returns dL/dx for an input of `inputShape`:
    ///
    /// ```
    /// slice:       g written into zeros at the slice      (pad)
    /// pad:         the slice of g                          (slice)
    /// gather:      g added into zeros at the indices       (scatterAdd)
    /// scatterAdd:  g gathered at the indices               (gather)
    /// ```
    @inlinable
    func pullback<G: GradientValue>(_ g: G, inputShape: [Int]) -> G {
        switch self {
        case .slice(let bounds): return g.padded(into: inputShape, at: bounds)
        case .pad(let bounds): return g.sliced(bounds)
        case .gather(let indices, let axis): return g.scatterAdding(atIndices: indices, alongAxis: axis, into: inputShape)
        case .scatterAdd(let indices, let axis): return g._gathering(indices, axis: axis)
        }
    }
}

extension Variable {
    /// The elements inside `bounds` (one range per axis).
    @inlinable
    func sliced(_ bounds: [Range<Int>]) -> Variable {
        if bounds == shape.map({ 0..<$0 }) { return self }
        return Variable.record(value.slice(bounds), "slice", self) { .indexing(.slice(bounds), $0) }
    }

    /// Zeros of `shape` with this value written at `bounds`.
    @inlinable
    func padded(into shape: [Int], at bounds: [Range<Int>]) -> Variable {
        Variable.record(value.padded(into: shape, at: bounds), "pad", self) { .indexing(.pad(bounds), $0) }
    }

    /// Zeros of `shape` with slices of this value added at `indices` along `axis`.
    @inlinable
    func scatterAdding(atIndices indices: [Int], alongAxis axis: Int, into shape: [Int]) -> Variable {
        Variable.record(value.scatterAdding(atIndices: indices, alongAxis: axis, into: shape), "scatterAdd", self) {
            .indexing(.scatterAdd(indices, axis: axis), $0)
        }
    }

    /// Elements at `indices` along `axis`; an element taken several times receives the sum of its gradients.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func gathering(atIndices indices: [Int], alongAxis axis: Int = 0,
                          file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let v = value.gathering(atIndices: indices, alongAxis: axis, file: file, line: line)
        let a = axis < 0 ? axis + rank : axis
        return Variable.record(v, "gathering", self, site: CallSite(file: file, line: line)) { .indexing(.gather(indices, axis: a), $0) }
    }

    /// The slice of axis 0 given by `range` (e.g. `x[1..<3]`, `x[2...]`).
    @inlinable
    public subscript<R: RangeExpression>(range: R) -> Variable where R.Bound == Int {
        sliced(value.bounds([range.relative(to: 0..<(shape.first ?? 0))], op: "subscript", site: .operator))
    }

    /// The slice given by one range per leading axis (e.g. `x[1..<3, 0..<2]`).
    @inlinable
    public subscript<R0: RangeExpression, R1: RangeExpression>(r0: R0, r1: R1) -> Variable
    where R0.Bound == Int, R1.Bound == Int {
        sliced(value.bounds([r0.relative(to: 0..<(shape.first ?? 0)), r1.relative(to: 0..<(rank > 1 ? shape[1] : 0))],
                            op: "subscript", site: .operator))
    }

    /// Index `index` of axis 0, with that axis removed; the gradient flows back to that row.
    @inlinable
    public subscript(index: Int, file file: StaticString = #fileID, line line: UInt = #line) -> Variable {
        at([index], site: CallSite(file: file, line: line))
    }

    /// The element, or the sub-tensor, at one index per leading axis: each index removes its axis, as `x[2]`
    /// does, so one index per axis gives a rank-0 value. Differentiable: the gradient flows back to that
    /// element (zeros elsewhere).
    ///
    /// ```swift
    /// let h = Variable(Tensor<Double>([[1, 2, 3], [4, 5, 6]]))
    /// let y = h[0, 1] * 3     // rank 0, value 6
    /// y.backward()            // h.grad: [[0, 3, 0], [0, 0, 0]]
    /// ```
    @inlinable
    public subscript(i0: Int, i1: Int, rest: Int..., file file: StaticString = #fileID, line line: UInt = #line) -> Variable {
        at([i0, i1] + rest, site: CallSite(file: file, line: line))
    }

    /// The slice at one index per leading axis, those axes removed (a slice, then a reshape).
    @inlinable
    func at(_ indices: [Int], site: CallSite) -> Variable {
        var bounds = shape.map { 0..<$0 }
        for (axis, r) in value.indexBounds(indices, site: site).enumerated() { bounds[axis] = r }
        return sliced(bounds).reshaped(to: Array(shape.dropFirst(indices.count)))
    }
}

/// Given g = dL/dy for y = concatenate(xs, axis), returns each dL/dxᵢ: the slice of g where xᵢ went.
@inlinable
func concatenatePullback<G: GradientValue>(_ g: G, shapes: [[Int]], axis: Int) -> [G] {
    var start = 0
    return shapes.map { shape in
        var bounds = g.shape.map { 0..<$0 }
        bounds[axis] = start..<(start + shape[axis])
        start += shape[axis]
        return g.sliced(bounds)
    }
}

/// Joins variables along an existing axis; every other axis must match.
@_specialize(exported: true, where S == Float)
@inlinable
public func concatenate<S>(_ xs: [Variable<S>], alongAxis axis: Int = 0,
                           file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    let value = concatenate(xs.map(\.value), alongAxis: axis, file: file, line: line)
    let a = axis < 0 ? axis + value.rank : axis
    return Variable.record(value, "concatenate", xs, site: CallSite(file: file, line: line)) { .concatenate($0, axis: a) }
}

/// Takes `a` where `mask` is true and `b` elsewhere, broadcasting; each element's gradient goes to the
/// operand it came from.
@_specialize(exported: true, where S == Float)
@inlinable
public func select<S>(_ mask: Tensor<Bool>, _ a: Variable<S>, _ b: Variable<S>,
                      file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    let value = select(mask, a.value, b.value, file: file, line: line)
    let m = mask.shape == value.shape ? mask : mask.broadcasted(to: value.shape)
    return Variable.record(value, "select", a, b, site: CallSite(file: file, line: line)) { .select(m, $0, $1) }
}

/// Takes `a` where `mask` is true and the tensor `b` elsewhere.
@_specialize(exported: true, where S == Float)
@inlinable
public func select<S>(_ mask: Tensor<Bool>, _ a: Variable<S>, _ b: Tensor<S>,
                      file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    select(mask, a, Variable(constant: b), file: file, line: line)
}

/// Takes the tensor `a` where `mask` is true and `b` elsewhere.
@_specialize(exported: true, where S == Float)
@inlinable
public func select<S>(_ mask: Tensor<Bool>, _ a: Tensor<S>, _ b: Variable<S>,
                      file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    select(mask, Variable(constant: a), b, file: file, line: line)
}
