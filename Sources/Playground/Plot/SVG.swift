import Foundation

/// A small SVG writer: line plots with axes, ticks and a legend, heat maps with points, and image grids.
/// The files are plain SVG 1.1 that any browser opens.
struct SVG {
    let width: Double
    let height: Double
    private(set) var elements: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func number(_ x: Double) -> String { String(format: "%.2f", x) }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil) {
        elements.append("<rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" fill=\"\(fill)\"" + (stroke.map { " stroke=\"\($0)\"" } ?? "") + "/>")
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String = "#333", width: Double = 1) {
        elements.append("<line x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\" y2=\"\(Self.number(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(width)\"/>")
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2) {
        let text = points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
        elements.append("<polyline points=\"\(text)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(width)\"/>")
    }

    mutating func circle(_ x: Double, _ y: Double, radius: Double, fill: String, stroke: String = "#000") {
        elements.append("<circle cx=\"\(Self.number(x))\" cy=\"\(Self.number(y))\" r=\"\(Self.number(radius))\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"0.8\"/>")
    }

    mutating func text(_ s: String, x: Double, y: Double, size: Double = 12, anchor: String = "middle", rotate: Bool = false) {
        let transform = rotate ? " transform=\"rotate(-90 \(Self.number(x)) \(Self.number(y)))\"" : ""
        elements.append("<text x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"\(Self.number(size))\" text-anchor=\"\(anchor)\"\(transform)>\(Self.escape(s))</text>")
    }

    var document: String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            + elements.joined(separator: "\n") + "\n</svg>\n"
    }

    func write(to url: URL) throws {
        try document.write(to: url, atomically: true, encoding: .utf8)
    }
}

/// "Nice" tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten.
func ticks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
    guard high > low, low.isFinite, high.isFinite else { return [low] }
    let raw = (high - low) / Double(count)
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
    var out: [Double] = []
    var t = ceil(low / step) * step
    while t <= high + step * 1e-9 {
        out.append(abs(t) < step * 1e-9 ? 0 : t)
        t += step
    }
    return out
}

func tickLabel(_ t: Double) -> String {
    if t == t.rounded() && abs(t) < 1e6 { return String(Int(t)) }
    return String(format: "%g", t)
}

/// A palette that reads well on white and for most colour-blind readers.
let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]

/// A line plot: several named series over shared axes.
struct LinePlot {
    var title: String
    var xLabel: String
    var yLabel: String
    var series: [(name: String, points: [(Double, Double)])] = []
    var logY = false

    func svg() -> SVG {
        var svg = SVG(width: 640, height: 400)
        let left = 70.0, right = 620.0, top = 40.0, bottom = 340.0
        let all = series.flatMap(\.points).filter { $0.0.isFinite && $0.1.isFinite && (!logY || $0.1 > 0) }
        let xs = all.map(\.0), ys = all.map { logY ? log10($0.1) : $0.1 }
        var (x0, x1) = (xs.min() ?? 0, xs.max() ?? 1), (y0, y1) = (ys.min() ?? 0, ys.max() ?? 1)
        if x1 == x0 { x1 = x0 + 1 }
        if y1 == y0 { y1 = y0 + 1 }
        let pad = (y1 - y0) * 0.05
        y0 -= pad
        y1 += pad
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * (right - left) }
        func py(_ y: Double) -> Double { bottom - ((logY ? log10(y) : y) - y0) / (y1 - y0) * (bottom - top) }
        svg.text(title, x: 345, y: 24, size: 15)
        svg.line(left, bottom, right, bottom)
        svg.line(left, top, left, bottom)
        for t in ticks(x0, x1) {
            svg.line(px(t), bottom, px(t), bottom + 5)
            svg.text(tickLabel(t), x: px(t), y: bottom + 18, size: 11)
        }
        for t in ticks(y0, y1) {
            let y = bottom - (t - y0) / (y1 - y0) * (bottom - top)
            svg.line(left - 5, y, left, y)
            svg.line(left, y, right, y, stroke: "#e6e6e6")
            svg.text(logY ? "1e\(tickLabel(t))" : tickLabel(t), x: left - 8, y: y + 4, size: 11, anchor: "end")
        }
        svg.text(xLabel, x: (left + right) / 2, y: 375, size: 12)
        svg.text(yLabel, x: 18, y: (top + bottom) / 2, size: 12, rotate: true)
        // The legend sits in the top right corner, as wide as its longest name (about 6.2 points a character).
        let legendLeft = right - 36 - 6.2 * Double(series.map(\.name.count).max() ?? 0)
        for (i, s) in series.enumerated() {
            let color = palette[i % palette.count]
            let points = s.points.filter { $0.0.isFinite && $0.1.isFinite && (!logY || $0.1 > 0) }.map { (px($0.0), py($0.1)) }
            svg.polyline(points, stroke: color)
            let ly = top + 8 + Double(i) * 18
            svg.line(legendLeft, ly, legendLeft + 25, ly, stroke: color, width: 3)
            svg.text(s.name, x: legendLeft + 30, y: ly + 4, size: 11, anchor: "start")
        }
        return svg
    }
}

