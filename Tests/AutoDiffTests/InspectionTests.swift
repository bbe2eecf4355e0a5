import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import AutoDiff
@testable import TapeDrawing

/// Runs `body` on a thread of its own, whose tapes start empty (node numbers from 0).
func onFreshThread(_ body: @escaping @Sendable () -> Void) {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        body()
        done.signal()
    }
    thread.start()
    done.wait()
}

/// The tape's own robustness (rules that record, generations, in-place updates) and the tools that show
/// what it does: anomaly detection, hooks, the trace.
@Suite("Tape robustness")
struct TapeRobustnessTests {
    @Test("a custom rule whose pullback computes with a leaf does not touch the tape being swept")
    func recordingPullback() {
        let f = DifferentiableFunction<Double>(name: "times3", forward: { xs in xs[0] * 3 }, pullback: { g, _, _ in
            let w = Variable(Tensor<Double>(1.0))
            var a = g
            for _ in 0..<5000 { a = a * w }
            return [a * 3]
        })
        let x = Variable(Tensor<Double>([1, 2, 3]))
        f(x).sum().backward()
        #expect(x.grad == Tensor([3, 3, 3]))
        // Also on a scalar graph, and when the rule's leaf is the differentiated one.
        let s = Variable(2.0)
        let g = DifferentiableFunction<Double>(name: "square", forward: { xs in xs[0] * xs[0] },
                                               pullback: { g, xs, _ in [g * 2 * xs[0] * Variable(1.0)] })
        (g(s) * s).backward()
        #expect(s.grad == Tensor(12.0))
        // createGraph still records the rule, so second derivatives go through it.
        let h = hessian(at: Tensor<Double>([2.0]), of: { g($0).sum() })
        #expect(h == Tensor([[2.0]]))
    }

    @Test("an arena whose generations run out is retired, and its old scalars stay stale")
    func generations() {
        // On a thread of its own, so that its context has no arenas from other tests.
        final class Results: @unchecked Sendable { var staleEachTime: [Bool] = []; var grad = 0.0; var retired = 0; var arenas = 0 }
        let results = Results()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let context = ThreadContext.current
            context.generationLimit = 3
            let w = Variable(2.0)
            var old: [Variable<Double>] = []
            for k in 1...10 {
                let y = w * Double(k)      // reuses the arena of the graph before (or a new one)
                results.staleEachTime.append(old.allSatisfy { $0.liveTape == nil } && y.liveTape != nil)
                y.backward()
                old.append(y)
            }
            results.grad = w.grad!.scalar
            results.retired = context.retiredArenas.count
            results.arenas = TapeDiagnostics.arenaCount(Double.self)
            done.signal()
        }
        thread.start()
        done.wait()
        #expect(results.staleEachTime == Array(repeating: true, count: 10))
        #expect(results.grad == 55)
        #expect(results.retired == 3)      // generations 1, 2, 3 per arena: 10 graphs take 4 arenas
        #expect(results.arenas == 1)
    }

    @Test("updateValue shows the leaf's value to reads inside its body and records the new value afterwards")
    func updateValueReads() {
        let w = Variable(Tensor<Double>([1, 2]))
        var seen: Tensor<Double>?
        w.updateValue { value in
            seen = w.value
            value = value + w.value
        }
        #expect(seen == Tensor([1, 2]))
        #expect(w.value == Tensor([2, 4]))
        let y = (w * w).sum()
        y.backward()
        #expect(w.grad == Tensor([4, 8]))
        // In place: the storage is written, not copied.
        let v = Variable(Tensor<Double>([1, 2, 3]))
        let before = v.value.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        v.updateValue { $0.withUnsafeMutableBufferPointer { $0[0] = 5 } }
        #expect(v.value.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == before)
        #expect(v.value == Tensor([5, 2, 3]))
        let s = Variable(3.0)
        _ = (s * s)                       // records s on the current tape
        s.updateValue { $0 = $0 + 1 }
        (s * s).backward()
        #expect(s.grad == Tensor(8.0))
    }

    @Test("reading .grad of a computed value warns once, naming retainGrad()")
    func nonLeafGradWarning() async {
        let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            let x = Variable(Tensor<Double>([1, 2]))
            let y = x * x
            y.sum().backward(retainGraph: true)
            _ = y.grad
            _ = (x * 3).grad
            let z = x * 2
            z.retainGrad()
            z.sum().backward()
            if z.grad != Tensor([1, 1]) { exit(1) }
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("retainGrad()"))
        #expect(text.components(separatedBy: "retainGrad()").count == 2)   // printed once
    }
}

