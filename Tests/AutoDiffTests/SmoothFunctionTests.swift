import Foundation
import Testing
import AutoDiff

/// gelu, silu, log1p and expm1: values and gradients against PyTorch's, and one rule in every regime.
@Suite("gelu, silu, log1p, expm1")
struct SmoothFunctionTests {
    static let points: [Double] = [-3, -0.5, 0, 0.7, 2]

    /// torch.nn.functional.gelu / silu in float64 at `points`, and the gradients of their sums
    /// (torch.autograd.grad), printed by PyTorch 2.
    static let torch: [String: (values: [Double], gradients: [Double])] = [
        "gelu": ([-0.00404969409489031, -0.15426876936299344, 0.0, 0.5306254434438489, 1.9544997361036416],
                 [-0.01194564720418392, 0.13250487534383712, 0.5, 0.9766141011336599, 1.085231801078197]),
        "silu": ([-0.14227761953270035, -0.1887703343990727, 0.0, 0.46773144051771626, 1.7615941559557646],
                 [-0.08810410601516962, 0.2600388126973482, 0.5, 0.8233867834733425, 1.0907842487848955]),
    ]

    static func apply(_ name: String, _ x: Variable<Double>) -> Variable<Double> {
        switch name {
        case "gelu": return gelu(x)
        case "silu": return silu(x)
        case "log1p": return log1p(x)
        default: return expm1(x)
        }
    }

    @Test("gelu and silu match PyTorch's values and gradients (Double and Float)", arguments: ["gelu", "silu"])
    func matchesTorch(_ name: String) {
        let (values, gradients) = Self.torch[name]!
        let x = Variable(Tensor<Double>(Self.points))
        let y = Self.apply(name, x)
        y.sum().backward()
        for i in 0..<values.count {
            #expect(Swift.abs(y.value.scalars[i] - values[i]) <= 1e-15, "\(name)(\(Self.points[i]))")
            #expect(Swift.abs(x.grad!.scalars[i] - gradients[i]) <= 1e-15, "\(name)'(\(Self.points[i]))")
        }
        let xf = Tensor<Float>(Self.points.map(Float.init))
        let yf = name == "gelu" ? gelu(xf) : silu(xf)
        #expect(yf.isAlmostEqual(to: Tensor<Float>(values.map(Float.init)), absoluteTolerance: 1e-6))
    }

    @Test("log1p and expm1 are the C library's, and their derivatives 1/(1+x) and eˣ")
    func log1pExpm1() {
        let points: [Double] = [-0.5, 1e-10, 0.3, 2]
        let x = Variable(Tensor<Double>(points))
        let a = log1p(x)
        a.sum().backward()
        #expect(a.value.scalars == points.map { Foundation.log1p($0) })
        let expected: [Double] = points.map { 1 / (1 + $0) }
        #expect(x.grad!.isAlmostEqual(to: Tensor(expected), absoluteTolerance: 1e-15))
        x.zeroGrad()
        let b = expm1(x)
        b.sum().backward()
        #expect(b.value.scalars == points.map { Foundation.expm1($0) })
        #expect(Swift.abs(b.value.scalars[1] / 1.00000000005e-10 - 1) < 1e-15)   // exp(x) − 1 loses most digits here
        #expect(x.grad!.isAlmostEqual(to: exp(x.value), absoluteTolerance: 1e-15))
        #expect(log1p(Tensor<Float>([1e-8])).scalars[0] == 1e-8)
    }

    @Test("gelu stays accurate far in its negative tail (no cancellation in 1 + erf)")
    func geluTail() {
        let y = gelu(Tensor<Double>([-12, -40])).scalars
        // Φ(−12) = 1.7764821120776e-33 (the standard normal tail)
        #expect(Swift.abs(y[0] / (-12 * 1.7764821120776e-33) - 1) < 1e-9)
        #expect(y[1] == 0 || y[1] < 0)
        #expect(gelu(Tensor<Double>(40)).scalar == 40)
    }

    /// The same rule in the three places a rank-0 value is differentiated: scalar nodes (partials from the values
    /// stored when recorded), a rank-0 node of a tensor graph (differentiated on plain scalars), and tensors.
    @Test("the same gradient, bit for bit, on scalar nodes, in a tensor graph and on tensors",
          arguments: ["gelu", "silu", "log1p", "expm1"])
    func threeRegimes(_ name: String) {
        for v in [-1.7, -0.3, 0.4, 1.3] {
            let lane = Variable(v)
            (Self.apply(name, lane) * 0.7).backward()
            let t = Variable(Tensor<Double>([v]))
            (Self.apply(name, t.sum()) * 0.7).backward()      // t.sum() is a rank-0 node of a tensor graph
            let u = Variable(Tensor<Double>([v]))
            (Self.apply(name, u) * 0.7).sum().backward()
            #expect(lane.grad!.scalar == t.grad!.scalars[0], "\(name)(\(v)): lane vs rank-0 node")
            #expect(lane.grad!.scalar == u.grad!.scalars[0], "\(name)(\(v)): lane vs tensor")
        }
    }

    @Test("gelu differentiates three times: gelu″(x) = φ(x)(2 − x²), gelu‴(x) = φ(x)(x³ − 4x)")
    func geluThirdOrder() {
        let points: [Double] = [-1.5, 0.3, 1.1]
        let x = Variable(Tensor<Double>(points))
        let d1 = gradients(of: gelu(x).sum(), withRespectTo: [x], createGraph: true)[0]
        let d2 = gradients(of: d1.sum(), withRespectTo: [x], createGraph: true)[0]
        let d3 = gradients(of: d2.sum(), withRespectTo: [x])[0]
        let phi = points.map { Foundation.exp(-$0 * $0 / 2) / (2 * Double.pi).squareRoot() }
        let second: [Double] = zip(points, phi).map { x, p in p * (2 - x * x) }
        let third: [Double] = zip(points, phi).map { x, p in p * (x * x * x - 4 * x) }
        #expect(d2.value.isAlmostEqual(to: Tensor(second), absoluteTolerance: 1e-14))
        #expect(d3.value.isAlmostEqual(to: Tensor(third), absoluteTolerance: 1e-14))
    }
}
