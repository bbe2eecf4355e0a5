import Testing
import AutoDiff

/// The paths issue 19 made fast (a fused max rule, one-element broadcasts, gradients accumulated in place, the
/// functional API specialized) give the values they gave before.
@Suite("Slow paths made fast")
struct SlowPathTests {
    @Test("max along axes shares the gradient equally among ties, the same bits as the recorded rule")
    func maxTies() {
        let x = Tensor<Double>([[1, 3, 3], [2, 2, 2], [5, 3, 4]])
        let v = Variable(x)
        v.max(alongAxes: [1]).backward(seed: Tensor([1, 2, 3]))
        let third: Double = 2.0 / 3
        let expected = Tensor<Double>([[0, 0.5, 0.5], [third, third, third], [3, 0, 0]])
        #expect(v.grad == expected)

        let w = Variable(x)
        w.max(alongAxes: [0], keepingDimensions: true).backward(seed: Tensor([[1, 1, 1]]))
        #expect(w.grad == Tensor([[0, 0.5, 0], [0, 0, 0], [1, 0.5, 1]]))

        let ties = Variable(Tensor<Double>([[7, 7], [7, 7]]))
        ties.max(alongAxes: [0, 1]).backward()
        #expect(ties.grad == Tensor([[0.25, 0.25], [0.25, 0.25]]))

        // The fused rule against the generic one (createGraph runs it on Variables), bit for bit.
        for axes in [[0], [1], [0, 1]] {
            let a = Variable(x), b = Variable(x)
            let seed = Tensor<Double>(repeating: -0.3, shape: axes.count == 2 ? [] : [3])
            a.max(alongAxes: axes).backward(seed: seed)
            let recorded = gradients(of: b.max(alongAxes: axes), withRespectTo: [b], seed: seed, createGraph: true)[0]
            #expect(a.grad == recorded.value)
        }
    }

    @Test("a full maximum's gradient (the AVX2 kernel where there is one): g at the maximum, g · 0 elsewhere, shared on ties",
          arguments: [1, 3, 8, 9, 31, 4_099, 160_001])
    func fullMaximumGradient(count: Int) {
        var rng = SeededGenerator(seed: 19)
        let base = Tensor<Double>.randomNormal(shape: [count], using: &rng).scalars
        var tied = base
        if count > 2 { tied[count / 2] = base.max()!; tied[count - 1] = base.max()! }
        for values in [base, tied] {
            let peak = values.max()!
            let hits = values.filter { $0 == peak }.count
            for g in [1.0, -0.3, .infinity, .nan] {
                // The rule written out: g · (hit / ties), with g · 0 (−0 for a negative g, NaN for ∞ or NaN) elsewhere.
                let expected = values.map { g * (($0 == peak ? 1.0 : 0.0) / Double(hits)) }
                let x = Tensor<Double>(shape: [count], scalars: values)
                let got = x.maxPullback(Tensor(g), maximum: Tensor(peak), axes: [0]).scalars
                #expect(got.map(\.bitPattern) == expected.map(\.bitPattern) || (g.isNaN && got.allSatisfy(\.isNaN)))
                let f = Tensor<Float>(shape: [count], scalars: values.map { Float($0) })
                let fPeak = f.scalars.max()!, fHits = f.scalars.filter { $0 == fPeak }.count
                let fExpected = f.scalars.map { Float(g) * (($0 == fPeak ? 1 : 0) / Float(fHits)) }
                let fGot = f.maxPullback(Tensor(Float(g)), maximum: Tensor(fPeak), axes: [0]).scalars
                #expect(fGot.map(\.bitPattern) == fExpected.map(\.bitPattern) || (g.isNaN && fGot.allSatisfy(\.isNaN)))
            }
        }
    }

    @Test("a leaf used two and three times gets the sum of its contributions, and the seed is left alone")
    func leafUsedSeveralTimes() {
        let x = Tensor<Double>([0.5, -1.5, 3])
        let v = Variable(x)
        (v * v).backward(seed: Tensor([1, 1, 1]))
        #expect(v.grad == x * 2)
        let u = Variable(x)
        (u * u * u + u).sum().backward()
        #expect(u.grad!.isAlmostEqual(to: x * x * 3 + 1))

        let seed = Tensor<Double>([1, 2, 3])
        let y = Variable(x)
        let z = y * 1
        (z + z + z).backward(seed: seed)
        #expect(seed == Tensor([1, 2, 3]))
        #expect(y.grad == Tensor([3, 6, 9]))

        // A leaf's gradient accumulated in place leaves the tensors it started from alone.
        let leaf = Variable(x)
        leaf.backward(seed: seed)
        let first = leaf.grad!
        leaf.backward(seed: seed)
        (leaf * 2).backward(seed: seed)
        #expect(seed == Tensor([1, 2, 3]))
        #expect(first == Tensor([1, 2, 3]))
        #expect(leaf.grad == Tensor([4, 8, 12]))
    }

    @Test("one element broadcast to a shape, or combined with a tensor, is repeated like a scalar")
    func oneElementBroadcast() {
        let one = Tensor<Double>([2])
        #expect(one.broadcasted(to: [2, 3]) == Tensor(repeating: 2, shape: [2, 3]))
        let w = Tensor<Double>([1, 2, 3])
        #expect(one * w == Tensor([2, 4, 6]))
        #expect(w - one == Tensor([-1, 0, 1]))
        let column = Tensor<Double>([[2]])
        #expect((column - w).shape == [1, 3])
        #expect(column - w == Tensor([[1, 0, -1]]))
    }

    @Test("gradient(at:of:) gives the same bits as leaves and backward()")
    func functionalMatchesLeaves() {
        var rng = SeededGenerator(seed: 3)
        let x = Tensor<Double>.randomNormal(shape: [50], using: &rng)
        let lse: (Variable<Double>) -> Variable<Double> = { v in
            let m = v.value.max()
            return log(exp(v - m).sum()) + m
        }
        let v = Variable(x)
        lse(v).backward()
        #expect(gradient(at: x, of: lse) == v.grad!)
    }

    @Test("the max gradient, an accumulated leaf and a sum's gradient give the same bits on 1 and 2 threads")
    func threadCounts() {
        var rng = SeededGenerator(seed: 19)
        let x = Tensor<Float>.randomNormal(shape: [70_000], using: &rng)
        let w = Tensor<Float>.randomNormal(shape: [70_000], using: &rng)
        func run(_ threads: Int) -> [Tensor<Float>] {
            let saved = Parallelism.threadCount
            Parallelism.threadCount = threads
            defer { Parallelism.threadCount = saved }
            let a = Variable(x), b = Variable(x), c = Variable(x)
            a.max(alongAxes: [0]).backward()
            (b * b * w).sum().backward()
            (c * w).sum().backward()
            return [a.grad!, b.grad!, c.grad!]
        }
        #expect(run(1) == run(2))
    }
}