/// The anomaly `body` throws, if any (a plain function: `#line` defaults inside a macro's closure are not
/// the source lines).
func anomaly(_ body: () throws -> Void) -> AnomalyError? {
    do {
        try withAnomalyDetection(body)
    } catch let error as AnomalyError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
    }
    return nil
}

@Suite("Anomaly detection")
struct AnomalyDetectionTests {
    @Test("log(0) forward is named with the caller's line")
    func forwardLog() throws {
        let x = Variable(Tensor<Double>([1, 2, 3]))
        var line = 0
        do {
            try withAnomalyDetection {
                line = #line + 1
                let loss = log(x - 1).sum()
                loss.backward()
            }
            Issue.record("no anomaly thrown")
        } catch let anomaly as AnomalyError {
            #expect(anomaly.operation == "log")
            #expect(anomaly.phase == .forward)
            #expect(anomaly.file == "AutoDiffTests/InspectionTests.swift")
            #expect(anomaly.line == line)
            #expect(anomaly.placeIsExact)
            #expect(anomaly.inputShapes == [[3]])
            #expect(anomaly.inputsFinite)
            let text = "\(anomaly)"
            #expect(text.contains("log (forward)") && text.contains("-inf") && text.contains("Fix:"))
            #expect(text.contains("InspectionTests.swift:\(line)"))
        }
    }

    @Test("the origin, not the propagation: a NaN carried through ten operations names the one that made it")
    func origin() throws {
        let x = Variable(Tensor<Double>([-1, 2]))
        let error = anomaly {
                var y = sqrt(x)                       // sqrt(-1) = NaN
                for _ in 0..<10 { y = exp(y * 0.5) + 1 }
                y.sum().backward()
        }
        #expect(error?.operation == "sqrt")
        #expect(error?.phase == .forward)
    }

    @Test("an operator has no call site: the nearest recorded place is given, with a note")
    func operatorPlace() throws {
        let x = Variable(Tensor<Double>([0, 1]))
        var line = 0
        let error = anomaly {
                line = #line + 1
                let loss = (x / x).sum()
                loss.backward()
        }
        #expect(error?.operation == "/")
        #expect(error?.placeIsExact == false)
        #expect(error?.line == line)
        #expect(error?.note?.contains("operator") == true)
        #expect(error?.note?.contains("`sum`") == true)
        #expect(error?.note?.contains("no operation") == false)
    }

    @Test("backward: sqrt at 0, pow(x, 0.5) at 0 and a custom rule's NaN are found in their rules")
    func backwardRules() throws {
        let x = Variable(Tensor<Double>([0, 4]))
        var line = 0
        var error = anomaly {
                line = #line + 1
                let y = sqrt(x)
                y.sum().backward()
        }
        #expect(error?.operation == "sqrt" && error?.phase == .backward && error?.line == line)
        error = anomaly { pow(x, 0.5).sum().backward() }
        #expect(error?.operation == "pow" && error?.phase == .backward)
        let bad = DifferentiableFunction<Double>(name: "badRule", forward: { $0[0] * 2 },
                                                 pullback: { g, _, _ in [g * Double.nan] })
        error = anomaly { bad(x).sum().backward() }
        #expect(error?.operation == "badRule" && error?.phase == .backward)
    }

    @Test("scalar graphs are watched too, and a clean body returns its value")
    func scalarsAndClean() throws {
        let a = Variable(0.0)
        let error = anomaly { (log(a) * 2).backward() }
        #expect(error?.operation == "log" && error?.phase == .forward)
        let b = Variable(2.0)
        let value = try withAnomalyDetection { () -> Double in
            let y = log(b) * b
            y.backward()
            return y.scalar
        }
        #expect(Swift.abs(value - 2 * Foundation.log(2.0)) < 1e-12)
        #expect(!ThreadContext.current.watching)   // nothing watched after the scope
    }

