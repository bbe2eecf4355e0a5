import AutoDiff

/// micrograd's demo workload, on scalar (rank-0) variables: the same network, data and loss as its
/// `demo.ipynb` (make_moons(n_samples=100, noise=0.1), MLP(2, [16, 16, 1]), SVM "max-margin" loss + 1e-4·L2).
struct ScalarMLP {
    /// Weights of layer l: [neuron][input]; biases: [neuron].
    var weights: [[[Variable<Double>]]] = []
    var biases: [[Variable<Double>]] = []

    init(sizes: [Int], using rng: inout SeededGenerator) {
        for l in 0..<(sizes.count - 1) {
            weights.append((0..<sizes[l + 1]).map { _ in
                (0..<sizes[l]).map { _ in Variable(rng.nextUniform() * 2 - 1) }
            })
            biases.append((0..<sizes[l + 1]).map { _ in Variable(0.0) })
        }
    }

    var parameters: [Variable<Double>] { zip(weights, biases).flatMap { w, b in w.flatMap { $0 } + b } }

    func callAsFunction(_ x: [Variable<Double>]) -> Variable<Double> {
        var h = x
        for l in 0..<weights.count {
            let layer = weights[l]
            h = (0..<layer.count).map { j in
                let row = layer[j]
                var z = biases[l][j]
                for k in 0..<row.count { z = z + row[k] * h[k] }
                return l == weights.count - 1 ? z : relu(z)
            }
        }
        return h[0]
    }

    /// The same network evaluated with plain Doubles: the baseline for the overhead ratio.
    func plain(_ x: [Double]) -> Double {
        var h = x
        for l in 0..<weights.count {
            h = (0..<weights[l].count).map { j in
                var z = biases[l][j].scalar
                for (w, xi) in zip(weights[l][j], h) { z += w.scalar * xi }
                return l == weights.count - 1 ? z : Swift.max(z, 0)
            }
        }
        return h[0]
    }
}

/// scikit-learn's make_moons: two interleaving half circles with Gaussian noise; labels −1 and +1.
func twoMoons(count: Int, noise: Double, using rng: inout SeededGenerator) -> ([[Double]], [Double]) {
    let outer = count / 2, inner = count - outer
    var points: [[Double]] = [], labels: [Double] = []
    for k in 0..<outer {
        let t = Double.pi * Double(k) / Double(outer - 1)
        points.append([cosine(t) + noise * rng.nextNormal(), sine(t) + noise * rng.nextNormal()])
        labels.append(-1)
    }
    for k in 0..<inner {
        let t = Double.pi * Double(k) / Double(inner - 1)
        points.append([1 - cosine(t) + noise * rng.nextNormal(), 1 - sine(t) - 0.5 + noise * rng.nextNormal()])
        labels.append(1)
    }
    return (points, labels)
}

func cosine(_ t: Double) -> Double { cos(Tensor(t)).scalar }
func sine(_ t: Double) -> Double { sin(Tensor(t)).scalar }

func scalarLoss(_ model: ScalarMLP, _ points: [[Double]], _ labels: [Double]) -> Variable<Double> {
    var dataLoss = Variable(0.0, requiresGrad: false)
    for (x, y) in zip(points, labels) {
        let inputs = x.map { Variable($0, requiresGrad: false) }
        let score = model(inputs)
        dataLoss = dataLoss + relu(1 + -y * score)
    }
    dataLoss = dataLoss * (1.0 / Double(points.count))
    var regLoss = Variable(0.0, requiresGrad: false)
    for p in model.parameters { regLoss = regLoss + p * p }
    return dataLoss + 1e-4 * regLoss
}

func runScalarBenchmark(repeats: Int) {
    var rng = SeededGenerator(seed: 1337)
    let model = ScalarMLP(sizes: [2, 16, 16, 1], using: &rng)
    let (points, labels) = twoMoons(count: 100, noise: 0.1, using: &rng)

    var forward: [Double] = [], backward: [Double] = [], plain: [Double] = [], bytes: [Double] = []
    var nodes = 0
    var checksum = 0.0
    var lastLoss = 0.0
    for _ in 0..<(repeats + 2) {   // the first two runs warm up
        for p in model.parameters { p.zeroGrad() }
        let t0 = now()
        let loss = scalarLoss(model, points, labels)
        let t1 = now()
        nodes = TapeDiagnostics.currentTapeNodeCount(Double.self)
        let held = TapeDiagnostics.currentTapeByteCount(Double.self)
        let t1b = now()
        loss.backward()
        let t2 = now() - (t1b - t1)
        var total = 0.0
        for (x, y) in zip(points, labels) { total += Swift.max(0, 1 - y * model.plain(x)) }
        let t3 = now() - (t1b - t1)
        checksum += total + loss.scalar
        lastLoss = loss.scalar
        forward.append(Double(t1 - t0) / Double(nodes))
        backward.append(Double(t2 - t1) / Double(nodes))
        plain.append(Double(t3 - t2))
        bytes.append(Double(held) / Double(nodes))
    }
    let f = Summary(Array(forward.dropFirst(2))), b = Summary(Array(backward.dropFirst(2)))
    let p = Summary(Array(plain.dropFirst(2))), m = Summary(Array(bytes.dropFirst(2)))
    let stepMs = (f.median + b.median) * Double(nodes) / 1e6
    print("scalar: micrograd's MLP(2, [16, 16, 1]) step over 100 two-moons points, \(nodes) nodes, \(repeats) runs")
    print("  forward            \(format(f.median)) ns/node (min \(format(f.min)), max \(format(f.max)))")
    print("  backward           \(format(b.median)) ns/node (min \(format(b.min)), max \(format(b.max)))")
    print("  forward+backward   \(format(f.median + b.median)) ns/node, \(format(stepMs, 3)) ms per step")
    print("  memory             \(format(m.median, 1)) bytes/node held by the recorded graph")
    print("  plain Double eval  \(format(p.median / 1e6, 4)) ms; (forward+backward)/plain = \(format(stepMs * 1e6 / p.median, 1))×")
    if checksum.isNaN { print("  (checksum NaN)") }
    report["scalar.step_ms"] = stepMs
    report["scalar.forward_ns"] = f.median
    report["scalar.backward_ns"] = b.median
    report["scalar.bytes_per_node"] = m.median
    report["scalar.ratio_to_plain"] = stepMs * 1e6 / p.median
    report["scalar.nodes"] = Double(nodes)
    report["scalar.loss"] = lastLoss
}
