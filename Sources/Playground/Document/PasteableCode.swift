import Foundation

// Build time: this file's functions are marked @_optimize(none). They write text once per run (microseconds),
// and optimizing them (with the other files in Plot/ and Document/) was most of the Playground module's release
// compile: 57 s before, 29 s after, on this shared 2-core machine. The chapters, which train, keep -O.

/// A chapter function's body made into code a reader can paste into a package of their own.
///
/// - `context.say("""…""")` without interpolation are the chapter's explanations (`prose`), not code.
/// - `context.say(` becomes `print(`, `context.seed` and `context.quick` the constants `seed` and `quick`,
///   `context.outputDirectory` the current directory; `@_optimize(none)`, which keeps the playground's own
///   build short, is dropped.
/// - Statements that use the playground's drawing (`LinePlot`, `Terminal`, … : whatever Plot/ declares) or
///   the context's other members (`context.save`, `context.trace`) are left out, and so, transitively, are the statements that use what they declared,
///   the declarations whose only remaining uses were left out or only add to them, and blocks left empty.
///
/// Line numbers are the source file's (1-based); `removed` lists those left out, so that what they printed can
/// be left out of the page too.
package struct PasteableCode {
    /// Names only the playground has: a statement using one is not pasteable.
    package static let playgroundOnly = ["LinePlot", "DecisionMap", "ImageStrip", "Terminal", "SVG", "palette"]

    /// Every body line, dedented by one level and made pasteable.
    package private(set) var lines: [String] = []
    /// The explanations: the source line of each `context.say("""`, its text and its last line.
    package private(set) var prose: [Int: (text: String, end: Int)] = [:]
    private var proseLines: Set<Int> = []
    /// Source lines left out of the pasteable code.
    package private(set) var removed: Set<Int> = []

    @_optimize(none) package func isProseLine(_ line: Int) -> Bool { proseLines.contains(line) }

    /// One statement (with the comments above it), a block's header or closing line, or a blank line.
    private struct Unit {
        var range: ClosedRange<Int>
        var text: String
        var firstCode: String
        var blockEnd: Int?
        var isStatement: Bool
    }

    @_optimize(none) package init(body: [String], firstLine: Int, playgroundNames: Set<String> = []) {
        let playgroundOnly = Self.playgroundOnly + playgroundNames.sorted()
        let raw = body.map { $0.hasPrefix("    ") ? String($0.dropFirst(4)) : $0 }
        lines = raw.map(pasteable)
        // Multi-line string literals, and the explanations among them.
        var inLiteral = Array(repeating: false, count: raw.count)
        var i = 0
        while i < raw.count {
            let t = raw[i].trimmingCharacters(in: .whitespaces)
            if t.hasSuffix("\"\"\"") && t.components(separatedBy: "\"\"\"").count == 2,
               let j = raw[(i + 1)...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("\"\"\"") }) {
                for k in (i + 1)..<j { inLiteral[k] = true }
                let content = raw[(i + 1)..<j]
                if t == "context.say(\"\"\"" && raw[j].trimmingCharacters(in: .whitespaces) == "\"\"\")"
                    && !content.contains(where: { $0.contains("\\(") }) {
                    let indentation = raw[j].prefix(while: { $0 == " " }).count
                    let text = content.map { line in String(line.dropFirst(min(indentation, line.prefix(while: { $0 == " " }).count))) }
                    prose[firstLine + i] = (text.joined(separator: "\n"), firstLine + j)
                    for k in i...j { proseLines.insert(firstLine + k) }
                }
                i = j + 1
                continue
            }
            i += 1
        }
        // The bracket depth each line adds, outside string literals.
        let delta = raw.indices.map { k -> Int in inLiteral[k] ? 0 : Self.bracketDelta(raw[k]) }
        @_optimize(none) func isStructural(_ t: String) -> Bool {
            ["for ", "if ", "while ", "} else", "else ", "guard ", "switch ", "case ", "default:", "do {", "repeat {", "func "]
                .contains { t.hasPrefix($0) } || t == "}" || t == "})"
        }
        // Units.
        var units: [Unit] = []
        i = 0
        while i < raw.count {
            if proseLines.contains(firstLine + i) { i += 1; continue }
            let start = i
            while i < raw.count && raw[i].trimmingCharacters(in: .whitespaces).hasPrefix("//") { i += 1 }
            guard i < raw.count else { units.append(Unit(range: start...(i - 1), text: "", firstCode: "", isStatement: false)); break }
            let t = raw[i].trimmingCharacters(in: .whitespaces)
            if t.isEmpty {
                units.append(Unit(range: start...i, text: "", firstCode: "", isStatement: false))
                i += 1
                continue
            }
            if isStructural(t) && delta[i] > 0 {
                var depth = 0, end = i
                for k in i..<raw.count {
                    depth += delta[k]
                    if depth <= 0 { end = k; break }
                }
                units.append(Unit(range: start...i, text: t, firstCode: t, blockEnd: end, isStatement: false))
                i += 1
                continue
            }
            var depth = delta[i], end = i
            while end + 1 < raw.count && (depth > 0 || inLiteral[end + 1]
                    || raw[end + 1].trimmingCharacters(in: .whitespaces).hasPrefix(".")) {
                end += 1
                depth += delta[end]
            }
            let text = raw[i...end].joined(separator: "\n")
            units.append(Unit(range: start...end, text: text, firstCode: t, isStatement: !isStructural(t) || delta[i] == 0))
            i = end + 1
        }
        // Forward: what uses the playground's drawing, or a name declared by a statement left out.
        var out = Set<Int>()   // indices into units
        var tainted = Set<String>()
        var dedented = Set<Int>()   // lines of an else branch kept without its `if … else`
        // Leaves out a unit, and all of its block; of `if playground-only { A } else { B }`, B stays.
        @_optimize(none) func removeBlock(_ u: Int) {
            out.insert(u)
            guard let end = units[u].blockEnd else { return }
            let header = units[u].range.upperBound
            var elseLine: Int?
            if units[u].firstCode.hasPrefix("if ") {
                var depth = delta[header]
                for k in (header + 1)..<end {
                    if depth == 1 && raw[k].trimmingCharacters(in: .whitespaces) == "} else {" { elseLine = k; break }
                    depth += delta[k]
                }
            }
            for v in units.indices where units[v].range.lowerBound > header && units[v].range.upperBound <= end {
                if let e = elseLine, units[v].range.lowerBound > e, units[v].range.upperBound < end {
                    dedented.formUnion(units[v].range)
                } else {
                    out.insert(v)
                }
            }
        }
        var changed = true
        while changed {
            changed = false
            for u in units.indices where !out.contains(u) && !units[u].text.isEmpty && units[u].firstCode != "}" {
                let text = units[u].text
                // The context's other members (save, trace, …) are the playground's own.
                if Self.codeOnly(text).range(of: #"context\.(?!say\(|seed\b|quick\b|outputDirectory\b)"#, options: .regularExpression) != nil
                    || playgroundOnly.contains(where: { Self.mentions(text, $0) })
                    || tainted.contains(where: { Self.mentions(text, $0) }) {
                    removeBlock(u)
                    tainted.formUnion(Self.declaredNames(units[u].firstCode))
                    changed = true
                }
            }
            // Backward: declarations whose remaining uses only add to them.
            for u in units.indices where !out.contains(u) && units[u].isStatement {
                let names = Self.declaredNames(units[u].firstCode)
                guard !names.isEmpty else { continue }
                var mutations: [Int] = []
                var qualifies = true
                for name in names {
                    let uses = units.indices.filter { $0 != u && Self.mentions(units[$0].text, name) }
                    let kept = uses.filter { !out.contains($0) }
                    if uses.isEmpty || !kept.allSatisfy({ Self.mutates(units[$0].firstCode, name) && units[$0].isStatement }) {
                        qualifies = false
                        break
                    }
                    mutations += kept
                }
                if qualifies {
                    out.insert(u)
                    out.formUnion(mutations)
                    changed = true
                }
            }
            // Blocks left empty.
            for u in units.indices where !out.contains(u) {
                guard let end = units[u].blockEnd, !units[u].firstCode.hasPrefix("}") else { continue }
                let inner = units.indices.filter { units[$0].range.lowerBound > units[u].range.upperBound && units[$0].range.upperBound < end }
                if inner.allSatisfy({ out.contains($0) || units[$0].text.isEmpty }) {
                    removeBlock(u)
                    changed = true
                }
            }
        }
        for u in out {
            for k in units[u].range { removed.insert(firstLine + k) }
        }
        for k in dedented { lines[k] = lines[k].hasPrefix("    ") ? String(lines[k].dropFirst(4)) : lines[k] }
    }

    /// A line made pasteable (see the type's description).
    @_optimize(none) package func pasteable(_ line: String) -> String {
        line.replacingOccurrences(of: "context.say(", with: "print(")
            .replacingOccurrences(of: "context.seed", with: "seed")
            .replacingOccurrences(of: "context.quick", with: "quick")
            .replacingOccurrences(of: "context.outputDirectory", with: "URL(fileURLWithPath: \".\")")
            .replacingOccurrences(of: "@_optimize(none) ", with: "")
    }

    @_optimize(none) package static func bracketDelta(_ line: String) -> Int {
        let line = line.replacingOccurrences(of: "\"\"\"", with: "")   // a multi-line literal's delimiters
        var depth = 0, inString = false, escaped = false
        var interpolation: [Int] = []   // bracket depth at each open \( inside a string
        var previous: Character = " "
        for c in line {
            if inString {
                if escaped { escaped = false; if c == "(" { interpolation.append(depth); inString = false }; previous = c; continue }
                if c == "\\" { escaped = true } else if c == "\"" { inString = false }
                previous = c
                continue
            }
            if c == "/" && previous == "/" { break }
            switch c {
            case "\"": inString = true
            case "(", "[", "{": depth += 1
            case ")", "]", "}":
                if let open = interpolation.last, open == depth { interpolation.removeLast(); inString = true } else { depth -= 1 }
            default: break
            }
            previous = c
        }
        return depth
    }

    /// Whether the code of `text` uses the identifier `name` (not as a member `.name`, part of a longer word, or
    /// a word in a string literal; in an interpolation, yes).
    @_optimize(none) package static func mentions(_ text: String, _ name: String) -> Bool {
        codeOnly(text).range(of: "(?<![\\w.\\\\])" + NSRegularExpression.escapedPattern(for: name) + "(?!\\w)", options: .regularExpression) != nil
    }

    /// `text` with its comments and the contents of its string literals left out, but not their interpolations.
    @_optimize(none) package static func codeOnly(_ text: String) -> String {
        let chars = Array(text)
        var out = ""
        var i = 0, depth = 0, inString = false, multiLine = false
        var interpolations: [(multiLine: Bool, depth: Int)] = []
        @_optimize(none) func triple(_ k: Int) -> Bool { k + 2 < chars.count && chars[k] == "\"" && chars[k + 1] == "\"" && chars[k + 2] == "\"" }
        while i < chars.count {
            let c = chars[i]
            if inString {
                if c == "\\" && i + 1 < chars.count {
                    if chars[i + 1] == "(" {
                        interpolations.append((multiLine, depth))
                        depth += 1
                        inString = false
                        out.append("(")
                    }
                    i += 2
                    continue
                }
                if multiLine ? triple(i) : c == "\"" {
                    inString = false
                    out += "\"\""
                    i += multiLine ? 3 : 1
                    continue
                }
                if c == "\n" { out.append("\n") }
                i += 1
                continue
            }
            if c == "/" && i + 1 < chars.count && chars[i + 1] == "/" {
                while i < chars.count && chars[i] != "\n" { i += 1 }
                continue
            }
            if c == "\"" {
                multiLine = triple(i)
                inString = true
                i += multiLine ? 3 : 1
                continue
            }
            if c == "(" { depth += 1 }
            if c == ")" {
                depth -= 1
                if let last = interpolations.last, last.depth == depth {
                    interpolations.removeLast()
                    inString = true
                    multiLine = last.multiLine
                    out.append(")")
                    i += 1
                    continue
                }
            }
            out.append(c)
            i += 1
        }
        return out
    }

    /// The names a `let`, `var` or `func` line declares.
    @_optimize(none) package static func declaredNames(_ line: String) -> [String] {
        let t = line.trimmingCharacters(in: .whitespaces)
        guard let keyword = ["let ", "var ", "func "].first(where: { t.hasPrefix($0) }) else { return [] }
        let rest = t.dropFirst(keyword.count)
        if keyword == "func " { return [String(rest.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" }))] }
        if rest.hasPrefix("(") {
            return rest.dropFirst().prefix(while: { $0 != ")" }).split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && $0 != "_" }
        }
        var names = [String(rest.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" }))]
        // `let a = …, b = …` at the top level of the line
        var depth = 0, inString = false, index = rest.startIndex
        while index < rest.endIndex {
            let c = rest[index]
            if c == "\"" { inString.toggle() } else if !inString {
                if "([{".contains(c) { depth += 1 } else if ")]}".contains(c) { depth -= 1 } else if c == "," && depth == 0 {
                    let after = rest[rest.index(after: index)...].drop(while: { $0 == " " })
                    let name = after.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" })
                    if !name.isEmpty && after.dropFirst(name.count).drop(while: { $0 == " " }).first.map({ $0 == "=" || $0 == ":" }) == true {
                        names.append(String(name))
                    }
                }
            }
            index = rest.index(after: index)
        }
        return names.filter { !$0.isEmpty }
    }

    /// Whether the line only adds to or changes `name` (append, +=, an element assignment).
    @_optimize(none) package static func mutates(_ line: String, _ name: String) -> Bool {
        var t = line.trimmingCharacters(in: .whitespaces)
        // A one-line loop or condition: its body counts (`for c in 0..<n { flat += [c] }`).
        if ["for ", "if ", "while "].contains(where: { t.hasPrefix($0) }), t.hasSuffix("}"),
           let open = t.firstIndex(of: "{") {
            t = String(t[t.index(after: open)..<t.index(before: t.endIndex)]).trimmingCharacters(in: .whitespaces)
        }
        guard t.hasPrefix(name) else { return false }
        let rest = t.dropFirst(name.count)
        return [".append(", ".swapAt(", ".insert(", ".series.append(", ".dashed.append(", ".marks.append(", " += ", " = "]
            .contains { rest.hasPrefix($0) } || (rest.hasPrefix("[") && rest.contains("] = ") || rest.contains("] += "))
    }
}
