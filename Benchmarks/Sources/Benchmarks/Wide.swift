import AutoDiff
import NN

/// The wide workload: an MLP 784-512-512-10 (ReLU) on seeded random data, batch 128, one forward + backward +
/// Adam step, on 1 and 2 threads.
func runWideBenchmark(repeats: Int) {
    let (x, labels) = wideBatch()
    print("wide: MLP 784-512-512-10, batch 128, one forward + backward + Adam step, median of \(repeats) runs, \(matrixBackend)")
    report["system_blas"] = (SystemBLAS.libraryName != nil && SystemBLAS.isEnabled) ? 1 : 0
    var losses: [Int: Float] = [:]
    for threads in [1, 2] {
        Parallelism.threadCount = threads
        let model = multilayerPerceptron([784, 512, 512, 10], seed: 7)
        let optimizer = Adam(for: model, learningRate: 1e-3)
        var times: [Double] = []
        var loss: Float = 0
        for _ in 0..<(repeats + 2) {
            let t0 = now()
            optimizer.zeroGrad()
            let l = softmaxCrossEntropy(logits: model(Variable(x, requiresGrad: false)), labels: labels)
            l.backward()
            optimizer.step()
            times.append(Double(now() - t0) / 1e6)
            loss = l.scalar
        }
        losses[threads] = loss
        report["wide.step_ms.\(threads)"] = Summary(Array(times.dropFirst(2))).median
        let s = Summary(Array(times.dropFirst(2)))
        print("  \(threads) thread\(threads == 1 ? " " : "s")          \(format(s.median)) ms per step (min \(format(s.min)), max \(format(s.max)))")
    }
    print("  loss after the steps: \(losses[1]!) (1 thread), \(losses[2]!) (2 threads)\(losses[1] == losses[2] ? ", identical" : ", DIFFERENT")")
    Parallelism.threadCount = 1
}

/// The wide workload's seeded random batch: 128 inputs of 784 standard normal values, labels 0–9.
func wideBatch() -> (Tensor<Float>, [Int]) {
    var rng = SeededGenerator(seed: 7)
    let x = Tensor<Float>.randomNormal(shape: [128, 784], using: &rng)
    return (x, (0..<128).map { _ in Int(rng.next() % 10) })
}

/// Which code runs the matrix products: the system BLAS (by name) or the built-in kernels (`AUTODIFF_BLAS=off`, or
/// no BLAS installed).
var matrixBackend: String {
    SystemBLAS.libraryName != nil && SystemBLAS.isEnabled ? "system BLAS \(SystemBLAS.libraryName ?? "")" : "built-in kernels"
}
