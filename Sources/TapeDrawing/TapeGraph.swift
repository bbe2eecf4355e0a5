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

        /// A node (made by the library when it reads a graph off a tape).
        package init(id: Int, operation: String, shape: [Int], value: String, gradient: String?, inputs: [Int],
                     place: String?, kind: Kind) {
            self.id = id
            self.operation = operation
            self.shape = shape
            self.value = value
            self.gradient = gradient
            self.inputs = inputs
            self.place = place
            self.kind = kind
        }
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

    /// A graph of these nodes, in tape order.
    package init(nodes: [Node]) {
        self.nodes = nodes
    }

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
    package func collapsed(_ groupOf: [Int: (name: String, end: Int)]) -> TapeGraph {
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
