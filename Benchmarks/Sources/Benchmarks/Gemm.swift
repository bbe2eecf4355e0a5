import AutoDiff

/// Float32 matrix multiplication speed: C = A·B for square n×n matrices, GFLOP/s (2n³ flops), 1 and 2 threads.
func runGemmBenchmark(repeats: Int) {
    for threads in [1, 2] {
        Parallelism.threadCount = threads
        runGemm(repeats: repeats, threads: threads)
    }
    report["system_blas"] = (SystemBLAS.libraryName != nil && SystemBLAS.isEnabled) ? 1 : 0
    Parallelism.threadCount = 1
}

func runGemm(repeats: Int, threads: Int) {
    print("gemm: Float32 n×n matmul, \(threads) thread\(threads == 1 ? "" : "s"), GFLOP/s (2n³ flops per product), median of \(repeats) runs, \(matrixBackend)")
    var rng = SeededGenerator(seed: 3)
    for n in [64, 128, 256, 512, 1024] {
        let a = Tensor<Float>.randomUniform(shape: [n, n], using: &rng)
        let b = Tensor<Float>.randomUniform(shape: [n, n], using: &rng)
        let runs = n >= 1024 ? max(3, repeats / 5) : repeats
        var rates: [Double] = []
        var checksum: Float = 0
        for _ in 0..<(runs + 1) {
            let t0 = now()
            let c = matmul(a, b)
            let seconds = Double(now() - t0) / 1e9
            checksum += c.scalars[0]
            rates.append(2 * Double(n) * Double(n) * Double(n) / seconds / 1e9)
        }
        let s = Summary(Array(rates.dropFirst()))
        report["gemm.\(n).\(threads)"] = s.median
        print("  n = \(String(n).padding(toLength: 5, withPad: " ", startingAt: 0)) \(format(s.median, 1)) GFLOP/s (min \(format(s.min, 1)), max \(format(s.max, 1)))" + (checksum.isNaN ? " nan" : ""))
    }
}
