import Foundation
import Testing
import NN

/// XOR with a 2-3-1 sigmoid network, mean squared error and plain (full-batch) gradient descent.
func trainXOR(seed: UInt64, learningRate: Float, epochs: Int, log: (String) -> Void) -> (losses: [Float], outputs: [Float]) {
    let x = Tensor<Float>([[0, 0], [0, 1], [1, 0], [1, 1]])
    let y = Tensor<Float>([[0], [1], [1], [0]])
    let model = withRandomSeed(seed) {
        Sequential {
            Dense(inputSize: 2, outputSize: 3, activation: sigmoid, weightInitializer: .xavierUniform)
            Dense(inputSize: 3, outputSize: 1, activation: sigmoid, weightInitializer: .xavierUniform)
        }
    }
    let optimizer = SGD(for: model, learningRate: learningRate)
    var losses: [Float] = []
    for epoch in 1...epochs {
        optimizer.zeroGrad()
        let loss = meanSquaredError(predicted: model(x), expected: y)
        loss.backward()
        optimizer.step()
        losses.append(loss.scalar)
        if epoch % 100 == 0 { log("epoch \(epoch): loss \(loss.scalar)") }
    }
    return (losses, model.predict(x).scalars)
}

@Suite("Training")
struct TrainingTests {
    @Test("XOR: a 2-3-1 sigmoid network learns it with MSE and plain gradient descent")
    func xor() {
        var lines: [String] = []
        let (losses, outputs) = trainXOR(seed: 42, learningRate: 2, epochs: 2000) { lines.append($0) }
        #expect(losses.last! < 0.01)
        #expect(outputs[0] < 0.5 && outputs[1] > 0.5 && outputs[2] > 0.5 && outputs[3] < 0.5)
        #expect(lines.count == 20 && lines[0].hasPrefix("epoch 100: loss ") && lines[19].hasPrefix("epoch 2000: loss "))
        // The printed losses are the ones computed at those epochs.
        #expect(lines[9] == "epoch 1000: loss \(losses[999])")
    }

    @Test("early stopping stops at the right epoch of a scripted validation curve")
    func earlyStopping() {
        let stopper = EarlyStopping(patience: 3, minDelta: 0.05)
        let model = Sequential { Dense(inputSize: 1, outputSize: 1) }
        let optimizer = SGD(for: model, learningRate: 0.1)
        let curve: [Float] = [1.0, 0.8, 0.7, 0.71, 0.69, 0.72, 0.75, 0.5]
        var stoppedAt: Int?
        for (epoch, value) in curve.enumerated() {
            stopper.epochWillBegin(epoch, model: model, optimizer: optimizer)
            let logs = EpochLogs(epoch: epoch, loss: 0, accuracy: nil, validationLoss: value, validationAccuracy: nil)
            if stopper.epochDidEnd(logs, model: model, optimizer: optimizer) { stoppedAt = epoch; break }
        }
        // 0.69 is not 0.05 better than 0.7: epochs 3, 4, 5 make three without improvement.
        #expect(stoppedAt == 5 && stopper.stoppedEpoch == 5)
        #expect(stopper.best == 0.7 && stopper.bestEpoch == 2)
    }

    @Test("restoreBest puts back the parameters of the best epoch")
    func restoreBest() {
        let model = Sequential { Dense(weight: Tensor([[1]]), bias: Tensor([0])) }
        let optimizer = SGD(for: model, learningRate: 0.1)
        let stopper = EarlyStopping(patience: 1, restoreBest: true)
        stopper.epochWillBegin(0, model: model, optimizer: optimizer)
        _ = stopper.epochDidEnd(EpochLogs(epoch: 0, loss: 0, accuracy: nil, validationLoss: 1, validationAccuracy: nil),
                                model: model, optimizer: optimizer)
        model.parameters[0].value = Tensor([[5]])
        _ = stopper.epochDidEnd(EpochLogs(epoch: 1, loss: 0, accuracy: nil, validationLoss: 2, validationAccuracy: nil),
                                model: model, optimizer: optimizer)
        stopper.trainingDidEnd(model: model)
        #expect(model.parameters[0].value == Tensor([[1]]))
    }

