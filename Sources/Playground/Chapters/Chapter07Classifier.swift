import NN
import TourDocument

/// Chapter 7: the Keras textbook classifier: Sequential([Dense(1, sigmoid)]), SGD, binary cross-entropy.
@_optimize(none) package func classifierChapter(_ context: Context) throws {
    context.say("""
    The Keras example: 100 random 2-D points (uniform in [0, 1]²) labelled 1 when x₀ + x₁ ≥ 0.5, and a
    model of one Dense unit with a sigmoid, trained with SGD (learning rate 0.5, batch 10) on binary
    cross-entropy. One unit draws one straight line: this data is separable by one.
    """)
    var rng = SeededGenerator(seed: context.seed)
    let points = Tensor<Float>.randomUniform(shape: [100, 2], using: &rng)
    let labels = Tensor<Float>(shape: [100, 1], scalars: (0..<100).map { i in points[i].scalars.reduce(0, +) >= 0.5 ? 1 : 0 })
    let positives = Int(labels.sum().scalar)
    context.say("  \(positives) points of class 1, \(100 - positives) of class 0")
    let model = Sequential { Dense(inputSize: 2, outputSize: 1, activation: sigmoid) }
    let history = try model.fit(points, labels, loss: .binaryCrossEntropy, optimizer: SGD(for: model, learningRate: 0.5),
                                epochs: 200, batchSize: 10, verbosity: .silent, generator: SeededGenerator(seed: context.seed))
    for epoch in stride(from: 19, to: 200, by: 20) {
        context.say("  epoch \(String(epoch + 1).padding(toLength: 4, withPad: " ", startingAt: 0))  loss \(format(history.loss[epoch]))  accuracy \(format(history.accuracy[epoch]))")
    }
    context.say("  accuracy per epoch: \(Terminal.sparkline(history.accuracy.map(Double.init)))")
    let dense = model.layers[0] as! Dense
    let w = dense.weight.value.scalars, b = dense.bias.value.scalar
    context.say("  learned line: \(format(w[0]))·x₀ \(w[1] < 0 ? "−" : "+") \(format(abs(w[1])))·x₁ \(b < 0 ? "−" : "+") \(format(abs(b))) = 0   (the true one: x₀ + x₁ − 0.5 = 0)")
    context.say("  Keras-style classifier accuracy \(format(history.accuracy.last!))")
    var plot = LinePlot(title: "Keras-style classifier: loss and accuracy", xLabel: "epoch", yLabel: "loss, accuracy")
    plot.series.append(("loss", history.loss.enumerated().map { (Double($0.offset + 1), Double($0.element)) }))
    plot.series.append(("accuracy", history.accuracy.enumerated().map { (Double($0.offset + 1), Double($0.element)) }))
    try context.save(plot.svg(), as: "07-classifier-training.svg")
    let n = 40
    let last = Float(n - 1)
    let grid: [[Double]] = (0..<n).map { r in
        let cells: [Float] = (0..<n).flatMap { c in [Float(c) / last, Float(r) / last] }
        return model.predict(Tensor<Float>(shape: [n, 2], scalars: cells)).scalars.map(Double.init)
    }
    let marked = (0..<100).map { i in (x: Double(points[i].scalars[0]), y: Double(points[i].scalars[1]), label: Int(labels.scalars[i])) }
    try context.save(DecisionMap(title: "Decision boundary of one sigmoid unit", grid: grid, xRange: 0...1, yRange: 0...1,
                                 points: marked).svg(), as: "07-classifier-boundary.svg")
    context.say("  The boundary ('#' class 1, '.' class 0; o and x the points):\n" + Terminal.map(stride(from: 0, to: n, by: 2).map { grid[$0] },
                             points: marked.map { (Int($0.y * Double(n - 1) / 2 + 0.5), Int($0.x * Double(n - 1) + 0.5), $0.label) }))
}
