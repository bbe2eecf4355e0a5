import NN
import TourDocument

/// Chapter 6: XOR with a 2-3-1 sigmoid network, mean squared error and plain gradient descent.
@_optimize(none) package func xorChapter(_ context: Context) throws {
    context.say("""
    XOR is not linearly separable, so it needs a hidden layer. A 2-3-1 network with sigmoid activations,
    mean squared error and plain (full-batch) gradient descent with learning rate 2. The initial weights
    come from the seed given to withRandomSeed:
    """)
    let x = Tensor<Float>([[0, 0], [0, 1], [1, 0], [1, 1]])
    let y = Tensor<Float>([[0], [1], [1], [0]])
    let model = withRandomSeed(context.seed + 6) {
        Sequential {
            Dense(inputSize: 2, outputSize: 3, activation: sigmoid, weightInitializer: .xavierUniform)
            Dense(inputSize: 3, outputSize: 1, activation: sigmoid, weightInitializer: .xavierUniform)
        }
    }
    let optimizer = SGD(for: model, learningRate: 2)
    var losses: [Double] = []
    for epoch in 1...2000 {
        optimizer.zeroGrad()
        let loss = meanSquaredError(predicted: model(x), expected: y)
        loss.backward()
        optimizer.step()
        losses.append(Double(loss.scalar))
        if epoch % 100 == 0 { context.say("  epoch \(String(epoch).padding(toLength: 4, withPad: " ", startingAt: 0))  loss \(format(loss.scalar, 6))") }
    }
    context.say("  loss curve: \(Terminal.sparkline(losses))")
    let out = model.predict(x).scalars
    context.say("\n  The four outputs:")
    for (i, (p, t)) in zip(out, y.scalars).enumerated() {
        let inputs = x[i].scalars.map { Int($0) }
        context.say("    \(inputs) → \(format(p))  (target \(Int(t)), \((p > 0.5) == (t > 0.5) ? "right" : "WRONG"))")
    }
    context.say("  XOR final loss \(format(losses.last!, 6)) (the goal was < 0.01)")
    var plot = LinePlot(title: "XOR: training loss (MSE)", xLabel: "epoch", yLabel: "loss", logY: true)
    plot.series.append(("loss", losses.enumerated().map { (Double($0.offset + 1), $0.element) }))
    try context.save(plot.svg(), as: "06-xor-loss.svg")
    let n = 41
    let step = Float(1.4) / Float(n - 1)
    var grid: [[Double]] = []
    for r in 0..<n {
        var flat: [Float] = []
        for c in 0..<n { flat += [Float(c) * step - 0.2, Float(r) * step - 0.2] }
        grid.append(model.predict(Tensor<Float>(shape: [n, 2], scalars: flat)).scalars.map(Double.init))
    }
    let corners: [(x: Double, y: Double, label: Int)] = [(0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0)]
    let map = DecisionMap(title: "XOR: the learned boundary", grid: grid, xRange: -0.2...1.2, yRange: -0.2...1.2,
                          points: corners)
    try context.save(map.svg(), as: "06-xor-boundary.svg")
    func cell(_ v: Double) -> Int { Int((v + 0.2) / 1.4 * Double(n - 1) + 0.5) }
    let halfRows = stride(from: 0, to: n, by: 2).map { grid[$0] }
    let marks = corners.map { (row: cell($0.y) / 2, column: cell($0.x), label: $0.label) }
    context.say("  The boundary ('#' output > 0.6, '.' < 0.4; o = target 0, x = target 1):\n" + Terminal.map(halfRows, points: marks))
}
