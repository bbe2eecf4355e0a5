import Foundation
import Testing
import AutoDiff

@Suite("Tape semantics")
struct TapeSemanticsTests {
    @Test("backward accumulates into grad until zeroGrad")
    func accumulation() {
        let x = Variable(Tensor<Double>([1, 2]))
        (x * 3).sum().backward()
        (x * 3).sum().backward()
        #expect(x.grad == Tensor([6, 6]))
        x.zeroGrad()
        #expect(x.grad == nil)
        (x * x).sum().backward()
        #expect(x.grad == Tensor([2, 4]))
    }

    @Test("a broadcast operand receives its gradient summed back to its own shape")
    func broadcastGradient() {
        let w = Variable(Tensor<Double>([1, 2, 3]))
        let x = Variable(Tensor<Double>(shape: [2, 3], scalars: [1, 1, 1, 2, 2, 2]), requiresGrad: false)
        (x * w).sum().backward()
        #expect(w.grad == Tensor([3, 3, 3]))
        let b = Variable(2.0)
        (x + b).sum().backward()
        #expect(b.grad == Tensor(6.0))
    }

    @Test("leaves take part in two graphs built one after the other")
    func twoGraphs() {
        let w = Variable(3.0)
        let y1 = w * w
        let y2 = w * 5
        y1.backward()
        #expect(w.grad!.scalar == 6)
        y2.backward()
        #expect(w.grad!.scalar == 11)
    }

    @Test("retainGraph allows a second backward through the same graph")
    func retainGraph() {
        let x = Variable(2.0)
        let y = exp(x) * x
        y.backward(retainGraph: true)
        let first = x.grad!.scalar
        y.backward()
        #expect(abs(x.grad!.scalar - 2 * first) < 1e-12)
    }

    @Test("constants and detached values receive no gradient")
    func constants() {
        let x = Variable(2.0)
        let k = Variable(Tensor<Double>(3.0), requiresGrad: false)
        let y = x * k + x.detached() * 100
        y.backward()
        #expect(x.grad!.scalar == 3)
        #expect(k.grad == nil)
        #expect(!k.requiresGrad && x.requiresGrad && y.requiresGrad && !y.isLeaf)
    }

    @Test("withoutGradients records nothing")
    func noGrad() {
        let x = Variable(2.0)
        let y = withoutGradients { x * x }
        #expect(!y.requiresGrad)
        #expect(y.scalar == 4)
        #expect(isRecordingGradients)
    }

    @Test("retainGrad keeps an intermediate gradient")
    func retainGrad() {
        let x = Variable(3.0)
        let h = x * x
        h.retainGrad()
        let y = h * 2
        y.backward()
        #expect(h.grad!.scalar == 2)
        #expect(x.grad!.scalar == 12)
    }

    @Test("a seed gives a vector–Jacobian product for a non-scalar output")
    func seeded() {
        let x = Variable(Tensor<Double>([1, 2, 3]))
        let y = x * x
        y.backward(seed: Tensor([1, 0, 2]))
        #expect(x.grad == Tensor([2, 0, 12]))
    }

    @Test("backward(createGraph:) makes the gradient differentiable")
    func createGraph() {
        let x = Variable(Tensor<Double>([1, 2]))
        let y = (x * x * x).sum()
        let g = gradients(of: y, withRespectTo: [x], createGraph: true)[0]   // 3x²
        #expect(g.value == Tensor([3, 12]))
        let h = gradients(of: g.sum(), withRespectTo: [x], retainGraph: true)[0]   // 6x
        #expect(h.value == Tensor([6, 12]))
        y.backward(createGraph: true)
        #expect(x.grad == Tensor([3, 12]))
    }

    @Test("updating a leaf's value takes effect in the next graph")
    func leafUpdate() {
        let w = Variable(1.0)
        let keepAlive = w * 2   // keeps the first tape alive
        w.value = Tensor(5.0)
        (w * w).backward()
        #expect(w.grad!.scalar == 10)
        #expect(keepAlive.scalar == 2)
    }

