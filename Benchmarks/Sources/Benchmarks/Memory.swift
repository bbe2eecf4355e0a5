import Foundation
import NN

/// Peak resident memory over 10,000 steps of the digits MLP (batch 32): it must stay flat after warm-up.
func runMemoryBenchmark(steps: Int = 10_000) {
    let (train, _) = loadDigits()
    let model = multilayerPerceptron([64, 128, 64, 10], seed: 0)
    let optimizer = Adam(for: model, learningRate: 1e-3)
    let loader = DataLoader(train, batchSize: 32, shuffle: true, generator: SeededGenerator(seed: 0))
    var step = 0
    var checkpoints: [(Int, Int)] = []
    let t0 = now()
    outer: while true {
        for batch in loader {
            optimizer.zeroGrad()
            let loss = softmaxCrossEntropy(logits: model(Variable(batch.inputs, requiresGrad: false)), labels: batch.labels!)
            loss.backward()
            optimizer.step()
            step += 1
            if step == 100 || step % 2000 == 0 { checkpoints.append((step, peakResidentKilobytes())) }
            if step == steps { break outer }
        }
    }
    let seconds = Double(now() - t0) / 1e9
    print("memory: digits MLP, batch 32, \(steps) training steps in \(format(seconds, 1)) s; peak resident memory:")
    for (s, kb) in checkpoints {
        print("  after \(String(s).padding(toLength: 6, withPad: " ", startingAt: 0)) steps  \(format(Double(kb) / 1024, 1)) MiB")
    }
    let growth = Double(checkpoints.last!.1 - checkpoints[1].1) / 1024
    report["memory.peak_mib"] = Double(checkpoints.last!.1) / 1024
    report["memory.growth_mib"] = growth
    print("  growth after step \(checkpoints[1].0): \(format(growth, 2)) MiB (\(growth <= 1 ? "flat" : "GROWING"))")
}

/// The process's peak resident set size so far, in KiB (getrusage).
func peakResidentKilobytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss
}
