// Pictures of the recorded graph: the part of the tape a value was computed from, as a TapeGraph
// (TapeGraph.swift in the TapeDrawing module draws it).

extension Variable {
    /// The graph this value was computed from, for pictures (``TapeGraph/dot``, ``TapeGraph/mermaid``,
    /// ``TapeGraph/svg``): call it before `backward()`, or after `backward(retainGraph: true)` to see every
    /// node's gradient too (micrograd's `draw_dot`).
    ///
    /// - Parameters:
    ///   - collapsingGroups: draw each group recorded by ``grouped(_:_:)`` (each layer of a
    ///     `Sequential`) as one node.
    ///   - file: the caller's file, named in error messages (filled in by the compiler).
    ///   - line: the caller's line, likewise.
    @_optimize(none) public func graph(collapsingGroups: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> TapeGraph {
        let site = CallSite(file: file, line: line)
        if let leaf {
            return TapeGraph(nodes: [.init(id: 0, operation: "leaf", shape: shape, value: summarize(value),
                                           gradient: leaf.grad.map { summarize($0) }, inputs: [], place: nil, kind: .leaf)])
        }
        guard let tape = tape("graph()", site: site) else {
            return TapeGraph(nodes: [.init(id: 0, operation: "constant", shape: shape, value: summarize(value),
                                           gradient: nil, inputs: [], place: nil, kind: .constant)])
        }
        if tape.isReleased(Int(index)) {
            usageError("graph()", "the graph was already differentiated and released by backward()",
                       fix: "call graph() before backward(), or pass retainGraph: true to backward()", at: site)
        }
        return tape.graph(from: index, collapsingGroups: collapsingGroups)
    }

    /// Runs `body` on this value and records the nodes it adds as one named group (a layer of a model), so
    /// that ``graph(collapsingGroups:file:line:)`` can draw them as one node. `Sequential` groups each layer.
    public func grouped(_ name: String, _ body: (Variable) throws -> Variable) rethrows -> Variable {
        let before: (id: UInt64, count: Int)?
        if let tape = liveTape {
            before = (tape.id, tape.count)
        } else if let tape = Tape<Scalar>.existing(in: ThreadContext.current) {
            before = (tape.id, tape.count)
        } else {
            before = nil
        }
        let out = try body(self)
        if let tape = out.liveTape {
            let start = before.map { $0.id == tape.id ? Int32($0.count) - 1 : -1 } ?? -1
            if out.index > start { tape.groups.append((name, start, out.index)) }
        }
        return out
    }
}

extension Tape {
    /// The graph of the nodes `root` depends on.
    @_optimize(none) func graph(from root: Int32, collapsingGroups: Bool) -> TapeGraph {
        var needed = [Bool](repeating: false, count: Int(root) + 1)
        needed[Int(root)] = true
        for i in stride(from: Int(root), through: 0, by: -1) where needed[i] {
            for j in inputs(of: i) { needed[Int(j)] = true }
        }
        let gradients = differentiatedRoot == root ? nodeGradients(from: root, needed) : [:]
        var nodes: [TapeGraph.Node] = []
        for i in 0...Int(root) where needed[i] {
            let entry = entries[i]
            let kind: TapeGraph.Kind = entry.isLeaf ? .leaf : entry.isConstant ? .constant : .operation
            let gradient: Tensor<Scalar>? = entry.isLeaf ? leaves[Int(entry.a)].grad : gradients[i]
            nodes.append(.init(id: i, operation: operationName(i), shape: shape(Int32(i)), value: summarize(value(Int32(i))),
                               gradient: gradient.map { summarize($0) }, inputs: inputs(of: i).map { Int($0) },
                               place: sites[Int32(i)]?.text, kind: kind))
        }
        let graph = TapeGraph(nodes: nodes)
        guard collapsingGroups, !groups.isEmpty else { return graph }
        // Each node goes to the outermost group that holds it.
        var groupOf: [Int: (name: String, end: Int)] = [:]
        for group in groups.sorted(by: { $0.end - $0.start > $1.end - $1.start }) {
            for i in Int(group.start + 1)...Int(group.end) where i <= Int(root) && groupOf[i] == nil {
                groupOf[i] = (group.name, Int(group.end))
            }
        }
        return graph.collapsed(groupOf)
    }

    /// dL/dnode for every needed node, by a sweep from `root` with seed 1 that delivers and releases nothing.
    @_optimize(none) func nodeGradients(from root: Int32, _ needed: [Bool]) -> [Int: Tensor<Scalar>] {
        let saved = context.gradientsEnabled
        context.gradientsEnabled = false
        defer { context.gradientsEnabled = saved }
        var grads: [Int: Tensor<Scalar>] = [Int(root): Tensor(repeating: 1, shape: shape(root))]
        for i in stride(from: Int(root), through: 0, by: -1) where needed[i] {
            guard var g = grads[i] else { continue }
            if let nodeHooks = hooks[Int32(i)] { g = applyHooks(nodeHooks, to: g, node: Int32(i), site: .operator) }
            grads[i] = g
            if entries[i].isLeaf || entries[i].isConstant { continue }
            applyRule(i, g) { j, contribution in
                guard var c = contribution, needsGradient(j) else { return }
                let target = shape(j)
                if c.shape != target { c = c.rank != 0 && target.isEmpty ? c.sum() : c.summedToShape(target) }
                grads[Int(j)] = grads[Int(j)].map { $0 + c } ?? c
            }
        }
        return grads
    }
}
