import Foundation

// Gradient checking: the tape's derivatives against central finite differences, in Double.
//
// Build time: the checks' own code is not optimized (`@_optimize(none)`, on local functions rather than closures,
// which the optimizer would still take). Optimized, it specialized the whole Double backward pass and the Double
// tensor operations inside AutoDiff, a third of the module's release compile; AutoDiff pre-specializes for Float
// only, and a program that computes in Double specializes what it uses from the inlinable code.

/// One derivative that the tape and finite differences disagree on.
public struct GradientMismatch: Sendable, CustomStringConvertible {
    /// The element of the function's output (row-major multi-index; empty for a scalar output).
    public let outputElement: [Int]
    /// Which input (its position in the `at:` array).
    public let input: Int
    /// The element of that input (multi-index).
    public let element: [Int]
    /// The derivative from the tape.
    public let analytical: Double
    /// The derivative from central differences.
    public let numerical: Double
    /// |analytical − numerical|.
    public var absoluteError: Double { Swift.abs(analytical - numerical) }
    /// |analytical − numerical| / max(|analytical|, |numerical|), 0 when both are 0.
    public var relativeError: Double {
        let scale = Swift.max(Swift.abs(analytical), Swift.abs(numerical))
        return scale == 0 ? 0 : absoluteError / scale
    }

    /// One line: the output and input element, both derivatives and their absolute and relative difference.
    public var description: String {
        "output \(outputElement), input \(input) element \(element): analytical \(formatNumber(analytical)), " +
            "numerical \(formatNumber(numerical)), |difference| \(formatNumber(absoluteError)), relative \(formatNumber(relativeError))"
    }
}

/// The outcome of ``checkGradients(of:at:epsilon:absoluteTolerance:relativeTolerance:)``.
public struct GradientCheckReport: Sendable, CustomStringConvertible {
    /// 1 for first derivatives, 2 for second derivatives.
    public let order: Int
    /// Whether every derivative agreed within the tolerances.
    public var passed: Bool { mismatches.isEmpty }
    /// How many derivatives were compared (output elements × input elements).
    public let derivativeCount: Int
    /// The largest |analytical − numerical| over all derivatives.
    public let maxAbsoluteError: Double
    /// The largest relative error over all derivatives.
    public let maxRelativeError: Double
    /// Every derivative outside `absoluteTolerance + relativeTolerance·|numerical|`, worst first.
    public let mismatches: [GradientMismatch]
    /// The finite-difference step used.
    public let epsilon: Double
    /// The absolute tolerance used.
    public let absoluteTolerance: Double
    /// The relative tolerance used.
    public let relativeTolerance: Double
    /// When a first-order check failed: the first recorded operation whose own derivative rule disagrees with
    /// finite differences at the values it saw (the rule to fix), with its place and element; nil when every
    /// operation's rule agrees (the fault then lies in how they are combined, e.g. a non-differentiable point).
    public internal(set) var faultyRule: FaultyRule?

    /// "passed" with the largest differences, or "FAILED" and every mismatch, one per line.
    public var description: String {
        let what = order == 1 ? "Gradient check" : "Second-order gradient check"
        let settings = "ε = \(formatNumber(epsilon)), atol = \(formatNumber(absoluteTolerance)), rtol = \(formatNumber(relativeTolerance))"
        if passed {
            return "\(what) passed: \(derivativeCount) derivatives, max absolute error \(formatNumber(maxAbsoluteError)), " +
                "max relative error \(formatNumber(maxRelativeError)) (\(settings))"
        }
        var lines = ["\(what) FAILED: \(mismatches.count) of \(derivativeCount) derivatives differ (\(settings))"]
        for m in mismatches.prefix(10) { lines.append("  " + m.description) }
        if mismatches.count > 10 { lines.append("  … and \(mismatches.count - 10) more") }
        if let faultyRule { lines.append("  Located: " + faultyRule.description) }
        return lines.joined(separator: "\n")
    }
}

/// A number in a report: up to 8 significant digits, always with a decimal point or an exponent.
@_optimize(none) func formatNumber(_ x: Double) -> String {
    if !x.isFinite { return Tensor<Double>.formatReal(x) }
    var text = String(format: "%.8g", x)
    if !text.contains(".") && !text.contains("e") { text += ".0" }
    return text
}

@_optimize(none) func multiIndex(_ flat: Int, _ shape: [Int]) -> [Int] {
    var index = [Int](repeating: 0, count: shape.count)
    var rest = flat
    for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
        index[axis] = rest % shape[axis]
        rest /= shape[axis]
    }
    return index
}

