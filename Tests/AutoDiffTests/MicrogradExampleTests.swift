import Testing
import AutoDiff

/// micrograd's published example (README of karpathy/micrograd), on rank-0 variables.
@Suite("micrograd's example")
struct MicrogradExampleTests {
    @Test("g = 24.7041, dg/da = 138.8338, dg/db = 645.5773")
    func publishedNumbers() {
        let a = Variable(-4.0)
        let b = Variable(2.0)
        var c = a + b
        var d = a * b + pow(b, 3)
        c = c + c + 1
        c = c + 1 + c - a
        d = d + d * 2 + relu(b + a)
        d = d + 3 * d + relu(b - a)
        let e = c - d
        let f = pow(e, 2)
        var g = f / 2
        g = g + 10 / f
        g.backward()
        #expect(abs(g.scalar - 24.7041) < 5e-5)
        #expect(abs(a.grad!.scalar - 138.8338) < 5e-5)
        #expect(abs(b.grad!.scalar - 645.5773) < 5e-5)
    }

    @Test("a node used several times receives the sum of its gradients")
    func fanOut() {
        let x = Variable(3.0)
        let y = x * x + x   // dy/dx = 2x + 1
        y.backward()
        #expect(x.grad!.scalar == 7)
    }
}
