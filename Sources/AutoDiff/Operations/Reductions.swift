// Sums and maxima along axes, and the functions composed from them (mean, log-sum-exp, softmax).

/// The reduction primitives. `axes` are normalized (sorted, non-negative).
@usableFromInline
enum ReductionOp: Sendable {
    case sum(axes: [Int], keepingDimensions: Bool)
    case max(axes: [Int], keepingDimensions: Bool)

    /// Given g = dL/dy, returns dL/dx:
    ///
    /// ```
    /// y = Σ x along axes:    ∂x = g broadcast back over the axes
    /// y = max x along axes:  ∂x = g broadcast back, shared equally by the elements equal to the max
    /// ```
    @inlinable
    func pullback<G: GradientValue>(_ g: G, _ x: G, _ y: G) -> G {
        switch self {
        case .sum(let axes, let keep):
            let kept = keep ? g : g._reshaped(x._tensor.reducedShape(axes, keep: true))
            return kept._broadcasted(x.shape)
        case .max(let axes, let keep):
            if G.self == Tensor<G.Scalar>.self {   // one fused walk; the same arithmetic as below
                return x._tensor.maxPullback(g._tensor, maximum: y._tensor, axes: axes) as! G
            }
            let keptShape = x._tensor.reducedShape(axes, keep: true)
            let kept = keep ? g : g._reshaped(keptShape)
            let hits = (x._tensor .== y._tensor.reshaped(to: keptShape)).map { $0 ? G.Scalar(1) : G.Scalar(0) }
            let share = hits / hits.sum(alongAxes: axes, keepingDimensions: true)
            return kept._broadcasted(x.shape) * share
        }
    }
}

extension Variable {
    @inlinable
    func normalizedAxes(_ axes: [Int], _ op: StaticString, _ file: StaticString, _ line: UInt) -> [Int] {
        value.checkedAxes(axes, op, CallSite(file: file, line: line))
    }

    /// The sum of all elements, as a rank-0 variable.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func sum(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let axes = Array(0..<rank)
        return Variable.record(value.sum(), "sum", self, site: CallSite(file: file, line: line)) {
            .reduction(.sum(axes: axes, keepingDimensions: false), $0)
        }
    }

    /// The sum along the given axes (negative axes count from the end); they are removed from the shape
    /// unless `keepingDimensions` is true.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false,
                    file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let a = normalizedAxes(axes, "sum(alongAxes:)", file, line)
        if a.isEmpty { return self }
        return Variable.record(value.reduce(alongAxes: a, keep: keepingDimensions, initial: 0, +), "sum(alongAxes:)", self,
                               site: CallSite(file: file, line: line)) {
            .reduction(.sum(axes: a, keepingDimensions: keepingDimensions), $0)
        }
    }

    /// The sum along the given axes.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func sum(alongAxes axes: Int..., keepingDimensions: Bool = false,
                    file: StaticString = #fileID, line: UInt = #line) -> Variable {
        sum(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
    }

    /// The mean of all elements (Σx / n).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public func mean(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        sum(file: file, line: line) / Scalar(scalarCount)
    }

    /// The mean along the given axes.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false,
                     file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let a = normalizedAxes(axes, "mean(alongAxes:)", file, line)
        let n = a.reduce(1) { $0 * shape[$1] }
        return sum(alongAxes: a, keepingDimensions: keepingDimensions, file: file, line: line) / Scalar(n)
    }

    /// The mean along the given axes.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func mean(alongAxes axes: Int..., keepingDimensions: Bool = false,
                     file: StaticString = #fileID, line: UInt = #line) -> Variable {
        mean(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
    }

    /// The largest element along the given axes; on ties the gradient is shared equally.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func max(alongAxes axes: [Int], keepingDimensions: Bool = false,
                    file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let a = normalizedAxes(axes, "max(alongAxes:)", file, line)
        if a.isEmpty { return self }
        return Variable.record(value.max(alongAxes: a, keepingDimensions: keepingDimensions), "max(alongAxes:)", self,
                               site: CallSite(file: file, line: line)) {
            .reduction(.max(axes: a, keepingDimensions: keepingDimensions), $0)
        }
    }

    /// The largest element along the given axes.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func max(alongAxes axes: Int..., keepingDimensions: Bool = false,
                    file: StaticString = #fileID, line: UInt = #line) -> Variable {
        max(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
    }

    /// The largest element, as a rank-0 variable.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable public func max() -> Variable { max(alongAxes: Array(0..<rank)) }

    /// The smallest element along the given axes.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func min(alongAxes axes: [Int], keepingDimensions: Bool = false,
                    file: StaticString = #fileID, line: UInt = #line) -> Variable {
        -((-self).max(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line))
    }
}

/// log Σ eˣ along the given axes, computed as m + log Σ e^(x − m) with m = max x (held constant: the
/// result does not depend on m, and this keeps e^(x − m) ≤ 1 so nothing overflows).
///
/// d/dx logSumExp(x) = softmax(x).
@_specialize(exported: true, where S == Float)
@inlinable
public func logSumExp<S>(_ x: Variable<S>, alongAxes axes: [Int], keepingDimensions: Bool = false,
                         file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    let a = x.normalizedAxes(axes, "logSumExp(_:alongAxes:)", file, line)
    let m = x.value.max(alongAxes: a, keepingDimensions: true).map { $0.isFinite ? $0 : 0 }
    let s = log(exp(x - m, file: file, line: line).sum(alongAxes: a, keepingDimensions: true, file: file, line: line),
                file: file, line: line) + m
    return keepingDimensions ? s : s.reshaped(to: x.value.reducedShape(a, keep: false))
}

/// log Σ eˣ along the given axes.
@_specialize(exported: true, where S == Float)
@inlinable
public func logSumExp<S>(_ x: Variable<S>, alongAxes axes: Int..., keepingDimensions: Bool = false,
                         file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    logSumExp(x, alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
}

/// x − logSumExp(x) along one axis (default: the last): log-probabilities, stable for large logits.
@_specialize(exported: true, where S == Float)
@inlinable
public func logSoftmax<S>(_ x: Variable<S>, alongAxis axis: Int = -1,
                          file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x - logSumExp(x, alongAxes: [axis], keepingDimensions: true, file: file, line: line)
}

/// e^(x − logSumExp(x)) along one axis (default: the last): probabilities that sum to 1.
@_specialize(exported: true, where S == Float)
@inlinable
public func softmax<S>(_ x: Variable<S>, alongAxis axis: Int = -1,
                       file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    exp(logSoftmax(x, alongAxis: axis, file: file, line: line), file: file, line: line)
}
