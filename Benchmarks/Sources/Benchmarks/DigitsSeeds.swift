import NN

/// The digits MLP trained from many seeds (initial weights, batch order, dropout masks; the 1437/360 split stays
/// the one of seed 0), without and with dropout 0.2 after each hidden layer: how much of a test accuracy is the
/// seed's luck. The playground's chapter 10 trains the dropout variant.
func runDigitsSeedsBenchmark(seeds: Int = 16) {
    let (train, test) = loadDigits()
    print("digits-seeds: MLP 64-128-64-10, Adam 1e-3, batch 32, 30 epochs, seeds 0..<\(seeds)")
    for rate: Float in [0, 0.2] {
        var accuracies: [Double] = []
        for seed in 0..<UInt64(seeds) {
            let accuracy = withRandomSeed(seed) {
                let model = Sequential {
                    Dense(inputSize: 64, outputSize: 128, activation: relu)
                    Dropout(rate: rate)
                    Dense(inputSize: 128, outputSize: 64, activation: relu)
                    Dropout(rate: rate)
                    Dense(inputSize: 64, outputSize: 10)
                }
                let history = try! model.fit(train.inputs, train.labels!, loss: .softmaxCrossEntropy,
                                             optimizer: Adam(for: model, learningRate: 1e-3), epochs: 30, batchSize: 32,
                                             validation: (test.inputs, test.labels!), verbosity: .silent,
                                             generator: SeededGenerator(seed: seed))
                return Double(history.validationAccuracy.last!)
            }
            accuracies.append(accuracy)
        }
        let s = Summary(accuracies)
        let mean = accuracies.reduce(0, +) / Double(accuracies.count)
        print("  dropout \(rate == 0 ? "none" : format(Double(rate), 1))   test accuracy mean \(format(mean, 4)), median \(format(s.median, 4)) (min \(format(s.min, 4)), max \(format(s.max, 4)))")
    }
}
