import AutoDiff

/// The cost of one recorded scalar operation, without any model code around it: a chain
/// y ← y · w + b of a million nodes (2 per step), forward and backward. With w = 1 the gradient stays 1
/// all along the chain (a shrinking one would end in subnormal numbers, whose arithmetic is ~100× slower).
func runChainBenchmark(repeats: Int) {
    let steps = 1_000_000 / 2
    var forward: [Double] = [], backward: [Double] = []
    let w = Variable(1.0), b = Variable(1e-7)
    for _ in 0..<(repeats + 2) {
        w.zeroGrad(); b.zeroGrad()
        let t0 = now()
        var y = Variable(0.5, requiresGrad: false)
        for _ in 0..<steps { y = y * w + b }
        let t1 = now()
        y.backward()
        let t2 = now()
        forward.append(Double(t1 - t0) / Double(2 * steps))
        backward.append(Double(t2 - t1) / Double(2 * steps))
    }
    let f = Summary(Array(forward.dropFirst(2))), g = Summary(Array(backward.dropFirst(2)))
    print("chain: y ← y·w + b, \(2 * steps) scalar nodes, \(repeats) runs")
    print("  forward            \(format(f.median)) ns/node (min \(format(f.min)), max \(format(f.max)))")
    print("  backward           \(format(g.median)) ns/node (min \(format(g.min)), max \(format(g.max)))")
}
