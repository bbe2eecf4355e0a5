import Foundation

// Build time: this file's functions are marked @_optimize(none). They write text once per run (microseconds),
// and optimizing them (with the other files in Plot/ and Document/) was most of the Playground module's release
// compile: 57 s before, 29 s after, on this shared 2-core machine. The chapters, which train, keep -O.

/// A small SVG writer: line plots with axes, ticks and a legend, heat maps with points, and image grids.
/// The files are plain SVG 1.1 that any browser opens.
package struct SVG {
    package let width: Double
    package let height: Double
    package private(set) var elements: [String] = []

    @_optimize(none) package init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    @_optimize(none) package static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    @_optimize(none) package static func number(_ x: Double) -> String { String(format: "%.2f", x) }

    package mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil) {
        elements.append("<rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" fill=\"\(fill)\"" + (stroke.map { " stroke=\"\($0)\"" } ?? "") + "/>")
    }

    package mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String = "#333", width: Double = 1) {
        elements.append("<line x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\" y2=\"\(Self.number(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(width)\"/>")
    }

    package mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2, dash: String? = nil) {
        let text = points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
        let dashing = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        elements.append("<polyline points=\"\(text)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(width)\"\(dashing)/>")
    }

    package mutating func circle(_ x: Double, _ y: Double, radius: Double, fill: String, stroke: String = "#000") {
        elements.append("<circle cx=\"\(Self.number(x))\" cy=\"\(Self.number(y))\" r=\"\(Self.number(radius))\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"1.2\"/>")
    }

    package mutating func text(_ s: String, x: Double, y: Double, size: Double = 12, anchor: String = "middle", rotate: Bool = false) {
        let transform = rotate ? " transform=\"rotate(-90 \(Self.number(x)) \(Self.number(y)))\"" : ""
        elements.append("<text x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"\(Self.number(size))\" text-anchor=\"\(anchor)\"\(transform)>\(Self.escape(s))</text>")
    }

    package var document: String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            + elements.joined(separator: "\n") + "\n</svg>\n"
    }

    @_optimize(none) package func write(to url: URL) throws {
        try document.write(to: url, atomically: true, encoding: .utf8)
    }
}

/// "Nice" tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten.
@_optimize(none) package func ticks(_ low: Double, _ high: Double, count: Int = 5, step: Double? = nil) -> [Double] {
    guard high > low, low.isFinite, high.isFinite else { return [low] }
    let step = step ?? tickStep(low, high, count: count)
    var out: [Double] = []
    var t = ceil(low / step - 1e-9) * step
    while t <= high + step * 1e-9 {
        out.append(abs(t) < step * 1e-9 ? 0 : t)
        t += step
    }
    return out
}

/// The tick step for [low, high]: 1, 2 or 5 times a power of ten, giving about `count` intervals.
@_optimize(none) package func tickStep(_ low: Double, _ high: Double, count: Int = 5) -> Double {
    let raw = (high - low) / Double(count)
    let magnitude = pow(10, floor(log10(raw)))
    return [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw * 0.999 } ?? raw
}

/// [low, high] widened outwards to the nearest ticks, so the axis starts and ends on a labelled round number;
/// and the step between those ticks.
@_optimize(none) package func niceRange(_ low: Double, _ high: Double, count: Int = 5) -> (low: Double, high: Double, step: Double) {
    var (low, high) = (low, high)
    if high <= low { (low, high) = (low - 1, low + 1) }
    let step = tickStep(low, high, count: count)
    return (floor(low / step + 1e-9) * step, ceil(high / step - 1e-9) * step, step)
}

@_optimize(none) package func tickLabel(_ t: Double) -> String {
    if t == t.rounded() && abs(t) < 1e6 { return t == 0 ? "0" : String(Int(t)).replacingOccurrences(of: "-", with: "−") }
    return String(format: "%g", t).replacingOccurrences(of: "-", with: "−")
}

/// The label of 10ᵉ on a log axis: a decimal (0.001 … 10000) when `decimal`, else 10 with a superscript exponent.
@_optimize(none) package func powerOfTenLabel(_ exponent: Int, decimal: Bool) -> String {
    if decimal { return tickLabel(pow(10, Double(exponent))) }
    let superscripts = Array("⁰¹²³⁴⁵⁶⁷⁸⁹")
    let digits = String(abs(exponent)).map { superscripts[Int(String($0))!] }
    return "10" + (exponent < 0 ? "⁻" : "") + String(digits)
}

