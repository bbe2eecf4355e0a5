import Foundation
import NN

/// The digits example: UCI digits split 1437/360 with a seeded shuffle, scaled to [0, 1], an MLP
/// 64-128-64-10 (ReLU), softmax cross-entropy, Adam (lr 1e-3), batch 32, 30 epochs.
func runDigitsBenchmark(epochs: Int = 30) {
    for threads in [1, 2] {
        Parallelism.threadCount = threads
        runDigits(epochs: epochs, threads: threads)
    }
    Parallelism.threadCount = 1
}

func runDigits(epochs: Int, threads: Int) {
    let (train, test) = loadDigits()
    let model = multilayerPerceptron([64, 128, 64, 10], seed: 0)
    let optimizer = Adam(for: model, learningRate: 1e-3)
    var epochTimes: [Double] = [], cpuTimes: [Double] = []
    var accuracy: Float = 0
    for epoch in 0..<epochs {
        let t0 = now(), c0 = cpuNow()
        let history = try! model.fit(train.inputs, train.labels!, loss: .softmaxCrossEntropy, optimizer: optimizer,
                                     epochs: 1, batchSize: 32, verbosity: .silent,
                                     generator: SeededGenerator(seed: UInt64(epoch)))
        epochTimes.append(Double(now() - t0) / 1e6)
        cpuTimes.append(Double(cpuNow() - c0) / 1e6)
        _ = history
    }
    accuracy = model.evaluate(test.inputs, test.labels!).accuracy ?? 0
    let s = Summary(epochTimes), cpu = Summary(cpuTimes)
    print("digits: MLP 64-128-64-10, Adam 1e-3, batch 32, \(epochs) epochs, \(threads) thread\(threads == 1 ? "" : "s")")
    print("  epoch              \(format(s.median)) ms (min \(format(s.min)), max \(format(s.max)))")
    print("  epoch, CPU time    \(format(cpu.median)) ms (min \(format(cpu.min)), max \(format(cpu.max))): the figure to compare on a busy machine")
    print("  test accuracy      \(format(Double(accuracy), 4)) on 360 held-out digits")
    report["digits.epoch_ms.\(threads)"] = s.median
    report["digits.accuracy"] = Double(accuracy)
}

/// The UCI digits split 1437 train / 360 test with the seed-0 shuffle, scaled to [0, 1].
func loadDigits() -> (train: Dataset, test: Dataset) {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let data: Dataset
    do {
        data = try NumericTable(contentsOf: root.appendingPathComponent("Data/digits.csv")).dataset(labelColumn: "label")
    } catch {
        printError("cannot load Data/digits.csv: \(error)")
        exit(1)
    }
    var rng = SeededGenerator(seed: 0)
    var (train, test) = data.split(trainCount: 1437, using: &rng)
    train.inputs = train.inputs / 16
    test.inputs = test.inputs / 16
    return (train, test)
}

/// An MLP with ReLU between `sizes.count - 1` Dense layers, initialized from `seed` (PyTorch's initialization).
func multilayerPerceptron(_ sizes: [Int], seed: UInt64) -> Sequential {
    let layerCount = sizes.count - 1
    return withRandomSeed(seed) {
        var layers: [any Layer] = []
        for l in 0..<layerCount {
            let activation: ((Variable<Float>) -> Variable<Float>)? = l < layerCount - 1 ? { relu($0) } : nil
            layers.append(Dense(inputSize: sizes[l], outputSize: sizes[l + 1], activation: activation))
        }
        return Sequential(layers)
    }
}
