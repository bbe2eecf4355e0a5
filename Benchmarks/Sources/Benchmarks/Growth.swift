import AutoDiff
import Foundation
import NN

/// The widths and batch sizes of the `growth` workload (the peers' `growth_torch.py` and `growth_jax.py` use the
/// same): an MLP width-width-width-10 with ReLU, one forward + backward + Adam step.
let growthWidths = [64, 128, 256, 512, 1024, 2048]
let growthBatches = [1, 8, 32, 128, 512]
/// The batch of the width sweep, and the width of the batch sweep.
let growthFixedBatch = 32, growthFixedWidth = 256
/// The chain lengths of the memory sweep.
let growthChainNodes = [1_000, 10_000, 100_000, 1_000_000, 10_000_000]

/// How cost grows: an MLP step's time against width and against batch (where per-operation overhead ends and
/// arithmetic begins), and a scalar chain's bytes and nanoseconds per tape node against the graph's size.
func runGrowthBenchmark(repeats: Int) {
    Parallelism.threadCount = 1
    print("growth: MLP width-width-width-10 (ReLU), one forward + backward + Adam step, 1 thread")
    print("  width  batch      ms/step   GFLOP/s")
    var configurations = growthWidths.map { ($0, growthFixedBatch) }
    configurations += growthBatches.filter { $0 != growthFixedBatch }.map { (growthFixedWidth, $0) }
    for (width, batch) in configurations {
        let ms = growthStepMilliseconds(width: width, batch: batch, repeats: repeats)
        let flops = 6.0 * Double(batch) * Double(2 * width * width + width * 10)
        report["growth.mlp.\(width).\(batch)"] = ms
        print("  " + pad(width, 5) + "  " + pad(batch, 5) + "  " + pad(format(ms, 3), 11) + "  " +
              pad(format(flops / (ms * 1e6), 1), 8))
    }

    print("growth: a chain y ← y·w + b of scalar nodes, forward + backward")
    print("  nodes        graph bytes/node  peak bytes/node  forward ns/node  backward ns/node")
    for nodes in growthChainNodes {
        // Each size in a process of its own, so that no size reuses memory an earlier one left behind.
        guard let (held, peak, forward, backward) = growthChainInChildProcess(nodes: nodes) else { continue }
        report["growth.chain.\(nodes).bytes"] = held
        report["growth.chain.\(nodes).peak_bytes"] = peak
        report["growth.chain.\(nodes).forward_ns"] = forward
        report["growth.chain.\(nodes).backward_ns"] = backward
        print("  " + pad(nodes, 11) + "  " + pad(format(held, 1), 16) + "  " + pad(format(peak, 1), 15) + "  " +
              pad(format(forward), 15) + "  " + pad(format(backward), 16))
    }
}

/// The median time of one training step of the growth MLP, in milliseconds; as many timed steps as fit in about
/// half a second (at least 3, at most `repeats`), after two untimed ones.
func growthStepMilliseconds(width: Int, batch: Int, repeats: Int) -> Double {
    var rng = SeededGenerator(seed: UInt64(width * 1000 + batch))
    let x = Tensor<Float>.randomNormal(shape: [batch, width], using: &rng)
    let labels = (0..<batch).map { _ in Int(rng.next() % 10) }
    let model = multilayerPerceptron([width, width, width, 10], seed: 11)
    let optimizer = Adam(for: model, learningRate: 1e-3)
    func step() {
        optimizer.zeroGrad()
        let loss = softmaxCrossEntropy(logits: model(Variable(x, requiresGrad: false)), labels: labels)
        loss.backward()
        optimizer.step()
    }
    step()
    let t0 = now()
    step()
    let first = Double(now() - t0) / 1e6
    let count = Swift.max(3, Swift.min(repeats, Int(500 / Swift.max(first, 1e-3))))
    var times: [Double] = []
    for _ in 0..<count {
        let start = now()
        step()
        times.append(Double(now() - start) / 1e6)
    }
    return Summary(times).median
}

/// A chain of `nodes` scalar nodes: bytes per node held by the recorded graph and the peak resident memory added
/// per node over recording and differentiating it (the first run, in fresh memory), then the nanoseconds per node
/// of each phase (the median of three more runs, warm).
func growthChain(nodes: Int) -> (held: Double, peak: Double, forward: Double, backward: Double) {
    let w = Variable(1.0), b = Variable(1e-7)
    var held = 0.0, peak = 0.0
    var forward: [Double] = [], backward: [Double] = []
    for run in 0..<4 {
        let before = residentBytes()
        resetPeakResident()
        let t0 = now()
        var y = Variable(0.5, requiresGrad: false)
        for _ in 0..<(nodes / 2) { y = y * w + b }
        let t1 = now()
        if run == 0 { held = Double(TapeDiagnostics.currentTapeByteCount(Double.self)) / Double(nodes) }
        let t2 = now()
        y.backward()
        let t3 = now()
        if run == 0 {
            peak = Double(Swift.max(0, peakResidentBytes() - before)) / Double(nodes)
        } else {
            forward.append(Double(t1 - t0) / Double(nodes))
            backward.append(Double(t3 - t2) / Double(nodes))
        }
    }
    return (held, peak, Summary(forward).median, Summary(backward).median)
}

/// `growthChain(nodes:)` run by this program in a child process (`--growth-chain N`), or nil if that failed.
func growthChainInChildProcess(nodes: Int) -> (Double, Double, Double, Double)? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = ["--growth-chain", String(nodes)]
    let pipe = Pipe()
    process.standardOutput = pipe
    do { try process.run() } catch {
        printError("cannot start \(CommandLine.arguments[0]) for the chain of \(nodes) nodes: \(error)")
        return nil
    }
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let numbers = output.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Double($0) }
    guard process.terminationStatus == 0, numbers.count == 4 else {
        printError("the chain of \(nodes) nodes failed (status \(process.terminationStatus)): \(output)")
        return nil
    }
    return (numbers[0], numbers[1], numbers[2], numbers[3])
}

/// A field of /proc/self/status in bytes ("VmRSS", "VmHWM"), or 0 where there is none (not Linux).
func procStatusBytes(_ field: String) -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        let number = line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) } ?? 0
        return number * 1024
    }
    return 0
}

func residentBytes() -> Int { procStatusBytes("VmRSS") }
func peakResidentBytes() -> Int { procStatusBytes("VmHWM") }

/// Resets the peak resident size (VmHWM) to the current one (Linux: writing 5 to /proc/self/clear_refs).
func resetPeakResident() {
    if let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
        handle.write(Data("5".utf8))
        try? handle.close()
    }
}