/// A two-class decision map: the model's probability as a coloured grid, with the data points on top.
struct DecisionMap {
    var title: String
    /// probability(x, y) of class 1.
    var grid: [[Double]]
    var xRange: ClosedRange<Double>
    var yRange: ClosedRange<Double>
    var points: [(x: Double, y: Double, label: Int)]

    func svg() -> SVG {
        var svg = SVG(width: 460, height: 480)
        let left = 50.0, top = 40.0, size = 380.0
        svg.text(title, x: 240, y: 24, size: 15)
        let n = grid.count, m = grid.first?.count ?? 0
        let cw = size / Double(max(m, 1)), ch = size / Double(max(n, 1))
        for (r, row) in grid.enumerated() {
            for (c, p) in row.enumerated() {
                // white at 0.5, blue towards class 0, orange towards class 1
                let t = min(max(p, 0), 1)
                let (a, b) = t < 0.5 ? ((0.0, 114.0, 178.0), 1 - 2 * t) : ((213.0, 94.0, 0.0), 2 * t - 1)
                let mix = { (c: Double) in Int(255 - (255 - c) * b * 0.55) }
                let color = "rgb(\(mix(a.0)),\(mix(a.1)),\(mix(a.2)))"
                svg.rect(x: left + Double(c) * cw, y: top + Double(n - 1 - r) * ch, width: cw + 0.3, height: ch + 0.3, fill: color)
            }
        }
        func px(_ x: Double) -> Double { left + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * size }
        func py(_ y: Double) -> Double { top + size - (y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * size }
        for p in points { svg.circle(px(p.x), py(p.y), radius: 4, fill: p.label == 1 ? "#D55E00" : "#0072B2") }
        svg.rect(x: left, y: top, width: size, height: size, fill: "none", stroke: "#333")
        for t in ticks(xRange.lowerBound, xRange.upperBound) { svg.text(tickLabel(t), x: px(t), y: top + size + 16, size: 11) }
        for t in ticks(yRange.lowerBound, yRange.upperBound) { svg.text(tickLabel(t), x: left - 6, y: py(t) + 4, size: 11, anchor: "end") }
        return svg
    }
}

/// Square grey images (8×8 digits, feature maps, 3×3 filters) in rows of at most `perRow`, each with a caption,
/// drawn 64 points wide whatever their size. Pixels are in [0, 1] (white to black).
struct ImageStrip {
    var title: String
    var images: [(pixels: [Float], caption: String)]
    var perRow = 8

    func svg() -> SVG {
        let side = 64.0, gap = 28.0, rowHeight = side + 40
        let columns = min(images.count, perRow), rows = (images.count + perRow - 1) / perRow
        var svg = SVG(width: max(200, Double(columns) * (side + gap) + gap), height: Double(rows) * rowHeight + 40)
        svg.text(title, x: svg.width / 2, y: 22, size: 14)
        for (i, image) in images.enumerated() {
            let x0 = gap + Double(i % perRow) * (side + gap), y0 = 36 + Double(i / perRow) * rowHeight
            let n = Int(Double(image.pixels.count).squareRoot().rounded())
            let cell = side / Double(max(n, 1))
            for r in 0..<n {
                for c in 0..<n {
                    let v = Int(255 - min(max(Double(image.pixels[r * n + c]), 0), 1) * 255)
                    svg.rect(x: x0 + Double(c) * cell, y: y0 + Double(r) * cell, width: cell, height: cell, fill: "rgb(\(v),\(v),\(v))")
                }
            }
            svg.text(image.caption, x: x0 + side / 2, y: y0 + side + 18, size: 11)
        }
        return svg
    }
}
