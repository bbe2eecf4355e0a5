import Testing
import AutoDiff

/// The scalar lane: scalar nodes recorded inline and differentiated from the values their entries store, the
/// sweep's reached marks kept in the entries, and the entry buffer grown in place.
@Suite("Scalar lane")
struct ScalarLaneTests {
    @Test("a recorded branch the output does not use gives nothing, even with an infinite partial, sweep after sweep")
    func unreachedBranch() {
        let x = Variable(0.0)
        let unused = log(x) * 3            // ∂log/∂x = 1/0 = inf: it must not reach x
        let y = x * 2 + x
        y.backward(retainGraph: true)
        #expect(x.grad!.scalar == 3)
        y.backward()                       // the first sweep cleared its marks: the same gradient again
        #expect(x.grad!.scalar == 6)
        #expect(unused.scalar == -.infinity)
    }

    @Test("a node reached with a zero gradient still passes on 0 · ∂ (NaN for an infinite partial), as tensors do")
    func reachedWithZero() {
        let x = Variable(0.0)
        (log(x) * 0).backward()
        let t = Variable(Tensor<Double>([0.0]))
        (log(t) * 0).sum().backward()
        #expect(x.grad!.scalar.isNaN && t.grad!.scalars[0].isNaN)
    }

    @Test("a leaf whose value changes inside a graph is recorded again with the new value")
    func leafChangedInsideGraph() {
        let w = Variable(2.0), x = Variable(3.0)
        let a = w * x                      // w recorded with 2
        let b = a * w                      // the inlined path: w's node of this graph
        w.value = Tensor(5.0)
        let c = b * w                      // w recorded again, with 5
        c.backward()
        #expect(c.scalar == 60)
        // c = (w₀·x)·w₀·w₁: the leaf receives x·w₀·w₁ + w₀·x·w₁ + w₀·x·w₀ = 30 + 30 + 12.
        #expect(w.grad!.scalar == 72)
        #expect(x.grad!.scalar == 20)
    }

    @Test("operations on constants alone record nothing, also while a scalar graph is being recorded")
    func constantsAlone() {
        let w = Variable(2.0)
        let y = w * 3                       // a scalar graph: its arena is the current tape
        let c = Variable(4.0, requiresGrad: false) * Variable(5.0, requiresGrad: false)
        #expect(!c.requiresGrad && c.scalar == 20)
        (y * c).backward()
        #expect(w.grad!.scalar == 60)
    }

    @Test("scalar nodes, leaves and rank-0 constants, paired on either side, record the nodes the derivative needs")
    func operandKinds() {
        let w = Variable(3.0), c = Variable(2.0, requiresGrad: false)
        let n = w * w                      // a scalar node: 9
        // 2w² + w³ + w³ + (w² − 2) + 2w² + 2w + (2 − w) + w²: two nodes, a node and a leaf, a node and a constant,
        // a leaf and a constant, two leaves, each on both sides.
        let y = (n + n) + (n * w) + (w * n) + (n - c) + (c * n) + (w * c) + (c - w) + w * w
        y.backward()
        #expect(y.scalar == 111)
        // 4w + 3w² + 3w² + 2w + 4w + 2 − 1 + 2w at w = 3.
        #expect(w.grad!.scalar == 91)
        let off = withoutGradients { n + n * n }    // two scalar nodes where nothing records: a constant
        #expect(!off.requiresGrad && off.scalar == 90)
    }

    @Test("a chain of 200,000 scalar nodes (its entry buffer grown in place many times) differentiates exactly")
    func longChain() {
        let w = Variable(1.0), b = Variable(1e-3)
        var y = Variable(0.5, requiresGrad: false)
        let steps = 100_000
        var expectedW = 0.0, plain = 0.5
        for _ in 0..<steps {
            expectedW += plain             // ∂y/∂w = Σ the y each step multiplies (w = 1)
            plain = plain * 1 + 1e-3
            y = y * w + b
        }
        #expect(y.scalar == plain)
        y.backward()
        #expect(b.grad!.scalar == Double(steps))
        #expect(Swift.abs(w.grad!.scalar - expectedW) <= 1e-9 * expectedW)
    }

    @Test("a scalar graph on a watched thread and the same graph unwatched give the same gradients")
    func watchedAndPlain() throws {
        func run(_ watched: Bool) throws -> [Double] {
            let p = [Variable(0.3), Variable(-1.2), Variable(2.0)]
            let body = { () -> Variable<Double> in
                var z = p[0] * p[1] + p[2]
                for _ in 0..<5 { z = relu(z * p[0] + p[1]) + tanh(z) * p[2] - z / p[2] }
                return z
            }
            let z = watched ? try withAnomalyDetection(body) : body()
            z.backward()
            return p.map { $0.grad!.scalar }
        }
        #expect(try run(true) == run(false))
    }
}
