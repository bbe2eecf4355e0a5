import NN
import TourDocument

/// Chapter 5: gradient descent, learning rates too small, right and too large; batch, mini-batch, stochastic.
@_optimize(none) package func descentChapter(_ context: Context) throws {
    context.say("""
    Gradient descent steps against the gradient: θ ← θ − η·∇f(θ). On f(x) = x², from x = 3, for 20 steps:
    """)
    var curves = LinePlot(title: "Gradient descent on f(x) = x² with three learning rates", xLabel: "step", yLabel: "f(x)", logY: true)
    for (name, rate) in [("too small", 0.01), ("right", 0.3), ("too large", 1.05)] {
        let x = Variable(3.0)
        var values: [Double] = []
        for _ in 0..<20 {
            let f = x * x
            values.append(f.scalar)
            x.zeroGrad()
            f.backward()
            withoutGradients { x.value = x.value - x.grad! * rate }
        }
        context.say("  η = \(rate) (\(name)): x = \(format(x.scalar))")
        context.say("    f by step: \(Terminal.sparkline(values, width: 20))")
        curves.series.append(("η = \(rate) (\(name))", values.enumerated().map { (Double($0.offset), $0.element) }))
    }
    try context.save(curves.svg(), as: "05-learning-rates.svg")
    context.say("""

    In two dimensions, f(x, y) = x² + 10y² is a narrow valley: a rate small enough for the steep y
    direction crawls along x; one too large for y zig-zags and diverges.
    """)
    var paths = LinePlot(title: "Paths on f(x, y) = x² + 10y² from (−4, 1.5)", xLabel: "x", yLabel: "y")
    for (name, rate) in [("η = 0.02", 0.02), ("η = 0.09", 0.09), ("η = 0.101", 0.101)] {
        let p = Variable(Tensor<Double>([-4, 1.5]))
        var path: [(Double, Double)] = []
        for _ in 0..<40 {
            path.append((p.value.scalars[0], p.value.scalars[1]))
            let f = (p * p * Tensor([1, 10])).sum()
            p.zeroGrad()
            f.backward()
            withoutGradients { p.value = p.value - p.grad! * rate }
        }
        let end = p.value.scalars
        context.say("  \(name): after 40 steps (x, y) = (\(format(end[0])), \(format(end[1])))")
        paths.series.append((name, path))
    }
    paths.marks.append((x: 0, y: 0, label: "minimum (0, 0)"))
    paths.xRange = -5...1   // the minimum inside the frame, not on its border
    try context.save(paths.svg(), as: "05-paths.svg")
    context.say("""

    Batch, mini-batch and stochastic descent differ in how many samples each step sees. Fitting a line to 64
    noisy points (y = 2x + 1 + noise) for 10 passes over the data, learning rate 0.05:
    """)
    var rng = SeededGenerator(seed: context.seed)
    let xs = Tensor<Float>.randomUniform(shape: [64, 1], lowerBound: -1, upperBound: 1, using: &rng)
    let ys = xs * 2 + 1 + Tensor<Float>.randomNormal(shape: [64, 1], standardDeviation: 0.1, using: &rng)
    var batches = LinePlot(title: "Loss per pass: batch, mini-batch and stochastic descent", xLabel: "pass over the data", yLabel: "MSE")
    for (name, size) in [("batch (64)", 64), ("mini-batch (8)", 8), ("stochastic (1)", 1)] {
        let model = Sequential { Dense(weight: Tensor([[0]]), bias: Tensor([0])) }
        let history = try model.fit(xs, ys, loss: .meanSquaredError, optimizer: SGD(for: model, learningRate: 0.05), epochs: 10,
                                    batchSize: size, verbosity: .silent, generator: SeededGenerator(seed: context.seed))
        let line = (model.layers[0] as! Dense)
        context.say("  \(name.padding(toLength: 15, withPad: " ", startingAt: 0)) \(64 / size) \(size == 64 ? "step" : "steps") per pass: w = \(format(line.weight.scalar)), b = \(format(line.bias.scalar)), last loss \(format(history.loss.last!))")
        batches.series.append((name, history.loss.enumerated().map { (Double($0.offset + 1), Double($0.element)) }))
    }
    context.say("  More steps per pass converge in fewer passes; each step is noisier.")
    try context.save(batches.svg(), as: "05-batch-sizes.svg")
}
