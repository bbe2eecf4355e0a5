import Foundation

// Build time: this file's functions are marked @_optimize(none). They write text once per run (microseconds),
// and optimizing them (with the other files in Plot/ and Document/) was most of the Playground module's release
// compile: 57 s before, 29 s after, on this shared 2-core machine. The chapters, which train, keep -O.

/// A chapter as a document a person reads: its explanations, the code a reader can paste into a package of
/// their own, what that code printed in the run, and the pictures it drew, section by section in reading order.
/// Built from a real run (the `TourEvent`s of `Context`) and the chapter's source file, so a new chapter needs
/// nothing extra: the `index.html` page and the Markdown tutorial both render this.
///
/// The chapter function's body is split at each `context.say("""…""")` whose text has no interpolation: those
/// are the explanations. The code between them is made pasteable (`PasteableCode`): `context.say` becomes
/// `print`, `context.seed` the seed, and statements that only feed the playground's pictures (`LinePlot`,
/// `Terminal`, …) are left out together with what they printed.
package struct ChapterDocument {
    package struct Section {
        var prose: String?
        var code: [String] = []
        var output: [String] = []
        var pictures: [(name: String, svg: String)] = []
    }

    package let number: Int
    package let name: String
    package let title: String
    package var sections: [Section] = []
    /// What the code needs above it: imports, the seed, the `format` helper.
    package var setup: [String] = []
    /// The other declarations of the chapter's file (types and functions the code uses).
    package var definitions: [String] = []
    /// The chapter's source file relative to the package root, and the hash written on the Markdown page.
    package var sourcePath = ""
    package var sourceHash = ""

    @_optimize(none) package init(chapter: Chapter, events: [TourEvent], seed: UInt64) {
        number = chapter.number
        name = chapter.name
        title = chapter.title
        let files = events.map { event -> String in
            switch event {
            case .text(_, let file, _), .picture(_, _, let file, _): return file
            }
        }
        let file = files.first { $0.contains("/Chapters/") } ?? files.first ?? ""
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            // No source at hand (the binary moved): the run's text and pictures alone.
            var section = Section()
            for event in events {
                switch event {
                case .text(let line, _, _): section.output.append(line)
                case .picture(let name, let svg, _, _): section.pictures.append((name, svg))
                }
            }
            sections = [section]
            return
        }
        sourcePath = file.range(of: "Sources/Playground/").map { String(file[$0.lowerBound...]) } ?? file
        sourceHash = tutorialSourceHash(text)
        let lines = text.components(separatedBy: "\n")
        let firstLine = events.compactMap { event -> Int? in
            if case .text(_, file, let line) = event { return line }
            if case .picture(_, _, file, let line) = event { return line }
            return nil
        }.first ?? 1
        // The chapter function: the top-level `func … (_ context: Context)` around the first line it said.
        let starts = lines.indices.filter {
            let line = lines[$0]
            return line.first?.isWhitespace == false && !line.hasPrefix("//") && line.contains("func ")
                && line.contains("(_ context: Context)")
        }
        guard let start = starts.last(where: { $0 < firstLine }) ?? starts.first,
              let end = lines[(start + 1)...].firstIndex(of: "}") else {
            sections = [Section(output: events.compactMap { if case .text(let t, _, _) = $0 { return t } else { return nil } })]
            return
        }
        let body = Array(lines[(start + 1)..<end])
        let code = PasteableCode(body: body, firstLine: start + 2, playgroundNames: Self.plotNames(besideChapter: file))
        // Sections: a new one at every explanation; code lines between them; events in the order they ran.
        var sectionOfLine: [Int: Int] = [:]   // source line (1-based) of an explanation → its section
        var current = Section()
        var sectionStarts: [Int] = []
        for (i, line) in code.lines.enumerated() {
            let number = start + 2 + i
            if let prose = code.prose[number] {
                if current.prose != nil || !current.code.isEmpty { sections.append(current) }
                current = Section(prose: prose.text)
                sectionOfLine[number] = sections.count
                sectionStarts.append(number)
            } else if code.isProseLine(number) || code.removed.contains(number) {
                continue
            } else {
                current.code.append(line)
            }
        }
        sections.append(current)
        var index = sections.first?.prose == nil ? 0 : -1
        var seen: Set<Int> = []
        for event in events {
            switch event {
            case .text(let text, let eventFile, let line):
                if eventFile == file, let s = sectionOfLine[line], !seen.contains(line) {
                    seen.insert(line)
                    index = s
                    if sections[s].prose == nil || text != code.prose[line]?.text { sections[s].prose = text }
                    continue
                }
                if eventFile == file && code.removed.contains(line) { continue }
                sections[max(index, 0)].output.append(text)
            case .picture(let name, let svg, _, _):
                sections[max(index, 0)].pictures.append((name, svg))
            }
        }
        for i in sections.indices { sections[i].code = trimmedBlank(sections[i].code) }
        // The rest of the file: imports become the setup, other declarations the definitions.
        // The chapter function's own doc comment (the lines right above it) describes the playground's function.
        var docStart = start
        while docStart > 0 && lines[docStart - 1].hasPrefix("///") { docStart -= 1 }
        let rest = Array(lines[..<docStart]) + Array(lines[(end + 1)...])
        // `import TourDocument` brings the playground's own drawing and `Context`, which a reader does not need.
        var imports = rest.filter { $0.hasPrefix("import ") && $0 != "import TourDocument" }
        definitions = trimmedBlank(rest.filter { !$0.hasPrefix("import ") }.map(code.pasteable))
        let all = (sections.flatMap(\.code) + definitions).joined(separator: "\n")
        let usesFormat = all.range(of: #"(?<![\w.])format\("#, options: .regularExpression) != nil
        if usesFormat || all.contains("URL(") { imports.append("import Foundation") }
        setup = Array(Set(imports)).sorted()
        if all.range(of: #"(?<![\w.])seed(?!\w)"#, options: .regularExpression) != nil {
            setup += ["", "let seed: UInt64 = \(seed)   // the tour's seed (playground --seed)"]
        }
        if all.range(of: #"(?<![\w.])quick(?!\w)"#, options: .regularExpression) != nil {
            setup += [(setup.last?.hasPrefix("let seed") == true ? [] : [""]) + ["let quick = false   // true trains briefly, as playground --quick does"]].flatMap { $0 }
        }
        if usesFormat {
            setup += ["", "/// `x` with `digits` digits after the point.",
                      "func format(_ x: Double, _ digits: Int = 4) -> String { String(format: \"%.\\(digits)f\", x) }",
                      "func format(_ x: Float, _ digits: Int = 4) -> String { format(Double(x), digits) }"]
        }
    }

    /// The names the playground's Plot/ folder declares at the top level (its drawing types and helpers).
    @_optimize(none) package static func plotNames(besideChapter file: String) -> Set<String> {
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Plot")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var names: Set<String> = []
        for name in files where name.hasSuffix(".swift") {
            let text = (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? ""
            for line in text.components(separatedBy: "\n").map({ $0.hasPrefix("package ") ? String($0.dropFirst(8)) : $0 }) {
                for keyword in ["struct ", "enum ", "final class ", "class ", "func ", "let ", "var ", "extension "] where line.hasPrefix(keyword) {
                    let rest = line.dropFirst(keyword.count)
                    names.insert(String(rest.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" })))
                }
            }
        }
        return names.subtracting(["", "Tensor", "Variable", "Array", "Double", "Float"])
    }

    /// The title of an SVG picture, for alt text: its first text element when the playground drew it (the
    /// title), else the file name in words.
    @_optimize(none) package static func pictureTitle(_ svg: String, name: String = "picture") -> String {
        let fallback = name.replacingOccurrences(of: ".svg", with: "").drop(while: { $0.isNumber || $0 == "-" })
            .replacingOccurrences(of: "-", with: " ")
        guard svg.contains("font-family=\"Helvetica, Arial, sans-serif\""), let open = svg.range(of: "<text"), let close = svg.range(of: ">", range: open.upperBound..<svg.endIndex),
              let end = svg.range(of: "</text>", range: close.upperBound..<svg.endIndex) else { return fallback }
        return String(svg[close.upperBound..<end.lowerBound]).replacingOccurrences(of: "&amp;", with: "&")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"")
    }

    /// Prose split into paragraphs (runs of plain lines) and formulas (runs of lines indented by two or more
    /// spaces, whose layout matters).
    @_optimize(none) package static func blocks(of prose: String) -> [(formula: Bool, lines: [String])] {
        var blocks: [(formula: Bool, lines: [String])] = []
        for line in prose.components(separatedBy: "\n") {
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                if blocks.last?.lines.isEmpty == false { blocks.append((false, [])) }
                continue
            }
            let formula = line.hasPrefix("  ")
            if let last = blocks.last, last.formula == formula || last.lines.isEmpty {
                blocks[blocks.count - 1] = (formula, last.lines + [line])
            } else {
                blocks.append((formula, [line]))
            }
        }
        return blocks.filter { !$0.lines.isEmpty }
    }
}

/// Lines without the blank ones at either end, and at most one blank line in a row.
@_optimize(none) package func trimmedBlank(_ lines: [String]) -> [String] {
    var out: [String] = []
    for line in lines {
        let blank = line.trimmingCharacters(in: .whitespaces).isEmpty
        if blank && (out.isEmpty || out.last!.isEmpty) { continue }
        out.append(blank ? "" : line)
    }
    while out.last?.isEmpty == true { out.removeLast() }
    return out
}

/// FNV-1a (64 bits) of a chapter's source, written on its Markdown page: the tests compare it with the source
/// to find a page that was not regenerated after its chapter changed.
@_optimize(none) package func tutorialSourceHash(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
    }
    return String(hash, radix: 16)
}