/// A palette that reads well on white and for most colour-blind readers.
package let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]

/// A line plot: several named series over shared axes, with the legend to the right of the plot area.
/// Series in `dashed` are drawn dashed in the colour of the solid series with the same index (a derivative
/// beside its function, say). Axes run from tick to tick at round numbers; a log axis ticks at powers of ten.
package struct LinePlot {
    package var title: String
    package var xLabel: String
    package var yLabel: String
    package var series: [(name: String, points: [(Double, Double)])] = []
    package var logY = false
    /// Series drawn dashed, each in the colour of `series[i]`; the legend names them after a dash.
    package var dashed: [(name: String, points: [(Double, Double)])] = []
    /// Points marked with a ring and a label (a minimum, say).
    package var marks: [(x: Double, y: Double, label: String)] = []
    /// The x axis's range, when not the data's widened to round numbers (to keep a point off the border, say).
    package var xRange: ClosedRange<Double>?
    /// The y axis's range (linear axes), when not the data's widened to round numbers (accuracy: 0 to 1, say).
    package var yRange: ClosedRange<Double>?
    /// Line widths by series index (2 where not given): a wider line stays visible under a later one on top of it.
    package var strokeWidths: [Double] = []

    @_optimize(none) package init(title: String, xLabel: String, yLabel: String, logY: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logY = logY
    }

    @_optimize(none) package func svg() -> SVG {
        let names = series.map(\.name) + dashed.map(\.name)
        let legendWidth = 40 + 6.4 * Double(names.map(\.count).max() ?? 0)
        let left = 70.0, right = 550.0, top = 44.0, bottom = 340.0
        var svg = SVG(width: right + 24 + legendWidth, height: 400)
        let usable = { (p: (Double, Double)) in p.0.isFinite && p.1.isFinite && (!self.logY || p.1 > 0) }
        let all = (series + dashed).flatMap(\.points).filter(usable) + marks.map { ($0.x, $0.y) }
        let xs = all.map(\.0), ys = all.map { logY ? log10($0.1) : $0.1 }
        let (x0, x1, xStep) = xRange.map { ($0.lowerBound, $0.upperBound, tickStep($0.lowerBound, $0.upperBound)) }
            ?? niceRange(xs.min() ?? 0, xs.max() ?? 1)
        var (y0, y1): (Double, Double)
        var yTicks: [Double]
        if logY {
            (y0, y1) = (floor(ys.min() ?? 0), ceil(ys.max() ?? 1))
            if y1 == y0 { y1 += 1 }
            let every = Double(max(1, Int((y1 - y0 - 1) / 6) + 1))   // at most about seven labelled powers of ten
            (y0, y1) = (floor(y0 / every) * every, ceil(y1 / every) * every)
            yTicks = stride(from: y0, through: y1, by: every).map { $0 }
        } else if let yRange {
            (y0, y1) = (yRange.lowerBound, yRange.upperBound)
            yTicks = ticks(y0, y1, step: tickStep(y0, y1))
        } else {
            let low = ys.min() ?? 0, high = ys.max() ?? 1
            let pad = (high - low) * 0.04   // a curve that touches its extreme keeps off the frame
            // Padding never takes data that is all ≥ 0 below 0 (or all ≤ 0 above it).
            let range = niceRange(low >= 0 ? max(0, low - pad) : low - pad, high <= 0 ? min(0, high + pad) : high + pad)
            (y0, y1) = (range.low, range.high)
            yTicks = ticks(y0, y1, step: range.step)
        }
        @_optimize(none) func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * (right - left) }
        @_optimize(none) func pyAxis(_ v: Double) -> Double { bottom - (v - y0) / (y1 - y0) * (bottom - top) }
        @_optimize(none) func py(_ y: Double) -> Double { pyAxis(logY ? log10(y) : y) }
        svg.text(title, x: (left + right) / 2, y: 24, size: 15)
        for t in ticks(x0, x1, step: xStep) {
            svg.line(px(t), top, px(t), bottom, stroke: "#eeeeee")
            svg.line(px(t), bottom, px(t), bottom + 5)
            svg.text(tickLabel(t), x: px(t), y: bottom + 18, size: 11)
        }
        for t in yTicks {
            let y = pyAxis(t)
            svg.line(left - 5, y, left, y)
            svg.line(left, y, right, y, stroke: "#e6e6e6")
            svg.text(logY ? powerOfTenLabel(Int(t), decimal: y0 >= -3 && y1 <= 4) : tickLabel(t), x: left - 8, y: y + 4, size: 11, anchor: "end")
        }
        svg.line(left, bottom, right, bottom)
        svg.line(left, top, left, bottom)
        svg.text(xLabel, x: (left + right) / 2, y: 375, size: 12)
        svg.text(yLabel, x: 18, y: (top + bottom) / 2, size: 12, rotate: true)
        let legendLeft = right + 24
        for (i, s) in series.enumerated() {
            let color = palette[i % palette.count]
            let width = i < strokeWidths.count ? strokeWidths[i] : 2
            svg.polyline(s.points.filter(usable).map { (px($0.0), py($0.1)) }, stroke: color, width: width)
            let ly = top + 8 + Double(i) * 18
            svg.line(legendLeft, ly, legendLeft + 25, ly, stroke: color, width: max(3, width))
            svg.text(s.name, x: legendLeft + 30, y: ly + 4, size: 11, anchor: "start")
        }
        for (i, s) in dashed.enumerated() {
            let color = palette[i % palette.count]
            let width = i < strokeWidths.count ? strokeWidths[i] : 2
            svg.polyline(s.points.filter(usable).map { (px($0.0), py($0.1)) }, stroke: color, width: width, dash: "6 4")
            let ly = top + 8 + Double(series.count + i) * 18 + 8
            svg.polyline([(legendLeft, ly), (legendLeft + 25, ly)], stroke: color, width: max(3, width), dash: "6 4")
            svg.text(s.name, x: legendLeft + 30, y: ly + 4, size: 11, anchor: "start")
        }
        for m in marks {
            svg.circle(px(m.x), py(m.y), radius: 5, fill: "none", stroke: "#000")
            svg.text(m.label, x: px(m.x) + 8, y: py(m.y) - 8, size: 11, anchor: "start")
        }
        return svg
    }
}