    @Test("a function built from operations can attribute them to its caller's line")
    func callerPlace() {
        func logLoss(_ x: Variable<Double>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Double> {
            withCallerPlace(file: file, line: line) { (log(x) * x).mean() }
        }
        let x = Variable(Tensor<Double>([0, 1]))
        var line = 0
        let error = anomaly {
            line = #line + 1
            logLoss(x).backward()
        }
        #expect(error?.operation == "log" && error?.line == line && error?.placeIsExact == true)
        #expect(error?.file == "AutoDiffTests/InspectionTests.swift")
    }

    @Test("scopes nest: the inner one reports its own anomaly, the outer one continues")
    func nesting() throws {
        let x = Variable(Tensor<Double>([0, 1]))
        try withAnomalyDetection {
            let inner = anomaly { _ = log(x) }
            #expect(inner?.operation == "log")
            _ = exp(x)
        }
    }
}

@Suite("Gradient hooks")
struct GradientHookTests {
    @Test("a leaf's hook sees each backward pass's gradient and its result is accumulated")
    func leafHook() {
        let w = Variable(Tensor<Double>([1, 2]))
        var calls = 0
        let handle = w.registerHook { g in
            calls += 1
            return g * 0.5
        }
        (w * w).sum().backward()
        #expect(w.grad == Tensor([1, 2]))
        #expect(calls == 1)
        handle.remove()
        (w * w).sum().backward()
        #expect(w.grad == Tensor([3, 6]))
        #expect(calls == 1)
    }

    @Test("a node's hook gets its accumulated gradient once, and what it returns flows upstream")
    func nodeHook() {
        let x = Variable(Tensor<Double>([1, 2, 3]))
        let y = x * 2
        var seen: [Tensor<Double>] = []
        y.registerHook { g in
            seen.append(g)
            return g * 10
        }
        (y * y + y).sum().backward()     // y used three times
        #expect(seen == [Tensor([5, 9, 13])])   // 2y + 1, once
        #expect(x.grad == Tensor([100, 180, 260]))
        // Scalar graphs: the same on the lane.
        let a = Variable(3.0)
        let b = a * a
        b.registerHook { $0 * 0 }
        (b + a).backward()
        #expect(a.grad == Tensor(1.0))
    }

    @Test("hooks apply in a recorded backward pass (createGraph) too")
    func createGraphHooks() {
        let w = Variable(Tensor<Double>(2.0))
        let y = w * w * w
        let cube = w * w
        cube.registerHook { $0 * 2 }   // on a node of the graph: d(y)/d(cube) = w, doubled
        let handle = w.registerHook { $0 + 1 }
        let g = gradients(of: y * 1 + cube, withRespectTo: [w], createGraph: true)[0]
        // dy/dw = 3w² = 12 (y does not go through `cube`); d(cube)/dw·2 = 2w·2 = 8; then the leaf hook adds 1.
        #expect(g.value == Tensor(21.0))
        handle.remove()
        _ = y
    }

    @Test("gradient clipping per parameter with a hook")
    func clipping() {
        let w = Variable(Tensor<Double>([1, -1]))
        w.registerHook { g in g.map { Swift.max(-1, Swift.min(1, $0)) } }
        (w * Tensor([10, -0.5])).sum().backward()
        #expect(w.grad == Tensor([1, -0.5]))
    }
}

@Suite("Tape trace")
struct TapeTraceTests {
    @Test("the trace writes each node as recorded and each rule as applied")
    func trace() {
        final class Lines: @unchecked Sendable { var all: [String] = [] }
        let collected = Lines()
        onFreshThread {
            withTapeTrace(to: { collected.all.append($0) }) {
                let a = Variable(2.0), b = Variable(-3.0)
                let y = a * b + a
                y.backward()
            }
        }
        let lines = collected.all
        let text = lines.joined(separator: "\n")
        #expect(lines.first == "#0 leaf = 2")
        #expect(text.contains("#2 = #0 * #1 = -6"))
        #expect(text.contains("#3 = #2 + #0 = -4"))
        #expect(text.contains("#3 +: gradient 1"))
        #expect(text.contains("→ #0 (leaf) += -3"))
        #expect(text.contains("#0 leaf: gradient -2"))
    }

