// Loss functions, composed from AutoDiff operations (their gradients come from the tape). Each returns a
// scalar by default (the mean over elements or samples); `reduction:` gives the sum or every term.

import NNKernels

/// How a loss combines its per-element (or per-sample) terms.
public enum Reduction: Sendable {
    /// The mean of the terms (the default, as in PyTorch and Keras).
    case mean
    /// The sum of the terms.
    case sum
    /// Every term, unreduced.
    case none
}

@inlinable
func reduce<S>(_ terms: Variable<S>, _ reduction: Reduction) -> Variable<S> {
    switch reduction {
    case .mean: return terms.mean()
    case .sum: return terms.sum()
    case .none: return terms
    }
}

func requireSameShape(_ op: String, _ a: [Int], _ b: [Int], file: StaticString, line: UInt) {
    if a != b {
        fatalError("\(op): predictions have shape \(a) but targets have shape \(b). Fix: pass targets shaped like the predictions",
                   file: file, line: line)
    }
}

/// Mean squared error: mean((predicted − expected)²).
@_specialize(exported: true, where S == Float)
public func meanSquaredError<S>(predicted: Variable<S>, expected: Tensor<S>, reduction: Reduction = .mean,
                                file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    requireSameShape("meanSquaredError", predicted.shape, expected.shape, file: file, line: line)
    let d = predicted - expected
    return reduce(d * d, reduction)
}

/// Mean squared error between two variables.
@_specialize(exported: true, where S == Float)
public func meanSquaredError<S>(predicted: Variable<S>, expected: Variable<S>, reduction: Reduction = .mean) -> Variable<S> {
    let d = predicted - expected
    return reduce(d * d, reduction)
}

/// Mean absolute error: mean(|predicted − expected|).
@_specialize(exported: true, where S == Float)
public func l1Loss<S>(predicted: Variable<S>, expected: Tensor<S>, reduction: Reduction = .mean) -> Variable<S> {
    reduce(abs(predicted - expected), reduction)
}

/// Huber loss: ½d² where |d| ≤ δ, δ(|d| − ½δ) elsewhere, with d = predicted − expected (PyTorch's `HuberLoss`).
@_specialize(exported: true, where S == Float)
public func huberLoss<S>(predicted: Variable<S>, expected: Tensor<S>, delta: S = 1, reduction: Reduction = .mean) -> Variable<S> {
    let d = predicted - expected
    let a = abs(d)
    let quadratic = d * d * 0.5
    let linear = (a - delta * 0.5) * delta
    return reduce(select(a.value .<= delta, quadratic, linear), reduction)
}

/// Binary cross-entropy of probabilities p against labels y ∈ {0, 1}:
/// −mean(y·log p + (1 − y)·log(1 − p)). Logs are clamped at −100, as in PyTorch, so p = 0 or 1 stays finite.
///
/// For outputs of a final sigmoid; ``binaryCrossEntropy(logits:labels:reduction:)`` is stabler.
@_specialize(exported: true, where S == Float)
public func binaryCrossEntropy<S>(probabilities p: Variable<S>, labels y: Tensor<S>, reduction: Reduction = .mean) -> Variable<S> {
    let logP = max(log(p), -100)
    let log1mP = max(log(1 - p), -100)
    return reduce(-(logP * y + log1mP * (1 - y)), reduction)
}

/// Binary cross-entropy of logits z (before the sigmoid) against labels y ∈ {0, 1}, computed stably as
/// softplus(z) − z·y (= −y·log σ(z) − (1 − y)·log(1 − σ(z)) without overflow for large |z|).
@_specialize(exported: true, where S == Float)
public func binaryCrossEntropy<S>(logits z: Variable<S>, labels y: Tensor<S>, reduction: Reduction = .mean) -> Variable<S> {
    reduce(softplus(z) - z * y, reduction)
}

/// Cross-entropy of logits `[batch, classes]` against class indices: −mean(log softmax(z)[i, labelᵢ]).
///
/// Sequences: logits `[N, T, classes]` take `N·T` labels in row-major order (position t of sequence n is
/// label `n·T + t`), and the mean is over all `N·T` positions (`reduction: .none` gives the `N·T` terms, to
/// weight or mask them). Uses log-softmax (x − logSumExp x), so large logits do not overflow.
@_specialize(exported: true, where S == Float)
@inlinable
public func softmaxCrossEntropy<S>(logits: Variable<S>, labels: [Int], reduction: Reduction = .mean,
                                   file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    if logits.rank == 3, logits.shape[0] * logits.shape[1] == labels.count {
        return softmaxCrossEntropy(logits: logits.reshaped(to: [labels.count, logits.shape[2]]), labels: labels,
                                   reduction: reduction, file: file, line: line)
    }
    guard logits.rank == 2, logits.shape[0] == labels.count else {
        fatalError("softmaxCrossEntropy(logits:labels:): logits have shape \(logits.shape) for \(labels.count) labels. " +
                   "Fix: pass logits of shape [batch, classes] and one label per row, or [N, T, classes] and N·T labels",
                   file: file, line: line)
    }
    let classes = logits.shape[1]
    if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) {
        fatalError("softmaxCrossEntropy(logits:labels:): label \(bad) is outside 0..<\(classes). " +
                   "Fix: use class indices below the number of logit columns", file: file, line: line)
    }
    return reduce(crossEntropyTerms(logits, labels), reduction)
}