    @Test("fit: history per epoch, validation, a schedule callback and early stopping")
    func fit() throws {
        var rng = SeededGenerator(seed: 11)
        let a = Tensor<Float>.randomNormal(shape: [40, 2], mean: -1, standardDeviation: 0.5, using: &rng)
        let b = Tensor<Float>.randomNormal(shape: [40, 2], mean: 1, standardDeviation: 0.5, using: &rng)
        let inputs = concatenate([a, b], alongAxis: 0)
        let labels = Array(repeating: 0, count: 40) + Array(repeating: 1, count: 40)
        let model = withRandomSeed(1) { Sequential { Dense(inputSize: 2, outputSize: 8, activation: relu); Dense(inputSize: 8, outputSize: 2) } }
        let optimizer = Adam(for: model, learningRate: 0.05)
        let history = try model.fit(inputs, labels, loss: .softmaxCrossEntropy, optimizer: optimizer, epochs: 6, batchSize: 16,
                                    validation: (inputs, labels),
                                    callbacks: [LearningRateScheduler(StepDecay(stepSize: 2, gamma: 0.5))],
                                    verbosity: .silent, generator: SeededGenerator(seed: 3))
        #expect(history.epochs == 6 && history.accuracy.count == 6 && history.validationLoss.count == 6)
        #expect(history.learningRate == [0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125])
        #expect(history.validationAccuracy.last! >= 0.95)
        #expect(history.loss.last! < history.loss.first!)
        let (loss, accuracy) = model.evaluate(inputs, labels)
        #expect(abs(loss - history.validationLoss.last!) < 1e-5 && accuracy == history.validationAccuracy.last!)

        // Early stopping on a validation set the model cannot fit stops before the last epoch.
        let stopper = EarlyStopping(patience: 2, monitor: .validationLoss)
        let shuffled = try model.fit(inputs, labels, loss: .softmaxCrossEntropy, optimizer: optimizer, epochs: 50,
                                     validation: (inputs, labels.reversed()), callbacks: [stopper], verbosity: .silent)
        #expect(shuffled.epochs < 50 && stopper.stoppedEpoch == shuffled.epochs - 1)
    }

    @Test("fit with targets: binary cross-entropy on logits, the same seed gives the same run")
    func fitTargets() throws {
        func run() throws -> History {
            let x = Tensor<Float>([[0, 0], [0, 1], [1, 0], [1, 1]])
            let y = Tensor<Float>([[0], [0], [0], [1]])   // AND
            let model = withRandomSeed(5) { Sequential { Dense(inputSize: 2, outputSize: 1) } }
            return try model.fit(x, y, loss: .binaryCrossEntropyWithLogits, optimizer: SGD(for: model, learningRate: 1),
                                 epochs: 200, batchSize: 4, verbosity: .silent, generator: SeededGenerator(seed: 1))
        }
        let first = try run(), second = try run()
        #expect(first.accuracy.last == 1)
        #expect(first.loss == second.loss)
    }

    @Test("digits: the MLP 64-128-64-10 learns the UCI digits (short run)")
    func digits() throws {
        var rng = SeededGenerator(seed: 0)
        let (train, test) = try loadDigits().split(trainCount: 1437, using: &rng)
        #expect(train.count == 1437 && test.count == 360)
        let model = withRandomSeed(0) {
            Sequential {
                Dense(inputSize: 64, outputSize: 128, activation: relu)
                Dense(inputSize: 128, outputSize: 64, activation: relu)
                Dense(inputSize: 64, outputSize: 10)
            }
        }
        let history = try model.fit(train.inputs, train.labels!, loss: .softmaxCrossEntropy,
                                    optimizer: Adam(for: model, learningRate: 1e-3), epochs: 3, batchSize: 32,
                                    validation: (test.inputs, test.labels!), verbosity: .silent,
                                    generator: SeededGenerator(seed: 0))
        #expect(history.validationAccuracy.last! >= 0.85)
    }
}
