import Testing
import AutoDiff

@Suite("Functional API")
struct FunctionalTests {
    let t = Tensor<Double>([1, 2, 3])

    @Test("gradient(at:of:) and valueWithGradient(at:of:)")
    func gradientAt() {
        #expect(gradient(at: t, of: { x in (x * x).sum() }) == Tensor([2, 4, 6]))
        let (value, grad) = valueWithGradient(at: t, of: { x in (x * x).sum() })
        #expect(value == Tensor(14.0))
        #expect(grad == Tensor([2, 4, 6]))
        #expect(gradient(at: t, of: { _ in Variable(Tensor(1.0), requiresGrad: false) }) == Tensor([0, 0, 0]))
    }

    @Test("gradients(at:of:) returns one gradient per input")
    func gradientsAt() {
        let a = Tensor<Double>([1, 2]), b = Tensor<Double>([3, 4])
        let gs = gradients(at: [a, b], of: { xs in (xs[0] * xs[1]).sum() })
        #expect(gs == [b, a])
    }

    @Test("valueWithPullback(at:of:) gives a reusable vector–Jacobian product")
    func pullback() {
        let (value, pb) = valueWithPullback(at: t, of: { x in x * x })
        #expect(value == Tensor([1, 4, 9]))
        #expect(pb(Tensor([1, 1, 1])) == Tensor([2, 4, 6]))
        #expect(pb(Tensor([0, 1, 0])) == Tensor([0, 4, 0]))
    }

    @Test("jacobian(at:of:) has shape f(t).shape + t.shape")
    func jacobianShape() {
        let j = jacobian(at: t, of: { x in matmul(Tensor<Double>([[1, 2, 3], [4, 5, 6]]), x * x) })
        #expect(j.shape == [2, 3])
        #expect(j == Tensor([[2, 8, 18], [8, 20, 36]]))
    }

    @Test("the functional API leaves the caller's graph alone")
    func isolation() {
        let w = Variable(2.0)
        let y = w * w
        _ = gradient(at: t, of: { x in (x * x).sum() })
        y.backward()
        #expect(w.grad!.scalar == 4)
    }
}

@Suite("Hessians of closed-form functions")
struct HessianTests {
    @Test("Σ xᵢ³ has Hessian diag(6x)")
    func cubes() {
        let x = Tensor<Double>([1, -2, 0.5])
        let h = hessian(at: x, of: { v in (v * v * v).sum() })
        #expect(h == Tensor([[6, 0, 0], [0, -12, 0], [0, 0, 3]]))
    }

    @Test("xᵀAx has Hessian A + Aᵀ")
    func quadraticForm() {
        let a = Tensor<Double>([[1, 2, 0], [0, 3, 4], [5, 0, 6]])
        let x = Tensor<Double>([0.3, -1, 2])
        let h = hessian(at: x, of: { v in matmul(v, matmul(a, v)) })
        #expect(h.isAlmostEqual(to: a + a.transposed(), absoluteTolerance: 1e-12))
    }

    @Test("logSumExp has Hessian diag(p) − p pᵀ with p = softmax(x)")
    func logSumExpHessian() {
        let x = Tensor<Double>([0.5, -1, 2, 0])
        let h = hessian(at: x, of: { v in logSumExp(v, alongAxes: 0) })
        let p = softmax(x)
        var expected = Tensor<Double>.zeros(shape: [4, 4])
        for i in 0..<4 {
            for j in 0..<4 {
                expected[element: [i, j]] = (i == j ? p.scalars[i] : 0) - p.scalars[i] * p.scalars[j]
            }
        }
        #expect(h.isAlmostEqual(to: expected, absoluteTolerance: 1e-12))
    }

    @Test("a user-defined operation is differentiable twice")
    func customSecondOrder() {
        let h = hessian(at: Tensor<Double>([2.0]), of: { v in cube(v).sum() })
        #expect(h == Tensor([[12.0]]))
    }
}
