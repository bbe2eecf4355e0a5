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

    /// Median times of `slow` and `plain`, run alternately (one of each per round, after one warm-up round), so
    /// that both meet the same state of the heap: whether a 1.28 MB buffer comes back warm or page-faults
    /// depends on what ran before, and once moved a row from 1.2× to 2.2× when the runs were in two blocks.
    func pair(_ slow: () -> Void, _ plain: () -> Void) -> (slow: Double, plain: Double) {
        var slowSamples: [Double] = [], plainSamples: [Double] = []
        for _ in 0..<(repeats + 1) {
            var t0 = now()
            slow()
            slowSamples.append(Double(now() - t0) / 1e6)
            t0 = now()
            plain()
            plainSamples.append(Double(now() - t0) / 1e6)
        }
        return (Summary(Array(slowSamples.dropFirst())).median, Summary(Array(plainSamples.dropFirst())).median)
    }
    func row(_ name: String, _ times: (slow: Double, plain: Double), _ plainName: String) {
        let (slow, plain) = times
        print("  \(name.padding(toLength: 44, withPad: " ", startingAt: 0)) \(format(slow, 3)) ms vs \(format(plain, 3)) ms \(plainName): \(format(slow / plain))×")
        report["slow-paths.\(name)"] = slow / plain
    }
    print("slow paths: 160,000 Doubles, 1 thread, median of \(repeats) runs (ratio to the plain counterpart; goal ≤ 1.5×)")

    // 1. The functional API against leaves plus backward() for the same function.
    let lse: (Variable<Double>) -> Variable<Double> = { v in
        let m = v.value.max()
        return log(exp(v - m).sum()) + m
    }
    row("gradient(at:of:) lse", pair({ _ = gradient(at: v0, of: lse) },
                                     { let v = Variable(v0); lse(v).backward(); _ = v.grad }), "leaf + backward()")

    // 2. An elementwise product with a broadcast operand against a dense one.
    let one = Tensor<Double>(1.0)
    row("broadcast(1.0) * w", pair({ _ = one.broadcasted(to: [n]) * w0 }, { _ = v0 * w0 }), "x * w")

    // 3. backward() through sum() (its seed broadcast to the shape) against the seed given.
    row("(v * w).sum().backward()", pair({ let v = Variable(v0); (v * w0).sum().backward(); _ = v.grad },
                                         { let v = Variable(v0); (v * w0).backward(seed: Tensor.ones(shape: [n])); _ = v.grad }),
        "(v * w).backward(seed:)")

    // 4. max along an axis against sum along it.
    row("v.max(alongAxes: [0]).backward()", pair({ let v = Variable(v0); v.max(alongAxes: [0]).backward(); _ = v.grad },
                                                 { let v = Variable(v0); v.sum(alongAxes: [0]).backward(); _ = v.grad }),
        "sum(alongAxes:)")

    // 5. A leaf used twice against two leaves.
    row("(v * v) backward", pair({ let v = Variable(v0); (v * v).backward(seed: Tensor.ones(shape: [n])); _ = v.grad },
                                 { let a = Variable(v0), b = Variable(w0); (a * b).backward(seed: Tensor.ones(shape: [n])); _ = a.grad }),
        "(a * b)")
}