    @Test("a graph of a million scalar nodes records, differentiates and is released")
    func millionNodes() {
        // Another test on this thread may have left a scalar graph without a backward pass (kept until one).
        let before = TapeDiagnostics.liveTapeCount
        let x = Variable(1.0)
        var y = x
        for _ in 0..<1_000_000 { y = y * 1.000001 }
        y.backward()
        #expect(abs(x.grad!.scalar - pow(1.000001, 1_000_000)) < 1e-6)
        y = Variable(0.0)
        #expect(TapeDiagnostics.liveTapeCount <= before)
    }

    @Test("memory stays flat: 10,000 training steps leave no tape alive between steps")
    func flatMemory() {
        let before = TapeDiagnostics.liveTapeCount
        let w = Variable(Tensor<Double>([0.5, -0.5]))
        let b = Variable(0.0)
        let x = Tensor<Double>(shape: [4, 2], scalars: [0, 0, 0, 1, 1, 0, 1, 1])
        let t = Tensor<Double>([0, 1, 1, 2])
        var losses: [Double] = []
        for step in 0..<10_000 {
            let prediction = matmul(x, w) + b
            let loss = ((prediction - t) * (prediction - t)).mean()
            w.zeroGrad(); b.zeroGrad()
            loss.backward()
            withoutGradients {
                w.value -= w.grad! * 0.05
                b.value -= b.grad! * 0.05
            }
            if step % 1000 == 0 { losses.append(loss.scalar) }
            #expect(TapeDiagnostics.currentTapeNodeCount(Double.self) == 0 || step == 0)
        }
        #expect(TapeDiagnostics.liveTapeCount <= before)
        #expect(losses.last! < 1e-6)
    }

    @Test("scalar training loop: one arena, reused every step, with flat memory")
    func scalarArenaReuse() {
        let before = TapeDiagnostics.liveTapeCount
        let w = Variable(0.5), b = Variable(-0.5)
        let points: [(Double, Double)] = [(0, 1), (1, 3), (2, 5), (3, 7)]
        var sizes: Set<Int> = []
        var loss = 0.0
        for step in 0..<2000 {
            var total = Variable(0.0, requiresGrad: false)
            for (x, y) in points {
                let e = w * x + b - y
                total = total + e * e
            }
            let mean = total / Double(points.count)
            // (the first step may share the arena with a graph another test left without a backward pass)
            if step > 0 { sizes.insert(TapeDiagnostics.currentTapeNodeCount(Double.self)) }
            w.zeroGrad(); b.zeroGrad()
            mean.backward()
            loss = mean.scalar
            withoutGradients {
                w.value -= w.grad! * 0.05
                b.value -= b.grad! * 0.05
            }
        }
        #expect(sizes.count == 1)                        // the same graph each step, from an empty tape
        #expect(TapeDiagnostics.arenaCount(Double.self) <= 2)
        #expect(TapeDiagnostics.liveTapeCount <= before)
        #expect(loss < 1e-8)
        #expect(abs(w.scalar - 2) < 1e-4 && abs(b.scalar - 1) < 1e-4)
    }

    @Test("values of a released scalar graph stay readable, and unreached nodes keep their values")
    func releasedScalarValues() {
        let w = Variable(3.0)
        let y = w * w
        let side = w + 1
        y.backward()
        _ = (w * 2).scalar     // a new graph reuses the arena
        #expect(y.scalar == 9 && side.scalar == 4)
        #expect(y.detached().scalar == 9)
        #expect(w.grad!.scalar == 6)
    }

    /// Each operation that records scalar nodes, written once for rank-0 leaves (scalar nodes: partials from the stored values)
    /// and once for one-element tensors (the tensor rules).
    static let laneCases = ["+", "-", "*", "/", "pow", "pow constant", "- constant", "x * x", "neg", "exp", "log",
                            "sqrt", "abs", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "softplus", "gelu", "silu",
                            "log1p", "expm1"]

