import Foundation

// Build time: this file's functions are marked @_optimize(none). They write text once per run (microseconds),
// and optimizing them (with the other files in Plot/ and Document/) was most of the Playground module's release
// compile: 57 s before, 29 s after, on this shared 2-core machine. The chapters, which train, keep -O.

/// The tour as one self-contained HTML page (`index.html` beside the pictures): a table of contents, then every
/// chapter's explanations, code, output and pictures in reading order. Inline CSS and SVG only: no script, no
/// outside file, no network.
package enum TourPage {
    @_optimize(none) package static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Escaped text with `code spans` as <code>.
    @_optimize(none) package static func inline(_ text: String) -> String {
        let parts = escape(text).components(separatedBy: "`")
        return parts.enumerated().map { $0.offset % 2 == 1 && parts.count % 2 == 1 ? "<code>\($0.element)</code>" : $0.element }.joined()
    }

    package static let style = """
    :root { color-scheme: light; }
    body { margin: 0; background: #fafafa; color: #1d1d1f; font: 16px/1.55 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
    main { max-width: 52rem; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; background: #fff; }
    h1 { font-size: 1.9rem; margin: 0.5rem 0 0.25rem; }
    h2 { font-size: 1.45rem; margin: 0; padding-top: 1rem; border-top: 1px solid #ddd; }
    nav ol { columns: 2; column-gap: 2rem; padding-left: 1.5rem; }
    nav li { margin: 0.15rem 0; break-inside: avoid; }
    a { color: #0b5cad; }
    section.chapter { margin-top: 2.5rem; }
    pre { overflow-x: auto; padding: 0.7rem 0.9rem; border-radius: 6px; font: 13px/1.45 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
    pre.code { background: #f4f6f8; border: 1px solid #e1e4e8; }
    pre.output { background: #1f2428; color: #e6edf3; }
    pre.formula { background: none; padding: 0.2rem 0 0.2rem 1.2rem; font-size: 14px; }
    p.label { margin: 0.8rem 0 0.2rem; font-size: 0.8rem; letter-spacing: 0.04em; text-transform: uppercase; color: #6a737d; }
    figure { margin: 1rem 0; }
    figure svg { display: block; max-width: 100%; height: auto; border: 1px solid #eee; }
    figcaption { font-size: 0.85rem; color: #6a737d; }
    code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.9em; }
    """

    @_optimize(none) package static func html(_ documents: [ChapterDocument], seed: UInt64) -> String {
        var out = ["<!DOCTYPE html>", "<html lang=\"en\">", "<head>", "<meta charset=\"utf-8\">",
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
                   "<title>The backpropagation tour</title>", "<style>", style, "</style>", "</head>", "<body>", "<main>",
                   "<h1>The backpropagation tour</h1>",
                   "<p>Every chapter of <code>swift run -c release playground</code> (seed \(seed)): what it explains, the code "
                       + "(paste it into a package that depends on <code>NN</code>), what that code printed, and the pictures it drew.</p>",
                   "<nav id=\"contents\" aria-label=\"Contents\"><h2>Contents</h2><ol>"]
        for d in documents { out.append("<li><a href=\"#chapter-\(d.number)\">\(escape(d.title))</a></li>") }
        out.append("</ol></nav>")
        for d in documents {
            out.append("<section class=\"chapter\" id=\"chapter-\(d.number)\">")
            out.append("<h2>\(d.number). \(escape(d.title))</h2>")
            if !d.setup.isEmpty {
                out.append("<p class=\"label\">Setup</p>")
                out.append("<pre class=\"code\"><code>\(escape(d.setup.joined(separator: "\n")))</code></pre>")
            }
            for section in d.sections {
                if let prose = section.prose {
                    for block in ChapterDocument.blocks(of: prose) {
                        out.append(block.formula ? "<pre class=\"formula\">\(escape(block.lines.joined(separator: "\n")))</pre>"
                                                 : "<p>\(inline(block.lines.joined(separator: " ")))</p>")
                    }
                }
                if !section.code.isEmpty {
                    out.append("<pre class=\"code\"><code>\(escape(section.code.joined(separator: "\n")))</code></pre>")
                }
                if !section.output.isEmpty {
                    out.append("<p class=\"label\">Output</p>")
                    out.append("<pre class=\"output\">\(escape(section.output.joined(separator: "\n")))</pre>")
                }
                for picture in section.pictures {
                    let svg = picture.svg.components(separatedBy: "\n").filter { !$0.hasPrefix("<?xml") }.joined(separator: "\n")
                        .replacingOccurrences(of: "<svg ", with: "<svg role=\"img\" aria-label=\"\(escape(ChapterDocument.pictureTitle(picture.svg, name: picture.name)).replacingOccurrences(of: "\"", with: "&quot;"))\" ")
                    out.append("<figure>\(svg)<figcaption>\(escape(picture.name))</figcaption></figure>")
                }
            }
            if !d.definitions.isEmpty {
                out.append("<p class=\"label\">Declarations the code uses</p>")
                out.append("<pre class=\"code\"><code>\(escape(d.definitions.joined(separator: "\n")))</code></pre>")
            }
            out.append("<p><a href=\"#contents\">Contents</a></p>")
            out.append("</section>")
        }
        out += ["</main>", "</body>", "</html>", ""]
        return out.joined(separator: "\n")
    }
}

