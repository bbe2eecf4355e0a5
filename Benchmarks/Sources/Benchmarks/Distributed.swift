import DistributedTraining
import Foundation
import NN

/// The distributed workload: data parallelism over Open MPI on this machine.
///
/// Started normally, it times one process (1 and 2 threads), then starts itself under `mpirun -np 2` (one
/// thread per process) and reports the speed-up and efficiency of:
/// - a digits epoch: the MLP 64-128-64-10, Adam, global batch 32 (16 per process with 2), 1437 samples;
/// - a wide step: the MLP 784-512-512-10, global batch 128, forward + backward + averaged gradients + Adam;
/// and, under mpirun, the allreduce bandwidth for 1–64 MiB of Float (compare with `Benchmarks/peers/allreduce_mpi4py.py`
/// on the same MPI) and the time of one allreduce of the wide MLP's gradients (the cost model's inputs).
func runDistributedBenchmark(repeats: Int) {
    let group: ProcessGroup
    do {
        group = try ProcessGroup.current()
    } catch {
        printError("distributed: \(error)")
        exit(1)
    }
    if !ProcessGroup.isStartedByMPIRun {
        runDistributedLauncher(group: group, repeats: repeats)
    } else {
        runDistributedWorker(group: group, repeats: repeats)
    }
}

/// One process, then this program under `mpirun -np 2`; prints the comparison.
private func runDistributedLauncher(group: ProcessGroup, repeats: Int) {
    print("distributed: data parallelism over Open MPI; 1 process here, then 2 processes under mpirun")
    var single: [String: Double] = [:]
    for threads in [1, 2] {
        Parallelism.threadCount = threads
        single["digits.\(threads)"] = digitsEpochMilliseconds(group: group, epochs: 10)
        single["wide.\(threads)"] = wideStepMilliseconds(group: group, repeats: repeats)
        print("  1 process, \(threads) thread\(threads == 1 ? " " : "s"): digits epoch \(format(single["digits.\(threads)"]!)) ms, "
              + "wide step \(format(single["wide.\(threads)"]!)) ms")
    }
    Parallelism.threadCount = 1
    guard let mpirun = findExecutable("mpirun") else {
        print("  mpirun not found: install Open MPI (apt-get install openmpi-bin libopenmpi-dev) for the 2-process figures")
        return
    }
    let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var arguments = ["--oversubscribe", "-np", "2", me, "distributed", "--repeat", "\(repeats)"]
    if getuid() == 0 { arguments.insert("--allow-run-as-root", at: 0) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: mpirun)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    do {
        try process.run()
    } catch {
        printError("distributed: cannot start mpirun: \(error)")
        return
    }
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    var figures: [String: Double] = [:]
    for line in output.split(separator: "\n") {
        let fields = line.split(separator: " ")
        if fields.count == 3, fields[0] == "figure", let value = Double(fields[2]) {
            figures[String(fields[1])] = value
        } else {
            print(line)
        }
    }
    guard process.terminationStatus == 0, let digits = figures["digits"], let wide = figures["wide"] else {
        printError("distributed: the run under mpirun failed (status \(process.terminationStatus))")
        return
    }
    for (name, two) in [("digits epoch", digits), ("wide step", wide)] {
        let key = name.hasPrefix("digits") ? "digits" : "wide"
        let one = single["\(key).1"]!, oneTwoThreads = single["\(key).2"]!
        let speedUp = one / two
        print("  \(name): 2 processes \(format(two)) ms against 1 process 1 thread \(format(one)) ms: speed-up "
              + "\(format(speedUp))×, efficiency \(format(100 * speedUp / 2, 0))% (1 process with 2 threads: \(format(oneTwoThreads)) ms)")
        report["distributed.\(key).ms.1"] = one
        report["distributed.\(key).ms.1x2threads"] = oneTwoThreads
        report["distributed.\(key).ms.2"] = two
    }
    for (key, value) in figures where key.hasPrefix("allreduce") { report["distributed.\(key)"] = value }
}

