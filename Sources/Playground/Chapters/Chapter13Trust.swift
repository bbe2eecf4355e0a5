import AutoDiff
import TourDocument

/// Chapter 13: trust your gradients: check a custom function, and catch a wrong derivative.
@_optimize(none) package func trustChapter(_ context: Context) throws {
    context.say("""
    checkGradients compares the tape with central differences (f(x + ε) − f(x − ε)) / 2ε in Double, for
    every input element. A function of your own, f(a, b) = Σ a·sin(b) + log(1 + a²):
    """)
    let a = Tensor<Double>([0.5, -1.2, 2]), b = Tensor<Double>([1, 0.3, -0.7])
    @_optimize(none) func f(_ xs: [Variable<Double>]) -> Variable<Double> {
        (xs[0] * sin(xs[1]) + log(1 + xs[0] * xs[0])).sum()
    }
    let report = checkGradients(of: f, at: [a, b])
    context.say("  \(report)")
    context.say("""

    An operation of your own with a mistake in its derivative rule: square(x) = x² written with the
    pullback g·x instead of g·2x. The check names each element that disagrees:
    """)
    @Sendable @_optimize(none) func square(_ xs: [Tensor<Double>]) -> Tensor<Double> { xs[0] * xs[0] }
    @Sendable @_optimize(none) func wrongPullback(_ g: Variable<Double>, _ xs: [Variable<Double>], _ y: Variable<Double>) -> [Variable<Double>?] {
        [g * xs[0]]   // should be g * 2 * xs[0]
    }
    let brokenSquare = DifferentiableFunction<Double>(name: "brokenSquare", forward: square, pullback: wrongPullback)
    @_optimize(none) func sumOfSquares(_ xs: [Variable<Double>]) -> Variable<Double> { brokenSquare(xs[0]).sum() }
    let caught = checkGradients(of: sumOfSquares, at: [Tensor([1, 2, 3])])
    context.say(caught.description.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
    context.say("""

    Inside a larger function every derivative downstream of the mistake is wrong too, so the mismatches alone
    do not say where it is. When a check fails, checkGradients then checks each recorded operation's own rule
    by finite differences at the values it saw, in tape order, and reports the first that disagrees, with
    the line that called it and the element:
    """)
    @_optimize(none) func composite(_ xs: [Variable<Double>]) -> Variable<Double> {
        let h = tanh(xs[0] * xs[1])
        return (exp(brokenSquare(h) * 0.5) * xs[1] + log(1 + xs[0] * xs[0])).sum()
    }
    let located = checkGradients(of: composite, at: [a, b])
    context.say("  \(located.mismatches.count) of \(located.derivativeCount) derivatives differ")
    if let fault = located.faultyRule {
        context.say("  the rule at fault: \(fault.operation), recorded at \(fault.file ?? "?"):\(fault.line ?? 0)")
        context.say("  its input \(fault.input), element \(fault.element): rule \(format(fault.analytical)), " +
                    "finite differences \(format(fault.numerical))")
    }
    context.say("""

    The same from the command line, for the library's operations or an expression:
      swift run gradcheck
      swift run gradcheck 'tanh(x) * y + exp(x / y)' --at x=0.5 y=2
    (with --json, a failing check carries the located operation as "faultyRule").
    """)
}