    @Test("functions and methods show the caller's line; operators none")
    func places() {
        var lines: [String] = []
        let x = Variable(Tensor<Double>([0.5, -1]))
        let line = #line + 2
        withTapeTrace(to: { lines.append($0) }) {
            let y: Variable<Double> = exp(x) * log(x * x) + leakyRelu(x) + log1p(expm1(x)) + pow(x, 2); _ = y.sum()
        }
        let here = "(AutoDiffTests/InspectionTests.swift:\(line))"
        for op in ["exp", "log", "leakyRelu", "log1p", "expm1", "pow", "sum"] {
            #expect(lines.contains { $0.contains(" = \(op)(") && $0.hasSuffix(here) }, "\(op)")
        }
        #expect(lines.contains { $0.contains(" * ") && !$0.contains("(AutoDiffTests") })   // an operator has none
        let asValue: (Variable<Double>) -> Variable<Double> = relu   // an activation passed as a value
        #expect(asValue(x).value == Tensor([0.5, 0]))
    }
}

@Suite("Tape graph")
struct TapeGraphTests {
    @Test("each node shows its operation, shape, value and, after backward(retainGraph: true), its gradient")
    func nodes() {
        let a = Variable(2.0), b = Variable(-3.0)
        let y = a * b + a
        let before = y.graph()
        #expect(before.nodes.map(\.operation) == ["leaf", "leaf", "*", "+"])
        #expect(before.nodes.map(\.value) == ["2", "-3", "-6", "-4"])
        #expect(before.nodes.allSatisfy { $0.gradient == nil })
        #expect(before.nodes.last?.inputs == [before.nodes[2].id, before.nodes[0].id])
        y.backward(retainGraph: true)
        let after = y.graph()
        #expect(after.nodes.map(\.gradient) == ["-2", "2", "1", "1"])
        let x = Variable(Tensor<Double>([0.5, 1]))
        let z = (x * 1.23456).sum()
        let values = z.graph().nodes.map(\.value)
        #expect(values.contains("[0.6173, 1.2346]"))
        #expect(values.contains("1.2346"))
        #expect(z.graph().nodes.map(\.shape).contains([2]))
    }

    @Test("DOT is valid Graphviz (checked with dot where installed), Mermaid lists every node and edge")
    func dotAndMermaid() throws {
        let x = Variable(Tensor<Double>([1, 2, 3]))
        let w = Variable(Tensor<Double>([[0.5, -1, 2], [1, 1, 1]]))
        let y = (tanh(matmul(w, x)) * 2 + 1).sum()
        y.backward(retainGraph: true)
        let graph = y.graph()
        #expect(graph.dot.hasPrefix("digraph tape {"))
        let edges: Int = graph.nodes.reduce(0) { (sum: Int, node: TapeGraph.Node) in sum + node.inputs.count }
        let dotArrows: Int = graph.dot.components(separatedBy: " -> ").count - 1
        #expect(dotArrows == edges)
        #expect(graph.mermaid.hasPrefix("flowchart LR"))
        let mermaidArrows: Int = graph.mermaid.components(separatedBy: " --> ").count - 1
        #expect(mermaidArrows == edges)
        let dot = URL(fileURLWithPath: "/usr/bin/dot")
        guard FileManager.default.isExecutableFile(atPath: dot.path) else { return }
        let process = Process()
        process.executableURL = dot
        process.arguments = ["-Tsvg", "-o", "/dev/null"]
        let input = Pipe()
        process.standardInput = input
        try process.run()
        input.fileHandleForWriting.write(Data(graph.dot.utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test("the SVG is a well-formed document; a tree is laid out without crossings; 300 nodes lay out")
    func layout() {
        // A sum tree: every edge can be drawn without crossing.
        let leaves = (0..<8).map { Variable(Double($0)) }
        var level = leaves
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: 2).map { (i: Int) -> Variable<Double> in level[i] * level[i + 1] + 1 }
        }
        let tree = level[0].graph()
        let layout = GraphLayout(tree)
        #expect(layout.crossings() == 0)
        let svg = tree.svg
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.components(separatedBy: "<rect ").count - 2 == tree.nodes.count)   // plus the background
        #if canImport(FoundationXML)
        #expect(XMLParser(data: Data(svg.utf8)).parse())
        #endif
        // A chain with shared inputs, a few hundred nodes.
        let w = Variable(Tensor<Double>([0.5, -0.25]))
        var h = Variable(Tensor<Double>([1, 2]))
        for _ in 0..<100 { h = tanh(h * w) + h }
        let big = h.sum().graph()
        #expect(big.nodes.count > 300)
        #expect(big.svg.contains("</svg>"))
    }

