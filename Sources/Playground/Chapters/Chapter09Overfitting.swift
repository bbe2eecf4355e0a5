import NN
import TourDocument

/// Chapter 9: overfitting on a small noisy data set, and four cures: L2, L1, dropout, early stopping.
@_optimize(none) package func overfittingChapter(_ context: Context) throws {
    context.say("""
    20 noisy samples of y = sin(3x) and a network far too large for them (1-64-64-1, tanh) learn the noise:
    the training loss keeps falling while the loss on 200 fresh points rises. Four cures, each with
    Adam (η = 0.01), 400 epochs, full batches: L2 adds λΣθ² to the loss (small weights), L1 adds λΣ|θ|
    (many weights exactly small), dropout zeroes random hidden units while training, early stopping keeps
    the weights of the best validation epoch.
    """)
    var rng = SeededGenerator(seed: context.seed)
    func sample(_ n: Int, noise: Float, using rng: inout SeededGenerator) -> (Tensor<Float>, Tensor<Float>) {
        let x = Tensor<Float>.randomUniform(shape: [n, 1], lowerBound: -1, upperBound: 1, using: &rng)
        return (x, sin(x * 3) + Tensor<Float>.randomNormal(shape: [n, 1], standardDeviation: noise, using: &rng))
    }
    let (trainX, trainY) = sample(20, noise: 0.3, using: &rng)
    let (testX, testY) = sample(200, noise: 0, using: &rng)
    var plot = LinePlot(title: "Overfitting: validation loss with and without cures", xLabel: "epoch", yLabel: "validation MSE", logY: true)
    var trainPlot = LinePlot(title: "Overfitting: training loss with and without cures", xLabel: "epoch", yLabel: "training MSE", logY: true)
    for cure in ["none", "L2 (λ = 1e-3)", "L1 (λ = 1e-4)", "dropout (0.3)", "early stopping (patience 20)"] {
        let model = withRandomSeed(context.seed) {
            Sequential {
                Dense(inputSize: 1, outputSize: 64, activation: tanh)
                if cure.hasPrefix("dropout") { Dropout(rate: 0.3) }
                Dense(inputSize: 64, outputSize: 64, activation: tanh)
                Dense(inputSize: 64, outputSize: 1)
            }
        }
        let optimizer = Adam(for: model, learningRate: 0.01)
        var trainLoss: [Float] = [], validationLoss: [Float] = []
        let stopper = EarlyStopping(patience: 20, restoreBest: true, monitor: .validationLoss)
        var stoppedAt: Int?
        for epoch in 0..<400 {
            model.train()
            optimizer.zeroGrad()
            var loss = meanSquaredError(predicted: model(trainX), expected: trainY)
            if cure.hasPrefix("L2") { loss = loss + 1e-3 * l2Penalty(model.parameters) }
            if cure.hasPrefix("L1") { loss = loss + 1e-4 * l1Penalty(model.parameters) }
            loss.backward()
            optimizer.step()
            trainLoss.append(meanSquaredError(predicted: Variable(model.predict(trainX)), expected: trainY).scalar)
            validationLoss.append(meanSquaredError(predicted: Variable(model.predict(testX)), expected: testY).scalar)
            if cure.hasPrefix("early") {
                let logs = EpochLogs(epoch: epoch, loss: trainLoss.last!, accuracy: nil, validationLoss: validationLoss.last!,
                                     validationAccuracy: nil)
                if stopper.epochDidEnd(logs, model: model, optimizer: optimizer) { stoppedAt = epoch; break }
            }
        }
        if cure.hasPrefix("early") { stopper.trainingDidEnd(model: model) }
        let final = meanSquaredError(predicted: Variable(model.predict(testX)), expected: testY).scalar
        let best = validationLoss.min()!
        context.say("  \(cure.padding(toLength: 29, withPad: " ", startingAt: 0)) train \(format(trainLoss.last!))  validation \(format(final))  (best \(format(best)))\(stoppedAt.map { "  stopped at epoch \($0 + 1)" } ?? "")")
        plot.series.append((cure, validationLoss.enumerated().map { (Double($0.offset + 1), Double($0.element)) }))
        trainPlot.series.append((cure, trainLoss.enumerated().map { (Double($0.offset + 1), Double($0.element)) }))
    }
    try context.save(plot.svg(), as: "09-overfitting.svg")
    try context.save(trainPlot.svg(), as: "09-overfitting-training.svg")
    context.say("  Without a cure the training loss keeps falling while the validation loss turns back up: that gap is overfitting.")
}