/// The Markdown tutorial (`Docs/Tutorial/`): one page per chapter with the same content as the page, the
/// pictures as SVG files beside it, and an index. Written by `playground --markdown DIR`
/// (`python3 Scripts/make-tutorial.py`).
package enum TutorialPages {
    @_optimize(none) package static func fileName(_ d: ChapterDocument) -> String {
        String(format: "%02d-%@.md", d.number, d.name)
    }

    @_optimize(none) package static func markdown(_ d: ChapterDocument, seed: UInt64) -> String {
        var out = ["# Chapter \(d.number): \(d.title)", ""]
        if !d.setup.isEmpty {
            out += ["The code of this page runs in a package of your own: an executable target that depends on `NN`",
                    "(see [Getting started](../GettingStarted.md)), with this at the top of its `main.swift`:", "",
                    "```swift"] + d.setup + ["```", ""]
        }
        for section in d.sections {
            if let prose = section.prose {
                for block in ChapterDocument.blocks(of: prose) {
                    out += block.formula ? ["```text"] + block.lines + ["```", ""] : [block.lines.joined(separator: "\n"), ""]
                }
            }
            if !section.code.isEmpty { out += ["```swift"] + section.code + ["```", ""] }
            if !section.output.isEmpty { out += ["```text"] + section.output + ["```", ""] }
            for picture in section.pictures { out += ["![\(ChapterDocument.pictureTitle(picture.svg, name: picture.name))](\(picture.name))", ""] }
        }
        if !d.definitions.isEmpty {
            out += ["The code above uses these declarations (in the same file):", "", "```swift"] + d.definitions + ["```", ""]
        }
        out += ["The output above is from `swift run -c release playground \(d.name)` (seed \(seed); the playground runs the chapter",
                "inside `withRandomSeed(seed + \(d.number))`, so a run of your own draws other random numbers where the code does not",
                "pass a generator).", "",
                "<!-- generated by python3 Scripts/make-tutorial.py from \(d.sourcePath), source hash \(d.sourceHash) -->", ""]
        return out.joined(separator: "\n")
    }

    @_optimize(none) package static func index(_ documents: [ChapterDocument]) -> String {
        var out = ["# The tutorial", "",
                   "The playground's chapters as pages: what each explains, code to paste into a package of your own, what it",
                   "printed and the pictures it drew, all from a real run (`python3 Scripts/make-tutorial.py` regenerates them).",
                   "Run a chapter with `swift run -c release playground <number or name>`; the whole tour also writes",
                   "`playground-output/index.html`, the same as one page.", ""]
        for d in documents { out.append("\(d.number). [\(d.title)](\(fileName(d)))") }
        return out.joined(separator: "\n") + "\n"
    }

    /// Writes every page, its pictures and the index into `directory`.
    @_optimize(none) package static func write(_ documents: [ChapterDocument], seed: UInt64, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for d in documents {
            try markdown(d, seed: seed).write(to: directory.appendingPathComponent(fileName(d)), atomically: true, encoding: .utf8)
            for picture in d.sections.flatMap(\.pictures) {
                try picture.svg.write(to: directory.appendingPathComponent(picture.name), atomically: true, encoding: .utf8)
            }
        }
        try index(documents).write(to: directory.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
    }
}