/// A two-class decision map: the model's probability as a coloured grid, with the data points on top.
package struct DecisionMap {
    package var title: String
    /// probability(x, y) of class 1.
    package var grid: [[Double]]
    package var xRange: ClosedRange<Double>
    package var yRange: ClosedRange<Double>
    package var points: [(x: Double, y: Double, label: Int)]
    package var xLabel = "x₀"
    package var yLabel = "x₁"

    @_optimize(none) package init(title: String, grid: [[Double]], xRange: ClosedRange<Double>, yRange: ClosedRange<Double>,
                                  points: [(x: Double, y: Double, label: Int)]) {
        self.title = title
        self.grid = grid
        self.xRange = xRange
        self.yRange = yRange
        self.points = points
    }

    @_optimize(none) package func svg() -> SVG {
        var svg = SVG(width: 460, height: 490)
        let left = 60.0, top = 40.0, size = 380.0
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
        @_optimize(none) func px(_ x: Double) -> Double { left + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * size }
        @_optimize(none) func py(_ y: Double) -> Double { top + size - (y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * size }
        for p in points { svg.circle(px(p.x), py(p.y), radius: 4, fill: p.label == 1 ? "#D55E00" : "#0072B2") }
        svg.rect(x: left, y: top, width: size, height: size, fill: "none", stroke: "#333")
        for t in ticks(xRange.lowerBound, xRange.upperBound) { svg.text(tickLabel(t), x: px(t), y: top + size + 16, size: 11) }
        for t in ticks(yRange.lowerBound, yRange.upperBound) { svg.text(tickLabel(t), x: left - 6, y: py(t) + 4, size: 11, anchor: "end") }
        svg.text(xLabel, x: left + size / 2, y: top + size + 34, size: 12)
        svg.text(yLabel, x: 18, y: top + size / 2, size: 12, rotate: true)
        return svg
    }
}

/// Square grey images (8×8 digits, feature maps, 3×3 filters) in rows of at most `perRow`, each with a caption,
/// drawn 64 points wide whatever their size. Pixels are in [0, 1] (white to black).
package struct ImageStrip {
    package var title: String
    package var images: [(pixels: [Float], caption: String)]
    package var perRow = 8

    @_optimize(none) package init(title: String, images: [(pixels: [Float], caption: String)], perRow: Int = 8) {
        self.title = title
        self.images = images
        self.perRow = perRow
    }

    @_optimize(none) package func svg() -> SVG {
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
