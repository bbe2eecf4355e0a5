import Testing
import AutoDiff
import GradCheckCore

extension PrimitiveCheck: CustomTestStringConvertible {
    public var testDescription: String { "\(name) \(shapeDescription)" }
}

/// x³ as a user-defined operation with its own pullback, written with differentiable operations.
let cube = DifferentiableFunction<Double>(name: "cube", forward: { xs in xs[0] * xs[0] * xs[0] },
                                          pullback: { g, xs, _ in [g * 3 * xs[0] * xs[0]] })

/// The catalog, and a user-defined operation (the custom-derivative API).
let opCases: [PrimitiveCheck] = PrimitiveCheck.all + [
    PrimitiveCheck("DifferentiableFunction", [[3]]) { cube($0[0]) },
    PrimitiveCheck("DifferentiableFunction", [[2, 2]]) { cube($0[0]) },
]
@Suite("Gradient checks of every operation")
struct OpGradientTests {
    @Test("first order: tape gradients match central differences", arguments: opCases)
    func firstOrder(_ op: PrimitiveCheck) {
        let report = checkGradients(of: op.f, at: op.inputs())
        #expect(report.passed, "\(report)")
    }

    @Test("second order: derivatives of the recorded backward pass match differences of the gradient", arguments: opCases)
    func secondOrder(_ op: PrimitiveCheck) {
        // A fixed, non-uniform weighting makes the scalar depend on every output element differently.
        let f = op.f
        let report = checkSecondOrderGradients(of: { xs in
            let y = f(xs)
            let weights = (Tensor<Double>.arange(0, Double(y.scalarCount)) * 0.25 + 0.5).reshaped(to: y.shape)
            return (y * y * weights).sum()
        }, at: op.inputs())
        #expect(report.passed, "\(report)")
    }
}
