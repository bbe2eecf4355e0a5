import Foundation
import NN

/// The digits CNN of the playground's chapter "Convolutions": Conv2D(1→16, 3, padding 1, ReLU), MaxPool2D(2),
/// Conv2D(16→32, 3, padding 1, ReLU), MaxPool2D(2), Flatten, Dense(128→10), initialized from `seed`; with
/// `batchNorm`, a BatchNorm after the first convolution.
func digitsCNN(seed: UInt64, batchNorm: Bool = false) -> Sequential {
    withRandomSeed(seed) {
        Sequential {
            Conv2D(inputChannels: 1, outputChannels: 16, kernelSize: 3, padding: 1, activation: relu)
            if batchNorm { BatchNorm(featureCount: 16) }
            MaxPool2D(kernelSize: 2)
            Conv2D(inputChannels: 16, outputChannels: 32, kernelSize: 3, padding: 1, activation: relu)
            MaxPool2D(kernelSize: 2)
            Flatten()
            Dense(inputSize: 128, outputSize: 10)
        }
    }
}

/// The digits split of `loadDigits()` as images `[N, 1, 8, 8]`, standardized as in the playground's chapter
/// "Convolutions": minus the training pixels' mean, divided by their standard deviation (one number each, the
/// images having one channel), returned too.
func loadDigitImages() -> (train: Dataset, test: Dataset, mean: Float, deviation: Float) {
    var (train, test) = loadDigits()
    let pixels = train.inputs.scalars
    let mean = pixels.reduce(0, +) / Float(pixels.count)
    let deviation = (pixels.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(pixels.count)).squareRoot()
    train.inputs = ((train.inputs - mean) / deviation).reshaped(to: [-1, 1, 8, 8])
    test.inputs = ((test.inputs - mean) / deviation).reshaped(to: [-1, 1, 8, 8])
    return (train, test, mean, deviation)
}

/// The CNN on the digits (standardized), 1 thread, Adam 1e-3, batch 32, 30 epochs in the batch orders `--export` writes:
/// ms per epoch, test accuracy, and the peak resident memory after the first and the last epoch.
func runCNNBenchmark(epochs: Int = 30) {
    Parallelism.threadCount = 1
    let (train, test, _, _) = loadDigitImages()
    let model = digitsCNN(seed: 0)
    let optimizer = Adam(for: model, learningRate: 1e-3)
    var epochTimes: [Double] = [], cpuTimes: [Double] = []
    var memory: [Int] = []
    for epoch in 0..<epochs {
        let t0 = now(), c0 = cpuNow()
        _ = try! model.fit(train.inputs, train.labels!, loss: .softmaxCrossEntropy, optimizer: optimizer, epochs: 1,
                           batchSize: 32, verbosity: .silent, generator: SeededGenerator(seed: UInt64(epoch)))
        epochTimes.append(Double(now() - t0) / 1e6)
        cpuTimes.append(Double(cpuNow() - c0) / 1e6)
        memory.append(peakResidentKilobytes())
    }
    let accuracy = Double(model.evaluate(test.inputs, test.labels!).accuracy ?? 0)
    let s = Summary(epochTimes), cpu = Summary(cpuTimes)
    let growth = Double(memory.last! - memory[1]) / 1024
    print("cnn: Conv(1→16,3)-Pool-Conv(16→32,3)-Pool-Dense(128→10) on the digits, Adam 1e-3, batch 32, \(epochs) epochs, 1 thread")
    print("  epoch              \(format(s.median)) ms (min \(format(s.min)), max \(format(s.max)))")
    print("  epoch, CPU time    \(format(cpu.median)) ms (min \(format(cpu.min)), max \(format(cpu.max))): the figure to compare on a busy machine")
    print("  test accuracy      \(format(accuracy, 4)) on 360 held-out digits")
    print("  peak memory        \(format(Double(memory[1]) / 1024, 1)) MiB after epoch 2, \(format(Double(memory.last!) / 1024, 1)) MiB after epoch \(epochs) " +
          "(\(growth <= 1 ? "flat" : "GROWING"))")
    report["cnn.epoch_ms.1"] = s.median
    report["cnn.epoch_cpu_ms.1"] = cpu.median
    report["cnn.accuracy"] = accuracy
    report["cnn.memory_growth_mib"] = growth
}

/// The CNN trained from 8 seeds (initial weights and batch order; the split stays seed 0's), without and with a
/// BatchNorm after the first convolution, on the standardized digits: the test accuracy's mean, min and max, the
/// figures the playground's chapter "Convolutions" cites (`Benchmarks/peers/cnn_seeds_torch.py` is PyTorch's control).
func runCNNSeedsBenchmark(seeds: Int = 8) {
    let (train, test, _, _) = loadDigitImages()
    print("cnn-seeds: the digits CNN, Adam 1e-3, batch 32, 30 epochs, seeds 0..<\(seeds)")
    for batchNorm in [false, true] {
        var accuracies: [Double] = []
        for seed in 0..<UInt64(seeds) {
            let model = digitsCNN(seed: seed, batchNorm: batchNorm)
            let history = try! model.fit(train.inputs, train.labels!, loss: .softmaxCrossEntropy,
                                         optimizer: Adam(for: model, learningRate: 1e-3), epochs: 30, batchSize: 32,
                                         validation: (test.inputs, test.labels!), verbosity: .silent,
                                         generator: SeededGenerator(seed: seed))
            accuracies.append(Double(history.validationAccuracy.last!))
        }
        let s = Summary(accuracies)
        let mean = accuracies.reduce(0, +) / Double(accuracies.count)
        let name = batchNorm ? "with BatchNorm" : "plain"
        print("  \(name.padding(toLength: 15, withPad: " ", startingAt: 0))test accuracy mean \(format(mean, 4)) (min \(format(s.min, 4)), max \(format(s.max, 4)))")
        print("  \(String(repeating: " ", count: 15))per seed: \(accuracies.map { format($0, 4) }.joined(separator: " "))")
        let key = batchNorm ? "cnn-seeds.batchnorm" : "cnn-seeds"
        report["\(key).mean"] = mean
        report["\(key).min"] = s.min
        report["\(key).max"] = s.max
    }
}
