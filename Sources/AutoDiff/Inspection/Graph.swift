// The recorded graph as a picture (micrograd's draw_dot, torchviz's make_dot): Graphviz DOT, Mermaid, and an
// SVG laid out by the library itself (GraphLayout.swift).

/// The part of the tape a value was computed from: one node per recorded operation, leaf and constant, each
/// with its operation, shape, value (small tensors) and gradient once known. Made by ``Variable/graph(collapsingGroups:file:line:)``.
///
/// ```swift
/// let graph = loss.graph()
/// try graph.svg.write(toFile: "loss.svg", atomically: true, encoding: .utf8)
/// print(graph.dot)       // for Graphviz: dot -Tpng
/// print(graph.mermaid)   // for Markdown pages that render Mermaid
/// ```
public struct TapeGraph: Sendable, CustomStringConvertible {
    /// One node of the graph.
    public struct Node: Sendable {
        /// The node's number on its tape (or, in a collapsed graph, of the group's output node).
        public let id: Int
        /// The operation (`"*"`, `"log"`, `"matmul"`, a custom function's name), `"leaf"`, `"constant"`, or a
        /// group's name in a collapsed graph.
        public let operation: String
        /// The shape of the value.
        public let shape: [Int]
        /// The value, written out when it has at least one and at most 6 elements (with at least 4 decimals
        /// where not an integer); otherwise the element count.
        public let value: String
        /// The gradient dL/dnode, once a backward pass from this graph's output has run: for a leaf its
        /// accumulated `grad`, for the others the gradient from the output (nil before).
        public let gradient: String?
        /// The nodes whose values this one read, by ``id``.
        public let inputs: [Int]
        /// Where the operation was recorded in the caller's code, when known (`file:line`).
        public let place: String?
        /// The kind of node: leaf, constant, operation or collapsed group.
        public let kind: Kind
    }

    /// What a node stands for.
    public enum Kind: String, Sendable {
        /// A variable the gradients flow to.
        case leaf
        /// A constant (no gradient).
        case constant
        /// An operation recorded on the tape.
        case operation
        /// Several operations drawn as one node, in a collapsed graph.
        case group
    }

    /// The nodes in tape order (inputs before the nodes that read them); the last is the output.
    public let nodes: [Node]

    /// A one-line-per-node listing.
    public var description: String {
        nodes.map { node in
            var line = "#\(node.id) \(node.operation)"
            if !node.inputs.isEmpty { line += "(" + node.inputs.map { "#\($0)" }.joined(separator: ", ") + ")" }
            line += " shape \(node.shape) value \(node.value)"
            if let g = node.gradient { line += " grad \(g)" }
            return line
        }.joined(separator: "\n")
    }

    /// The lines a node shows: operation, shape, value, gradient.
    func label(_ node: Node) -> [String] {
        var lines = [node.operation, node.shape.isEmpty ? "scalar" : "shape \(node.shape)", "value \(node.value)"]
        if let g = node.gradient { lines.append("grad \(g)") }
        return lines
    }

    /// The graph in Graphviz's DOT language, left to right (render with `dot -Tsvg` or `dot -Tpng`).
    public var dot: String {
        func quoted(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        var lines = ["digraph tape {", "  rankdir=LR;",
                     "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];"]
        for node in nodes {
            let label = label(node).map { $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") }
                .joined(separator: "\\n")
            lines.append("  n\(node.id) [label=\"\(label)\", fillcolor=\(quoted(TapeGraph.fill[node.kind]!))];")
        }
        for node in nodes {
            for input in node.inputs { lines.append("  n\(input) -> n\(node.id);") }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The graph as a Mermaid flowchart, left to right.
    public var mermaid: String {
        func escaped(_ s: String) -> String {
            s.replacingOccurrences(of: "\"", with: "#quot;").replacingOccurrences(of: "<", with: "#lt;")
                .replacingOccurrences(of: ">", with: "#gt;")
        }
        var lines = ["flowchart LR"]
        for node in nodes {
            lines.append("  n\(node.id)[\"" + label(node).map(escaped).joined(separator: "<br/>") + "\"]:::\(node.kind.rawValue)")
        }
        for node in nodes {
            for input in node.inputs { lines.append("  n\(input) --> n\(node.id)") }
        }
        for (kind, color) in TapeGraph.fill.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            lines.append("  classDef \(kind.rawValue) fill:\(color),stroke:#555")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The graph as a standalone SVG document, laid out by the library: columns in tape order (each node right
    /// of its inputs), nodes ordered within a column to keep edges from crossing.
    public var svg: String { GraphLayout(self).svg }

    static let fill: [Kind: String] = [.leaf: "#dbeafe", .constant: "#f1f5f9", .operation: "#fef3c7", .group: "#dcfce7"]

    /// One node per group (``Variable/grouped(_:_:)``, e.g. a layer of a model): the group's nodes are drawn
    /// as one, showing the group's output; edges from outside go to it.
    func collapsed(_ groupOf: [Int: (name: String, end: Int)]) -> TapeGraph {
        var rename: [Int: Int] = [:]
        for node in nodes { rename[node.id] = groupOf[node.id]?.end ?? node.id }
        var out: [Node] = []
        for node in nodes {
            if let group = groupOf[node.id] {
                guard node.id == group.end else { continue }
                let members = nodes.filter { groupOf[$0.id]?.end == group.end }
                var inputs: [Int] = []
                for member in members {
                    for i in member.inputs where groupOf[i]?.end != group.end {
                        let target = rename[i] ?? i
                        if !inputs.contains(target) { inputs.append(target) }
                    }
                }
                out.append(Node(id: node.id, operation: group.name, shape: node.shape, value: node.value, gradient: node.gradient,
                                inputs: inputs, place: node.place, kind: .group))
            } else {
                var inputs: [Int] = []
                for i in node.inputs where !inputs.contains(rename[i] ?? i) { inputs.append(rename[i] ?? i) }
                out.append(Node(id: node.id, operation: node.operation, shape: node.shape, value: node.value,
                                gradient: node.gradient, inputs: inputs, place: node.place, kind: node.kind))
            }
        }
        return TapeGraph(nodes: out)
    }
}

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
    public func graph(collapsingGroups: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> TapeGraph {
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
    func graph(from root: Int32, collapsingGroups: Bool) -> TapeGraph {
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
    func nodeGradients(from root: Int32, _ needed: [Bool]) -> [Int: Tensor<Scalar>] {
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
