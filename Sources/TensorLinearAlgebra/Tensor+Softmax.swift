import TensorCore

// Log-sum-exp and softmax: a reduction with elementwise steps around it. The steps call the same kernels, with
// the same element functions, as TensorMath's `-`, `+`, `exp` and `log` (the same bits), so that this module
// does not need TensorMath and compiles beside it.

/// log Σ eˣ along the given axes, computed stably as m + log Σ e^(x−m) with m the maximum.
@_specialize(exported: true, where S == Float)
@inlinable
public func logSumExp<S: TensorScalar>(_ x: Tensor<S>, alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor<S> {
    let m = x.max(alongAxes: axes, keepingDimensions: true).map { $0.isFinite ? $0 : 0 }
    let shifted = Tensor._zip(x, m, op: "-", at: .operator, parallel: true) { $0 - $1 }._map(parallel: true, S.exp)
    let total = shifted.sum(alongAxes: axes, keepingDimensions: true)._map(parallel: true, S.log(_:))
    let s = Tensor._zip(total, m, op: "+", at: .operator, parallel: true) { $0 + $1 }
    return keepingDimensions ? s : s.reshaped(to: x.reducedShape(x.checkedAxes(axes, "logSumExp", .operator), keep: false))
}

/// log Σ eˣ along the given axes.
@_specialize(exported: true, where S == Float)
@inlinable
public func logSumExp<S: TensorScalar>(_ x: Tensor<S>, alongAxes axes: Int..., keepingDimensions: Bool = false) -> Tensor<S> {
    logSumExp(x, alongAxes: axes, keepingDimensions: keepingDimensions)
}

/// e^(x − logSumExp(x)) along one axis (default: the last): probabilities that sum to 1.
@_specialize(exported: true, where S == Float)
@inlinable
public func softmax<S: TensorScalar>(_ x: Tensor<S>, alongAxis axis: Int = -1) -> Tensor<S> {
    logSoftmax(x, alongAxis: axis)._map(parallel: true, S.exp)
}

/// x − logSumExp(x) along one axis (default: the last), stable for large logits.
@_specialize(exported: true, where S == Float)
@inlinable
public func logSoftmax<S: TensorScalar>(_ x: Tensor<S>, alongAxis axis: Int = -1) -> Tensor<S> {
    Tensor._zip(x, logSumExp(x, alongAxes: [axis], keepingDimensions: true), op: "-", at: .operator, parallel: true) { $0 - $1 }
}