    static func laneCase(_ name: String, _ a: Variable<Double>, _ b: Variable<Double>) -> Variable<Double> {
        switch name {
        case "+": return a + b
        case "-": return a - b
        case "*": return a * b
        case "/": return a / b
        case "pow": return pow(a, b)
        case "pow constant": return pow(a, 2.5) * b
        case "- constant": return 3 - a * b
        case "x * x": return a * a + b
        case "neg": return -a * b
        case "exp": return exp(a) * b
        case "log": return log(a) * b
        case "sqrt": return sqrt(a) * b
        case "abs": return abs(a) * b
        case "sin": return sin(a) * b
        case "cos": return cos(a) * b
        case "tan": return tan(a) * b
        case "tanh": return tanh(a) * b
        case "sigmoid": return sigmoid(a) * b
        case "relu": return relu(a - 1) * b
        case "gelu": return gelu(a) * b
        case "silu": return silu(a) * b
        case "log1p": return log1p(a) * b
        case "expm1": return expm1(a) * b
        default: return softplus(a) * b
        }
    }

    @Test("scalar nodes' partials give the tensor rules' gradients", arguments: laneCases)
    func lanePartials(_ name: String) {
        let a = Variable(1.3), b = Variable(0.7)
        Self.laneCase(name, a, b).backward()
        let ta = Variable(Tensor<Double>([1.3])), tb = Variable(Tensor<Double>([0.7]))
        Self.laneCase(name, ta, tb).sum().backward()
        for (lane, tensor) in [(a, ta), (b, tb)] {
            let x = lane.grad?.scalar ?? 0, y = tensor.grad?.scalar ?? 0
            #expect(Swift.abs(x - y) <= 1e-14 * Swift.max(1, Swift.abs(y)), "\(name): \(x) vs \(y)")
        }
    }

    @Test("scalar and tensor nodes mix in one graph")
    func scalarTensorMix() {
        let a = Variable(2.0)
        let x = Variable(Tensor<Double>([1, 2, 3]))
        let s = a * a                       // a scalar node
        let t = (x * s).sum()               // a tensor node using it
        let u = t * a + s                   // a rank-0 node of the tensor graph
        u.backward()
        // u = a³·Σx + a², du/da = 3a²·Σx + 2a = 76, du/dx = a³ = 8
        #expect(a.grad!.scalar == 76)
        #expect(x.grad! == Tensor<Double>([8, 8, 8]))
    }

    @Test("a pullback keeps its scalar graph while other graphs come and go")
    func pullbackKeepsArena() {
        let (value, pullback) = valueWithPullback(at: Tensor<Double>(3.0)) { x in x * x * x }
        for _ in 0..<3 {
            let w = Variable(1.0)
            (w * w).backward()
        }
        #expect(value.scalar == 27)
        #expect(pullback(Tensor(1.0)).scalar == 27)
        #expect(pullback(Tensor(2.0)).scalar == 54)
    }

    @Test("a thread that ends frees its arenas; its scalars are then stale, not dangling")
    func threadExit() {
        final class Box: @unchecked Sendable { var y: Variable<Double>? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let w = Variable(2.0)
            box.y = w * w * w       // recorded, never differentiated
            done.signal()
        }
        thread.start()
        done.wait()
        Thread.sleep(forTimeInterval: 0.05)   // let the thread finish and run its destructors
        #expect(box.y!.scalar == 8)
        #expect(box.y!.grad == nil)
    }

    @Test("Float variables record on their own tape")
    func floatTape() {
        let x = Variable(Tensor<Float>([1, 2, 3]))
        let y = (sigmoid(x) * 2).sum()
        y.backward()
        let s = sigmoid(Tensor<Float>([1, 2, 3]))
        #expect(x.grad!.isAlmostEqual(to: s * (1 - s) * 2))
    }
}

