import Foundation

// A layered drawing of a tape graph (after Sugiyama et al., 1981): columns by longest path from the sources
// (the tape order is already topological), a waypoint in every column an edge passes through, nodes ordered
// within each column by the mean position of their neighbours (a few sweeps right and left), then an SVG
// with curved edges. Few hundred nodes stay readable; no outside tool is needed.

/// The positions of a graph's nodes and edges, and its SVG.
struct GraphLayout {
    /// A box in the drawing: a node of the graph, or a waypoint of an edge crossing a column.
    struct Slot {
        var node: Int?          // index into graph.nodes; nil for a waypoint
        var column: Int
        var order = 0.0
        var y = 0.0
        var height = 0.0
    }

    let graph: TapeGraph
    var slots: [Slot] = []
    /// Each edge as the slots it goes through, from the input's node to the reading node.
    var paths: [[Int]] = []
    var columns: [[Int]] = []
    var columnX: [Double] = []
    var columnWidth: [Double] = []

    static let lineHeight = 14.0
    static let charWidth = 6.7
    static let padding = 8.0
    static let gap = 56.0
    static let verticalGap = 18.0
    static let waypointHeight = 6.0

    init(_ graph: TapeGraph) {
        self.graph = graph
        let position = Dictionary(uniqueKeysWithValues: graph.nodes.enumerated().map { ($1.id, $0) })
        // Columns: one right of the rightmost input; sources (leaves, constants) just left of their first reader.
        var column = [Int](repeating: 0, count: graph.nodes.count)
        for (k, node) in graph.nodes.enumerated() {
            column[k] = node.inputs.compactMap { position[$0] }.map { column[$0] + 1 }.max() ?? 0
        }
        var readers = [[Int]](repeating: [], count: graph.nodes.count)
        for (k, node) in graph.nodes.enumerated() {
            for input in node.inputs { if let p = position[input] { readers[p].append(k) } }
        }
        for k in graph.nodes.indices where graph.nodes[k].inputs.isEmpty && !readers[k].isEmpty {
            column[k] = readers[k].map { column[$0] }.min()! - 1
        }
        let columnCount = (column.max() ?? 0) + 1
        columns = Array(repeating: [], count: columnCount)
        for k in graph.nodes.indices {
            slots.append(Slot(node: k, column: column[k], height: Double(graph.label(graph.nodes[k]).count) * Self.lineHeight + 2 * Self.padding))
            columns[column[k]].append(k)
        }
        // Edges, with a waypoint in each column between the two ends.
        for (k, node) in graph.nodes.enumerated() {
            for input in node.inputs {
                guard let from = position[input] else { continue }
                var path = [from]
                var c = column[from] + 1
                while c < column[k] {
                    slots.append(Slot(node: nil, column: c, height: Self.waypointHeight))
                    columns[c].append(slots.count - 1)
                    path.append(slots.count - 1)
                    c += 1
                }
                path.append(k)
                paths.append(path)
            }
        }
        orderColumns()
        place()
    }

    /// Orders each column by the barycenter of its neighbours in the column before (sweeping right) and after
    /// (sweeping left), keeping the order with the fewest crossings.
    mutating func orderColumns() {
        var left = [[Int]](repeating: [], count: slots.count), right = [[Int]](repeating: [], count: slots.count)
        for path in paths {
            for (a, b) in zip(path, path.dropFirst()) {
                right[a].append(b)
                left[b].append(a)
            }
        }
        for c in columns.indices {
            for (k, s) in columns[c].enumerated() { slots[s].order = Double(k) }
        }
        func sweep(_ range: [Int], _ neighbours: [[Int]]) {
            for c in range {
                for s in columns[c] where !neighbours[s].isEmpty {
                    slots[s].order = neighbours[s].map { slots[$0].order }.reduce(0, +) / Double(neighbours[s].count)
                }
                columns[c].sort { slots[$0].order < slots[$1].order || (slots[$0].order == slots[$1].order && $0 < $1) }
                for (k, s) in columns[c].enumerated() { slots[s].order = Double(k) }
            }
        }
        var best = columns, fewest = crossings()
        for _ in 0..<6 {
            sweep(Array(columns.indices.dropFirst()), left)
            sweep(Array(columns.indices.dropLast().reversed()), right)
            let count = crossings()
            if count < fewest {
                fewest = count
                best = columns
            }
        }
        columns = best
        for c in columns.indices {
            for (k, s) in columns[c].enumerated() { slots[s].order = Double(k) }
        }
    }

