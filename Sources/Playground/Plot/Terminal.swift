// Build time: this file's functions are marked @_optimize(none). They write text once per run (microseconds),
// and optimizing them (with the other files in Plot/ and Document/) was most of the Playground module's release
// compile: 57 s before, 29 s after, on this shared 2-core machine. The chapter functions are @_optimize(none)
// too: their training runs in the library (and in helpers beside them, which keep -O), so the tour takes as long,
// and the chapters' modules compile in 7 s instead of 11-12 s.

/// Compact terminal renderings of the pictures, so the tour reads without opening files.
package enum Terminal {
    /// A one-line sparkline of the values (▁ low … █ high).
    @_optimize(none) package static func sparkline(_ values: [Double], width: Int = 60) -> String {
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max(), !finite.isEmpty else { return "" }
        let bars = Array("▁▂▃▄▅▆▇█")
        let step = max(1, values.count / width)
        return stride(from: 0, to: values.count, by: step).map { i -> String in
            let v = values[i]
            guard v.isFinite else { return " " }
            let t = high > low ? (v - low) / (high - low) : 0
            return String(bars[min(bars.count - 1, Int(t * Double(bars.count - 1) + 0.5))])
        }.joined()
    }

    /// A character plot of y = f(x) curves: each series drawn with its own mark, '*' where two curves share a cell.
    @_optimize(none) package static func plot(_ series: [(mark: Character, points: [(Double, Double)])], width: Int = 60, height: Int = 14) -> String {
        let all = series.flatMap(\.points).filter { $0.0.isFinite && $0.1.isFinite }
        guard let x0 = all.map(\.0).min(), let x1 = all.map(\.0).max(), let y0 = all.map(\.1).min(),
              let y1 = all.map(\.1).max() else { return "" }
        var grid = Array(repeating: Array(repeating: Character(" "), count: width), count: height)
        for s in series {
            for (x, y) in s.points where x.isFinite && y.isFinite {
                let c = x1 > x0 ? Int((x - x0) / (x1 - x0) * Double(width - 1)) : 0
                let r = y1 > y0 ? Int((y - y0) / (y1 - y0) * Double(height - 1)) : 0
                let old = grid[height - 1 - r][c]
                grid[height - 1 - r][c] = old == " " || old == s.mark ? s.mark : "*"
            }
        }
        let top = String(format: "%8.3g ┤", y1), bottom = String(format: "%8.3g ┤", y0)
        return grid.enumerated().map { i, row in
            (i == 0 ? top : i == height - 1 ? bottom : "         │") + String(row)
        }.joined(separator: "\n")
    }

    /// A map of class probabilities: '#' for class 1, '.' for class 0, ' ' near 0.5; points as 'o'/'x'.
    @_optimize(none) package static func map(_ grid: [[Double]], points: [(row: Int, column: Int, label: Int)] = []) -> String {
        var rows = grid.reversed().map { row in row.map { p -> Character in p > 0.6 ? "#" : p < 0.4 ? "." : " " } }
        let n = rows.count
        for p in points where p.row >= 0 && p.row < n && p.column >= 0 && p.column < (rows.first?.count ?? 0) {
            rows[n - 1 - p.row][p.column] = p.label == 1 ? "x" : "o"
        }
        return rows.map { "    " + String($0) }.joined(separator: "\n")
    }

    /// A square image (8×8 by default) in characters, darker pixels as denser marks.
    @_optimize(none) package static func image(_ pixels: [Float]) -> [String] {
        let n = Int(Double(pixels.count).squareRoot().rounded())
        let shades = Array(" .:-=+*#%@")
        return (0..<n).map { r in
            String((0..<n).flatMap { c -> [Character] in
                let v = min(max(Double(pixels[r * n + c]), 0), 1)
                let ch = shades[min(shades.count - 1, Int(v * Double(shades.count - 1) + 0.5))]
                return [ch, ch]
            })
        }
    }
}