    @Test("graph() of a released graph stops with a message that says to retain it")
    func released() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Variable(Tensor<Double>([1, 2]))
            let y = (x * x).sum()
            y.backward()
            _ = y.graph()
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("graph(): the graph was already differentiated and released by backward()"))
        #expect(text.contains("retainGraph: true") && text.contains("InspectionTests.swift:"))
    }

    @Test("a model's graph collapses to one node per group")
    func collapsing() {
        let w1 = Variable(Tensor<Double>([[1, 2], [3, 4]])), b1 = Variable(Tensor<Double>([0.5, -0.5]))
        let w2 = Variable(Tensor<Double>([[1, -1]]))
        let x = Variable(Tensor<Double>([[1, 1]]), requiresGrad: false)
        let h = x.grouped("0: Dense") { relu(matmul($0, w1.transposed()) + b1) }
        let y = h.grouped("1: Dense") { matmul($0, w2.transposed()) }.sum()
        let full = y.graph()
        let collapsed = y.graph(collapsingGroups: true)
        #expect(full.nodes.count > collapsed.nodes.count)
        #expect(collapsed.nodes.map(\.operation).suffix(3) == ["0: Dense", "1: Dense", "sum"])
        #expect(collapsed.nodes.last?.inputs == [collapsed.nodes[collapsed.nodes.count - 2].id])
        #expect(collapsed.nodes.first { $0.operation == "1: Dense" }?.inputs == [collapsed.nodes.first { $0.operation == "0: Dense" }!.id])
    }
}

@Suite("Locating a faulty rule")
struct FaultyRuleTests {
    @Test("a failing composite check names the first operation whose own rule is wrong, with its place and element")
    func located() {
        let good = DifferentiableFunction<Double>(name: "cube", forward: { $0[0] * $0[0] * $0[0] },
                                                  pullback: { g, xs, _ in [g * 3 * xs[0] * xs[0]] })
        let broken = DifferentiableFunction<Double>(name: "brokenSquare", forward: { $0[0] * $0[0] },
                                                    pullback: { g, xs, _ in [g * xs[0]] })
        var line = 0
        let report = checkGradients(of: { xs in
            line = #line + 1
            let h = broken(tanh(xs[0] * xs[1]))
            return (log(1 + good(h)) * xs[1]).sum()
        }, at: [Tensor([0.5, -1, 2]), Tensor([1, 0.5, -0.25])])
        #expect(!report.passed)
        let fault = report.faultyRule
        #expect(fault?.operation == "brokenSquare")
        #expect(fault?.file == "AutoDiffTests/InspectionTests.swift" && fault?.line == line)
        #expect(fault?.input == 0)
        #expect(fault.map { Swift.abs($0.numerical - 2 * $0.analytical) < 1e-6 } == true)   // g·x instead of g·2x
        #expect(report.description.contains("Located: the derivative rule of brokenSquare"))
        // Every rule right: nothing located, nothing reported.
        let fine = checkGradients(of: { xs in (log(1 + good(tanh(xs[0]))) * xs[0]).sum() }, at: [Tensor([0.5, -1])])
        #expect(fine.passed && fine.faultyRule == nil)
    }

    @Test("each primitive's own rule agrees with finite differences at the values it saw")
    func primitivesAgree() {
        let report = checkGradients(of: { xs in
            let a = xs[0], b = xs[1]
            let m = matmul(a, b.transposed()) / 3 - pow(a.sum(alongAxes: 1, keepingDimensions: true), 2)
            return (softmax(m, alongAxis: 1) * sigmoid(m) + sqrt(exp(a).mean()) + max(a, b).sum()).sum()
        }, at: [Tensor([[0.5, 1.5], [-0.7, 0.2]]), Tensor([[1.2, -0.4], [0.3, 0.9]])])
        #expect(report.passed)
    }
}