    /// How many pairs of edge segments between adjacent columns cross.
    func crossings() -> Int {
        var segments: [[(Int, Int)]] = Array(repeating: [], count: columns.count)
        var rank = [Int](repeating: 0, count: slots.count)
        for column in columns {
            for (k, s) in column.enumerated() { rank[s] = k }
        }
        for path in paths {
            for (a, b) in zip(path, path.dropFirst()) { segments[slots[a].column].append((rank[a], rank[b])) }
        }
        var count = 0
        for list in segments {
            for i in list.indices {
                for j in list.indices where j > i {
                    let (a1, b1) = list[i], (a2, b2) = list[j]
                    if (a1 < a2 && b1 > b2) || (a1 > a2 && b1 < b2) { count += 1 }
                }
            }
        }
        return count
    }

    /// Column x positions and widths, and y positions stacked and centred in each column.
    mutating func place() {
        // Waypoints (edges passing through a column) stack closer than nodes.
        func gap(_ s: Int) -> Double { slots[s].node == nil ? 4 : Self.verticalGap }
        func stackHeight(_ column: [Int]) -> Double {
            var total = 0.0
            for s in column { total += slots[s].height + gap(s) }
            return column.isEmpty ? 0 : total - gap(column.last!)
        }
        func textWidth(_ node: Int) -> Double {
            var widest = 0
            for line in graph.label(graph.nodes[node]) { widest = max(widest, line.count) }
            return Double(widest) * Self.charWidth
        }
        var tallest = 0.0
        for column in columns { tallest = max(tallest, stackHeight(column)) }
        var x = 20.0
        for column in columns {
            var width = 16.0
            for s in column { if let node = slots[s].node { width = max(width, textWidth(node) + 2 * Self.padding) } }
            columnX.append(x)
            columnWidth.append(width)
            x += width + Self.gap
            var y = 20.0 + (tallest - stackHeight(column)) / 2
            for s in column {
                slots[s].y = y
                y += slots[s].height + gap(s)
            }
        }
    }

    var size: (width: Double, height: Double) {
        let width = (columnX.last ?? 0) + (columnWidth.last ?? 0) + 20
        let height = (slots.map { $0.y + $0.height }.max() ?? 0) + 20
        return (width, height)
    }

    static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func number(_ x: Double) -> String { String(format: "%.1f", x) }

    var svg: String {
        let (width, height) = size
        var out = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" " +
                "viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\" font-family=\"DejaVu Sans Mono, Menlo, monospace\" font-size=\"11\">",
            "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">" +
                "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
        ]
        func left(_ s: Int) -> (Double, Double) {
            let slot = slots[s]
            let x = slot.node == nil ? columnX[slot.column] + columnWidth[slot.column] / 2 : columnX[slot.column]
            return (x, slot.y + slot.height / 2)
        }
        func right(_ s: Int) -> (Double, Double) {
            let slot = slots[s]
            let x = slot.node == nil ? columnX[slot.column] + columnWidth[slot.column] / 2 : columnX[slot.column] + columnWidth[slot.column]
            return (x, slot.y + slot.height / 2)
        }
        for path in paths {
            var d = ""
            var (px, py) = right(path[0])
            d += "M\(Self.number(px)),\(Self.number(py))"
            for s in path.dropFirst() {
                let (qx, qy) = left(s)
                let bend = (qx - px) / 2
                d += " C\(Self.number(px + bend)),\(Self.number(py)) \(Self.number(qx - bend)),\(Self.number(qy)) \(Self.number(qx)),\(Self.number(qy))"
                (px, py) = right(s)
                if slots[s].node == nil { d += " L\(Self.number(px)),\(Self.number(py))" }
            }
            out.append("<path d=\"\(d)\" fill=\"none\" stroke=\"#555\" stroke-width=\"1.2\" marker-end=\"url(#arrow)\"/>")
        }
        for slot in slots {
            guard let k = slot.node else { continue }
            let node = graph.nodes[k]
            let x = columnX[slot.column], w = columnWidth[slot.column]
            out.append("<g><title>\(Self.escaped("#\(node.id) \(node.operation)" + (node.place.map { " at \($0)" } ?? "")))</title>")
            out.append("<rect x=\"\(Self.number(x))\" y=\"\(Self.number(slot.y))\" width=\"\(Self.number(w))\" height=\"\(Self.number(slot.height))\" " +
                       "rx=\"6\" fill=\"\(TapeGraph.fill[node.kind]!)\" stroke=\"#555\"/>")
            for (n, line) in graph.label(node).enumerated() {
                let y = slot.y + Self.padding + Self.lineHeight * Double(n) + 11
                let weight = n == 0 ? " font-weight=\"bold\"" : ""
                out.append("<text x=\"\(Self.number(x + Self.padding))\" y=\"\(Self.number(y))\"\(weight)>\(Self.escaped(line))</text>")
            }
            out.append("</g>")
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }
}
