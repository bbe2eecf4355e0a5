import AutoDiff
import TourDocument

/// Chapter 2: one neuron, z = Σ wᵢxᵢ + b followed by an activation, and the activations' derivatives.
@_optimize(none) package func neuronChapter(_ context: Context) throws {
    context.say("""
    A neuron computes z = Σ wᵢxᵢ + b and passes it through an activation function.
    With x = [1, 2], w = [0.5, −0.25], b = 0.1:
    """)
    let x = Tensor<Double>([1, 2])
    let w = Variable(Tensor<Double>([0.5, -0.25])), b = Variable(0.1)
    let z = (w * x).sum() + b
    context.say("  z = 0.5·1 + (−0.25)·2 + 0.1 = \(format(z.scalar))")
    let activations: [(String, (Variable<Double>) -> Variable<Double>)] = [
        ("sigmoid", { sigmoid($0) }), ("tanh", { tanh($0) }), ("relu", { relu($0) }),
        ("leakyRelu(α=0.1)", { leakyRelu($0, alpha: 0.1) }),
    ]
    for (name, f) in activations {
        let out = f(z)
        out.backward(retainGraph: true)   // the four activations share z: keep its graph for the next one
        context.say("  \(name.padding(toLength: 17, withPad: " ", startingAt: 0)) a = \(format(out.scalar))   ∂a/∂w = \(w.grad!.scalars.map { format($0) })")
        w.zeroGrad(); b.zeroGrad()
    }
    context.say("""

    The activations and their derivatives, computed by the tape over z in [−5, 5]:
    sigmoid σ' = σ(1 − σ), tanh' = 1 − tanh², relu' = [z > 0], leaky relu' = z > 0 ? 1 : α.
    """)
    // The derivative of f at z, from the tape.
    @_optimize(none) func derivative(of f: (Variable<Double>) -> Variable<Double>, at z: Double) -> Double {
        gradient(at: Tensor(z), of: { f($0) }).scalar
    }
    for (name, f) in activations {
        let samples = [-2.0, 0.5, 2].map { derivative(of: f, at: $0) }
        context.say("  \(name.padding(toLength: 17, withPad: " ", startingAt: 0)) derivative at z = −2, 0.5, 2: \(samples.map { format($0, 3) })")
    }
    let zs = (0...100).map { -5 + Double($0) / 10 }
    var plot = LinePlot(title: "Activations (solid) and their derivatives (dashed)", xLabel: "z", yLabel: "value")
    plot.strokeWidths = [2, 2, 6, 2]   // relu wide under leaky relu: for z > 0 the two coincide
    var derivativePlot = LinePlot(title: "Derivatives of the activations, from the tape", xLabel: "z", yLabel: "derivative")
    var marks: [(mark: Character, points: [(Double, Double)])] = []
    for (i, (name, f)) in activations.enumerated() {
        let values = zs.map { f(Variable($0, requiresGrad: false)).scalar }
        let slopes = zs.map { derivative(of: f, at: $0) }
        plot.series.append((name, Array(zip(zs, values))))
        plot.dashed.append((name + "'", Array(zip(zs, slopes))))
        derivativePlot.series.append((name + "'", Array(zip(zs, slopes))))
        marks.append((Array("stRL")[i], Array(zip(zs, values))))
    }
    try context.save(plot.svg(), as: "02-activations.svg")
    derivativePlot.strokeWidths = plot.strokeWidths
    try context.save(derivativePlot.svg(), as: "02-derivatives.svg")
    context.say("\n  s = sigmoid, t = tanh, R = relu, L = leaky relu, * two in one place (relu = leaky relu for z > 0):\n"
                + Terminal.plot(marks, width: 61, height: 12))
}
