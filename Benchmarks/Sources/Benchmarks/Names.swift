import AutoDiff
import Foundation
import NN

/// The names workload (the playground's sequence chapter): first names split 90/10 with the seed-42 shuffle,
/// 27 symbols (boundary + a–z), an Embedding(27, 16) → LSTM(16, 64) → Dense(64, 27) model from seed 0, Adam
/// (lr 5e-3), batches of up to 32 names of one length in a seeded order; ms per epoch and validation loss
/// (nats per character) after `epochs` epochs, on 1 thread.
func runNamesBenchmark(epochs: Int = 6) {
    Parallelism.threadCount = 1
    let data = loadNames()
    let model = namesModel()
    let optimizer = Adam(for: model, learningRate: 5e-3)
    var epochTimes: [Double] = [], cpuTimes: [Double] = []
    for epoch in 0..<epochs {
        let batches = namesBatches(data.train, epoch: epoch)
        let (t0, c0) = (now(), cpuNow())
        for batch in batches {
            optimizer.zeroGrad()
            softmaxCrossEntropy(logits: model(batch.inputs), labels: batch.labels).backward()
            optimizer.step()
        }
        epochTimes.append(Double(now() - t0) / 1e6)
        cpuTimes.append(Double(cpuNow() - c0) / 1e6)
    }
    let loss = namesLoss(model, data.validation)
    let s = Summary(epochTimes), cpu = Summary(cpuTimes)
    print("names: Embedding(27, 16) → LSTM(16, 64) → Dense(64, 27), Adam 5e-3, batch 32, \(epochs) epochs, 1 thread")
    print("  epoch              \(format(s.median)) ms (min \(format(s.min)), max \(format(s.max)))")
    print("  epoch, CPU time    \(format(cpu.median)) ms (the process's own time: steadier on a busy machine)")
    print("  validation loss    \(format(Double(loss), 4)) nats/char on \(data.validation.count) held-out names")
    report["names.epoch_ms.1"] = s.median
    report["names.epoch_cpu_ms.1"] = cpu.median
    report["names.validation_loss"] = Double(loss)
}

/// The names as indices (a = 1 … z = 26), split 90/10 with the seed-42 shuffle (as the playground does).
func loadNames() -> (train: [[Int]], validation: [[Int]]) {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    guard let text = try? String(contentsOf: root.appendingPathComponent("Data/first-names.txt"), encoding: .utf8) else {
        printError("cannot read Data/first-names.txt")
        exit(1)
    }
    var rng = SeededGenerator(seed: 42)
    let names = text.split(separator: "\n").shuffled(using: &rng).map { $0.unicodeScalars.map { Int($0.value) - 96 } }
    let held = names.count / 10
    return (Array(names.dropFirst(held)), Array(names.prefix(held)))
}

func namesModel() -> Sequential {
    withRandomSeed(0) {
        Sequential {
            Embedding(vocabularySize: 27, embeddingSize: 16)
            LSTM(inputSize: 16, hiddenSize: 64)
            Dense(inputSize: 64, outputSize: 27)
        }
    }
}

/// Batches of up to 32 names of one length: the names' positions in `names`, in the epoch's order
/// (each length group shuffled, then the batches shuffled, from SeededGenerator(seed: epoch)).
func namesBatchOrder(_ names: [[Int]], epoch: Int?, batchSize: Int = 32) -> [[Int]] {
    var rng = epoch.map { SeededGenerator(seed: UInt64($0)) }
    var byLength: [Int: [Int]] = [:]
    for (i, name) in names.enumerated() { byLength[name.count, default: []].append(i) }
    var batches: [[Int]] = []
    for length in byLength.keys.sorted() {
        var group = byLength[length]!
        if rng != nil { group = group.shuffled(using: &rng!) }
        for start in stride(from: 0, to: group.count, by: batchSize) {
            batches.append(Array(group[start..<min(start + batchSize, group.count)]))
        }
    }
    if rng != nil { batches = batches.shuffled(using: &rng!) }
    return batches
}

/// The batches of an epoch as inputs `[n, L + 1]` (boundary, letters) and next characters (letters, boundary).
func namesBatches(_ names: [[Int]], epoch: Int?, batchSize: Int = 32) -> [(inputs: Tensor<Float>, labels: [Int])] {
    namesBatchOrder(names, epoch: epoch, batchSize: batchSize).map { batch in
        let chunk = batch.map { names[$0] }
        return (Tensor(shape: [chunk.count, chunk[0].count + 1], scalars: chunk.flatMap { [0] + $0 }.map(Float.init)),
                chunk.flatMap { $0 + [0] })
    }
}

/// Mean negative log-likelihood per predicted character.
func namesLoss(_ model: some Layer, _ names: [[Int]]) -> Float {
    withoutGradients {
        var total: Float = 0, count = 0
        for batch in namesBatches(names, epoch: nil, batchSize: 1024) {
            total += softmaxCrossEntropy(logits: model(batch.inputs), labels: batch.labels, reduction: .sum).value.scalar
            count += batch.labels.count
        }
        return total / Float(count)
    }
}