/// Compares the derivatives the tape computes for `f` at `inputs` with central finite differences,
/// (f(x + ε) − f(x − ε)) / 2ε, for every output element and every input element (the full Jacobian).
///
/// A derivative passes when |analytical − numerical| ≤ absoluteTolerance + relativeTolerance·|numerical|
/// (PyTorch's `gradcheck` criterion and defaults). When the check fails, each recorded operation's own rule is
/// then checked at the values it saw, and the first that disagrees is reported as ``GradientCheckReport/faultyRule``.
///
/// ```swift
/// let report = checkGradients(of: { xs in (xs[0] * sin(xs[1])).sum() }, at: [t1, t2])
/// print(report)
/// ```
///
/// - Complexity: one backward pass per output element and two evaluations of `f` per input element.
@_optimize(none) public func checkGradients(of f: ([Variable<Double>]) -> Variable<Double>, at inputs: [Tensor<Double>],
                           epsilon: Double = 1e-6, absoluteTolerance: Double = 1e-5,
                           relativeTolerance: Double = 1e-3) -> GradientCheckReport {
    check(order: 1, f, inputs, epsilon, absoluteTolerance, relativeTolerance)
}

/// Checks second derivatives: the tape's derivatives of the gradient (computed with `createGraph`) against
/// finite differences of that gradient (PyTorch's `gradgradcheck`). `f` must return a scalar.
@_optimize(none) public func checkSecondOrderGradients(of f: @escaping ([Variable<Double>]) -> Variable<Double>, at inputs: [Tensor<Double>],
                                      epsilon: Double = 1e-6, absoluteTolerance: Double = 1e-5,
                                      relativeTolerance: Double = 1e-3) -> GradientCheckReport {
    @_optimize(none) func gradientOfF(_ xs: [Variable<Double>]) -> Variable<Double> {
        let y = f(xs)
        requireScalarOutput(y, "checkSecondOrderGradients(of:at:)", #fileID, #line)
        let gs = gradients(of: y, withRespectTo: xs, createGraph: true)
        // No inputs (a constant function): an empty gradient, so there is nothing to compare.
        guard !gs.isEmpty else { return Variable(Tensor<Double>.zeros(shape: [0]), requiresGrad: false) }
        return concatenate(gs.map { $0.reshaped(to: [$0.scalarCount]) }, alongAxis: 0)
    }
    return check(order: 2, gradientOfF, inputs, epsilon, absoluteTolerance, relativeTolerance)
}

@_optimize(none) private func check(order: Int, _ f: ([Variable<Double>]) -> Variable<Double>, _ inputs: [Tensor<Double>],
                   _ epsilon: Double, _ atol: Double, _ rtol: Double) -> GradientCheckReport {
    // Analytical Jacobian: one backward pass per output element.
    @_optimize(none) func jacobian() -> ([Int], [[Tensor<Double>]]) {
        let leaves = inputs.map { Variable($0) }
        let y = f(leaves)
        var rows: [[Tensor<Double>]] = []
        for o in 0..<y.scalarCount {
            var seed = Tensor<Double>.zeros(shape: y.shape)
            seed.withUnsafeMutableBufferPointer { $0[o] = 1 }
            rows.append(gradients(of: y, withRespectTo: leaves, seed: seed, retainGraph: true).map(\.value))
        }
        return (y.shape, rows)
    }
    let (outputShape, analytical) = withFreshTape(Double.self, jacobian)
    @_optimize(none) func evaluateHere(_ xs: [Tensor<Double>]) -> [Double] { f(xs.map { Variable($0) }).value.scalars }
    @_optimize(none) func evaluate(_ xs: [Tensor<Double>]) -> [Double] {
        withFreshTape(Double.self) { evaluateHere(xs) }
    }
    var mismatches: [GradientMismatch] = []
    var maxAbs = 0.0, maxRel = 0.0, count = 0
    for (i, x) in inputs.enumerated() {
        for e in 0..<x.scalarCount {
            var plus = inputs, minus = inputs
            plus[i].withUnsafeMutableBufferPointer { $0[e] += epsilon }
            minus[i].withUnsafeMutableBufferPointer { $0[e] -= epsilon }
            let fp = evaluate(plus), fm = evaluate(minus)
            for o in 0..<analytical.count {
                let numerical = (fp[o] - fm[o]) / (2 * epsilon)
                let a = analytical[o][i].scalars[e]
                let m = GradientMismatch(outputElement: multiIndex(o, outputShape), input: i,
                                         element: multiIndex(e, x.shape), analytical: a, numerical: numerical)
                count += 1
                maxAbs = Swift.max(maxAbs, m.absoluteError.isNaN ? .infinity : m.absoluteError)
                maxRel = Swift.max(maxRel, m.relativeError.isNaN ? .infinity : m.relativeError)
                if !(m.absoluteError <= atol + rtol * Swift.abs(numerical)) { mismatches.append(m) }
            }
        }
    }
    mismatches.sort { $0.absoluteError > $1.absoluteError || $1.absoluteError.isNaN }
    var report = GradientCheckReport(order: order, derivativeCount: count, maxAbsoluteError: maxAbs, maxRelativeError: maxRel,
                                     mismatches: mismatches, epsilon: epsilon, absoluteTolerance: atol, relativeTolerance: rtol)
    if order == 1 && !mismatches.isEmpty {
        report.faultyRule = locateFaultyRule(f, inputs, epsilon, atol, rtol)
    }
    return report
}
