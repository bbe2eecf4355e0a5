import AutoDiff

/// Paths that once cost far more than their plain counterpart (issue 19), each beside it on 160,000 Doubles, one
/// thread: the ratio is what matters (goal: at most 1.5×).
func runSlowPathsBenchmark(repeats: Int) {
    let n = 160_000
    var rng = SeededGenerator(seed: 7)
    let v0 = Tensor<Double>.randomNormal(shape: [n], using: &rng)
    let w0 = Tensor<Double>.randomNormal(shape: [n], using: &rng)
    let previous = Parallelism.threadCount
    Parallelism.threadCount = 1
    defer { Parallelism.threadCount = previous }

    func time(_ body: () -> Void) -> Double {
        var samples: [Double] = []
        for _ in 0..<(repeats + 1) {
            let t0 = now()
            body()
            samples.append(Double(now() - t0) / 1e6)
        }
        return Summary(Array(samples.dropFirst())).median
    }
    func row(_ name: String, _ slow: Double, _ plain: Double, _ plainName: String) {
        print("  \(name.padding(toLength: 44, withPad: " ", startingAt: 0)) \(format(slow, 3)) ms vs \(format(plain, 3)) ms \(plainName): \(format(slow / plain))×")
        report["slow-paths.\(name)"] = slow / plain
    }
    print("slow paths: 160,000 Doubles, 1 thread, median of \(repeats) runs (ratio to the plain counterpart; goal ≤ 1.5×)")

    // 1. The functional API against leaves plus backward() for the same function.
    let lse: (Variable<Double>) -> Variable<Double> = { v in
        let m = v.value.max()
        return log(exp(v - m).sum()) + m
    }
    let functional = time { _ = gradient(at: v0, of: lse) }
    let leaves = time { let v = Variable(v0); lse(v).backward(); _ = v.grad }
    row("gradient(at:of:) lse", functional, leaves, "leaf + backward()")

    // 2. An elementwise product with a broadcast operand against a dense one.
    let one = Tensor<Double>(1.0)
    let broadcast = time { _ = one.broadcasted(to: [n]) * w0 }
    let dense = time { _ = v0 * w0 }
    row("broadcast(1.0) * w", broadcast, dense, "x * w")

    // 3. backward() through sum() (its seed broadcast to the shape) against the seed given.
    let throughSum = time { let v = Variable(v0); (v * w0).sum().backward(); _ = v.grad }
    let seeded = time { let v = Variable(v0); (v * w0).backward(seed: Tensor.ones(shape: [n])); _ = v.grad }
    row("(v * w).sum().backward()", throughSum, seeded, "(v * w).backward(seed:)")

    // 4. max along an axis against sum along it.
    let maxBackward = time { let v = Variable(v0); v.max(alongAxes: [0]).backward(); _ = v.grad }
    let sumBackward = time { let v = Variable(v0); v.sum(alongAxes: [0]).backward(); _ = v.grad }
    row("v.max(alongAxes: [0]).backward()", maxBackward, sumBackward, "sum(alongAxes:)")

    // 5. A leaf used twice against two leaves.
    let twice = time { let v = Variable(v0); (v * v).backward(seed: Tensor.ones(shape: [n])); _ = v.grad }
    let two = time { let a = Variable(v0), b = Variable(w0); (a * b).backward(seed: Tensor.ones(shape: [n])); _ = a.grad }
    row("(v * v) backward", twice, two, "(a * b)")
}
