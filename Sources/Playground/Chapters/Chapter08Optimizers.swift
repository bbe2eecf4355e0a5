import Foundation
import NN
import TourDocument

/// Chapter 8: optimizers side by side on one problem.
@_optimize(none) package func optimizersChapter(_ context: Context) throws {
    context.say("""
    The same network (2-16-16-1, tanh) on the same data (two interleaved half-moons, 200 points), from the
    same initial weights and batch order, with four optimizers:
      SGD            θ ← θ − η·g
      momentum       v ← μv + g,  θ ← θ − η·v
      RMSProp        s ← αs + (1 − α)g²,  θ ← θ − η·g/√s
      Adam           momentum and RMSProp together, with bias correction
    """)
    var rng = SeededGenerator(seed: context.seed)
    var flat: [Float] = [], labels: [Float] = []
    for i in 0..<200 {
        let t = Float.pi * Float(i % 100) / 99
        let (x, y): (Float, Float) = i < 100 ? (Foundation.cos(t), Foundation.sin(t)) : (1 - Foundation.cos(t), 0.5 - Foundation.sin(t))
        flat += [x + 0.1 * Float(rng.nextNormal()), y + 0.1 * Float(rng.nextNormal())]
        labels.append(i < 100 ? 0 : 1)
    }
    let inputs = Tensor<Float>(shape: [200, 2], scalars: flat), targets = Tensor<Float>(shape: [200, 1], scalars: labels)
    /// The same network, from the same initial weights, for every run of the chapter.
    func makeModel() -> Sequential {
        withRandomSeed(context.seed) {
            Sequential {
                Dense(inputSize: 2, outputSize: 16, activation: tanh)
                Dense(inputSize: 16, outputSize: 16, activation: tanh)
                Dense(inputSize: 16, outputSize: 1)
            }
        }
    }
    var plot = LinePlot(title: "Optimizers on two moons: training loss", xLabel: "epoch", yLabel: "binary cross-entropy")
    let makers: [(String, (Sequential) -> any Optimizer)] = [
        ("SGD η=0.1", { SGD(for: $0, learningRate: 0.1) }),
        ("momentum η=0.1 μ=0.9", { SGD(for: $0, learningRate: 0.1, momentum: 0.9) }),
        ("RMSProp η=0.01", { RMSProp(for: $0, learningRate: 0.01) }),
        ("Adam η=0.01", { Adam(for: $0, learningRate: 0.01) }),
    ]
    for (name, make) in makers {
        let model = makeModel()
        let history = try model.fit(inputs, targets, loss: .binaryCrossEntropyWithLogits, optimizer: make(model), epochs: 60,
                                    batchSize: 20, verbosity: .silent, generator: SeededGenerator(seed: context.seed))
        context.say("  \(name.padding(toLength: 22, withPad: " ", startingAt: 0)) final loss \(format(history.loss.last!))  accuracy \(format(history.accuracy.last!))")
        context.say("    loss by epoch: \(Terminal.sparkline(history.loss.map(Double.init), width: 30))")
        plot.series.append((name, history.loss.enumerated().map { (Double($0.offset + 1), Double($0.element)) }))
    }
    try context.save(plot.svg(), as: "08-optimizers.svg")

    context.say("""

    Learning-rate decay: a large rate early moves fast, a small one late settles. SGD with momentum from
    η = 0.3, constant or decayed by a schedule that a callback applies at the start of each epoch:
    """)
    var decayPlot = LinePlot(title: "Learning-rate decay: SGD with momentum from η = 0.3", xLabel: "epoch", yLabel: "binary cross-entropy")
    let schedules: [(String, (any LearningRateSchedule)?)] = [
        ("constant", nil), ("step decay ×0.5 every 15", StepDecay(stepSize: 15, gamma: 0.5)),
        ("cosine annealing", CosineAnnealing(period: 60)), ("warm-up 5, then ×0.95", Warmup(epochs: 5, then: ExponentialDecay(gamma: 0.95))),
    ]
    for (name, schedule) in schedules {
        let model = makeModel()
        let history = try model.fit(inputs, targets, loss: .binaryCrossEntropyWithLogits,
                                    optimizer: SGD(for: model, learningRate: 0.3, momentum: 0.9), epochs: 60, batchSize: 20,
                                    callbacks: schedule.map { [LearningRateScheduler($0)] } ?? [], verbosity: .silent,
                                    generator: SeededGenerator(seed: context.seed))
        let rates = history.learningRate
        context.say("  \(name.padding(toLength: 26, withPad: " ", startingAt: 0)) η: \(format(rates.first!, 3)) → \(format(rates.last!, 3))   final loss \(format(history.loss.last!))")
        context.say("    loss by epoch: \(Terminal.sparkline(history.loss.map(Double.init), width: 30))")
        decayPlot.series.append((name, history.loss.enumerated().map { (Double($0.offset + 1), Double($0.element)) }))
    }
    try context.save(decayPlot.svg(), as: "08-learning-rate-decay.svg")
}