/// Under mpirun: rank 0 prints the figures as `figure NAME VALUE` lines for the launcher, and a table.
private func runDistributedWorker(group: ProcessGroup, repeats: Int) {
    let say: (String) -> Void = { if group.rank == 0 { print($0) } }
    say("  under mpirun: \(group.size) processes, \(Parallelism.threadCount) thread(s) each, \(group.library ?? "")")
    let digits = digitsEpochMilliseconds(group: group, epochs: 10)
    let wide = wideStepMilliseconds(group: group, repeats: repeats)
    say("figure digits \(digits)")
    say("figure wide \(wide)")
    // One allreduce of the wide MLP's gradients: what averageGradients sends every step.
    let gradientCount = 784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10
    let gradientMs = allReduceMilliseconds(group: group, count: gradientCount, repeats: max(repeats, 10))
    say("  allreduce of the wide MLP's \(gradientCount) gradients (\(format(Double(gradientCount * 4) / 1_048_576)) MiB): "
        + "\(format(gradientMs, 3)) ms")
    say("figure allreduce.wide_gradients_ms \(gradientMs)")
    say("  allreduce bandwidth, Float sum in place, \(group.size) processes (bus = 2(p−1)/p × bytes ÷ time):")
    say("     MiB       ms     GB/s   bus GB/s")
    for mib in [1, 2, 4, 8, 16, 32, 64] {
        let count = mib * 1_048_576 / 4
        let ms = allReduceMilliseconds(group: group, count: count, repeats: mib <= 8 ? max(repeats, 10) : 5)
        let bytes = Double(mib * 1_048_576)
        let algorithm = bytes / (ms * 1e-3) / 1e9
        let bus = algorithm * 2 * Double(group.size - 1) / Double(group.size)
        say("  \(pad(mib, 6)) \(pad(format(ms, 3), 8)) \(pad(format(algorithm), 8)) \(pad(format(bus), 10))")
        say("figure allreduce.\(mib)MiB_ms \(ms)")
    }
}

/// The median time of one digits epoch (global batch 32), rank 0's clock, after one untimed epoch.
private func digitsEpochMilliseconds(group: ProcessGroup, epochs: Int) -> Double {
    let (train, _) = loadDigits()
    let model = multilayerPerceptron([64, 128, 64, 10], seed: 0)
    let optimizer = Adam(for: model, learningRate: 1e-3)
    var times: [Double] = []
    for epoch in 0...epochs {
        try! group.barrier()
        let t0 = now()
        _ = try! model.fit(train.inputs, train.labels!, loss: .softmaxCrossEntropy, optimizer: optimizer, epochs: 1,
                           batchSize: 32 / group.size, verbosity: .silent, generator: SeededGenerator(seed: UInt64(epoch)),
                           processGroup: group)
        if epoch > 0 { times.append(Double(now() - t0) / 1e6) }
    }
    return Summary(times).median
}

/// The median time of one wide step (global batch 128, split over the processes), after two untimed steps.
private func wideStepMilliseconds(group: ProcessGroup, repeats: Int) -> Double {
    let (x, labels) = wideBatch()
    let share = 128 / group.size
    let rows = Array((group.rank * share)..<((group.rank + 1) * share))
    let localX = x.gathering(atIndices: rows, alongAxis: 0)
    let localLabels = rows.map { labels[$0] }
    let model = multilayerPerceptron([784, 512, 512, 10], seed: 7)
    let optimizer = Adam(for: model, learningRate: 1e-3)
    var times: [Double] = []
    for _ in 0..<(repeats + 2) {
        try! group.barrier()
        let t0 = now()
        optimizer.zeroGrad()
        softmaxCrossEntropy(logits: model(Variable(localX, requiresGrad: false)), labels: localLabels).backward()
        try! group.averageGradients(of: model)
        optimizer.step()
        times.append(Double(now() - t0) / 1e6)
    }
    return Summary(Array(times.dropFirst(2))).median
}

/// The median time of one in-place allreduce of `count` Floats, after two untimed ones.
private func allReduceMilliseconds(group: ProcessGroup, count: Int, repeats: Int) -> Double {
    var t = Tensor<Float>(repeating: Float(group.rank), shape: [count])
    var times: [Double] = []
    for _ in 0..<(repeats + 2) {
        try! group.barrier()
        let t0 = now()
        try! group.allReduce(&t)
        times.append(Double(now() - t0) / 1e6)
    }
    return Summary(Array(times.dropFirst(2))).median
}

private func findExecutable(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}