/// The terms −log softmax(z)ᵢ[labelᵢ] = logSumExp(zᵢ) − zᵢ[labelᵢ] of logits `[rows, classes]`, as one
/// fused operation: composed (max, subtract, exp, sum, log, add, subtract, gather: eight tensors and their
/// rules) it took a fifth of an epoch of the names workload, whose logits have few classes and many rows.
/// Each row's maximum m is held constant (as in ``logSumExp(_:alongAxes:keepingDimensions:file:line:)``).
///
/// ```
/// ∂zᵢ = gᵢ · (softmax(zᵢ) − onehot(labelᵢ))
/// ```
/// The recorded backward pass (createGraph) composes the rule from differentiable operations.
@_specialize(exported: true, where S == Float)
@inlinable
func crossEntropyTerms<S>(_ logits: Variable<S>, _ labels: [Int]) -> Variable<S> {
    let (rows, classes) = (logits.shape[0], logits.shape[1])
    return DifferentiableFunction<S>(name: "softmaxCrossEntropy", forward: { xs in
        var out = [S](repeating: 0, count: rows)
        xs[0].withUnsafeBufferPointer { z in
            // Each row shifted by its maximum m, the exponentials of all rows at once, then log Σ + m. The
            // maxima and the exponentials share one scratch buffer (on the stack when small).
            withUnsafeTemporaryAllocation(of: S.self, capacity: rows * (classes + 1)) { scratch in
                let maxima = scratch.baseAddress!, e = maxima + rows
                for r in 0..<rows {
                    var m = -S.infinity
                    for k in 0..<classes { m = Swift.max(m, z[r * classes + k]) }
                    maxima[r] = m.isFinite ? m : 0
                    for k in 0..<classes { e[r * classes + k] = z[r * classes + k] - maxima[r] }
                }
                expKernel(e, into: e, count: rows * classes)
                for r in 0..<rows {
                    var sum: S = 0
                    for k in 0..<classes { sum += e[r * classes + k] }
                    out[r] = S.log(sum) + maxima[r] - z[r * classes + labels[r]]
                }
            }
        }
        return Tensor(shape: [rows], scalars: out)
    }, pullback: { g, xs, y in
        if !g.requiresGrad && !xs[0].requiresGrad {
            var d = [S](repeating: 0, count: rows * classes)
            let gy = g.value.scalars, terms = y.value.scalars
            xs[0].value.withUnsafeBufferPointer { z in
                d.withUnsafeMutableBufferPointer { d in
                    for r in 0..<rows {
                        let lse = terms[r] + z[r * classes + labels[r]]     // the term is lse − z[label]
                        for k in 0..<classes { d[r * classes + k] = z[r * classes + k] - lse }
                    }
                    expKernel(d.baseAddress!, into: d.baseAddress!, count: rows * classes)
                    for r in 0..<rows {
                        for k in 0..<classes { d[r * classes + k] *= gy[r] }
                        d[r * classes + labels[r]] -= gy[r]
                    }
                }
            }
            return [Variable(Tensor(shape: [rows, classes], scalars: d), requiresGrad: false)]
        }
        var onehot = [S](repeating: 0, count: rows * classes)
        for (r, label) in labels.enumerated() { onehot[r * classes + label] = 1 }
        let p = softmax(xs[0], alongAxis: 1)
        return [(p - Tensor(shape: [rows, classes], scalars: onehot)) * g.reshaped(to: [rows, 1])]
    })(logits)
}

/// Cross-entropy of logits `[batch, classes]` against target distributions of the same shape (one-hot or
/// soft): −mean over samples of Σ p·log softmax(z).
@_specialize(exported: true, where S == Float)
public func softmaxCrossEntropy<S>(logits: Variable<S>, probabilities: Tensor<S>, reduction: Reduction = .mean) -> Variable<S> {
    let perSample = -(logSoftmax(logits, alongAxis: -1) * probabilities).sum(alongAxes: -1)
    return reduce(perSample, reduction)
}

/// The L2 penalty Σ θ² over `parameters`, differentiable (add `λ ·` it to a loss for L2 regularization).
public func l2Penalty(_ parameters: [Variable<Float>]) -> Variable<Float> {
    parameters.map { ($0 * $0).sum() }.reduce(Variable(Tensor<Float>(0), requiresGrad: false), +)
}

/// The L1 penalty Σ |θ| over `parameters`, differentiable (add `λ ·` it to a loss for L1 regularization).
public func l1Penalty(_ parameters: [Variable<Float>]) -> Variable<Float> {
    parameters.map { abs($0).sum() }.reduce(Variable(Tensor<Float>(0), requiresGrad: false), +)
}
