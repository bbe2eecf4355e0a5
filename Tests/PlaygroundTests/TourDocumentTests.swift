import Foundation
import Testing

/// The package root (three levels above this file).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The tour's chapters as Tour.swift lists them: number, name, title and the function that runs it.
func tourChapters() throws -> [(number: Int, name: String, title: String, function: String)] {
    let tour = try String(contentsOf: packageRoot.appendingPathComponent("Sources/Playground/Tour.swift"), encoding: .utf8)
    let pattern = try NSRegularExpression(pattern: #"Chapter\(number: (\d+), name: "(\w+)", title: "([^"]+)", run: (\w+)\)"#)
    return pattern.matches(in: tour, range: NSRange(tour.startIndex..., in: tour)).map { match in
        let group = { (i: Int) in String(tour[Range(match.range(at: i), in: tour)!]) }
        return (Int(group(1))!, group(2), group(3), group(4))
    }
}

/// FNV-1a (64 bits), as the playground writes it on each Markdown page.
func sourceHash(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
    }
    return String(hash, radix: 16)
}

/// Checks `index.html` in `directory`: self-contained, a table of contents, and for each chapter its section
/// with code, output and as many inline pictures as SVG files the run wrote.
func checkTourPage(in directory: URL, chapters: [Int]) throws {
    let page = try String(contentsOf: directory.appendingPathComponent("index.html"), encoding: .utf8)
    #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("<meta charset=\"utf-8\">") && page.hasSuffix("</html>\n"))
    for outside in ["<script", "<link", "<img", "<iframe", "src=", "@import", "https:"] {
        #expect(!page.contains(outside), "the page is not self-contained: \(outside)")
    }
    // url(#arrow) names a marker inside the page; nothing else may be referenced.
    #expect(page.range(of: #"url\((?!#)"#, options: .regularExpression) == nil, "the page refers to an outside url(…)")
    // The only address is the SVG namespace.
    #expect(page.components(separatedBy: "http://").dropFirst().allSatisfy { $0.hasPrefix("www.w3.org/2000/svg\"") })
    #expect(page.contains("<nav id=\"contents\""))
    let sections = page.components(separatedBy: "<section class=\"chapter\" id=\"chapter-").dropFirst()
    #expect(sections.map { Int($0.prefix(while: \.isNumber)) ?? -1 } == chapters)
    for (number, section) in zip(chapters, sections) {
        #expect(page.contains("<li><a href=\"#chapter-\(number)\">"), "chapter \(number) is not in the contents")
        #expect(section.contains("<pre class=\"code\">") && section.contains("<pre class=\"output\">"), "chapter \(number) lacks code or output")
        #expect(section.contains("<p>"), "chapter \(number) lacks its explanations")
        #expect(!section.contains("context.") && !section.contains("‹"), "chapter \(number) shows playground-only code")
        #expect(section.components(separatedBy: "<svg ").count == section.components(separatedBy: "</svg>").count)
    }
    let pictures = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".svg") }
    #expect(page.components(separatedBy: "<figure><svg ").count - 1 == pictures.count)
    for name in pictures { #expect(page.contains("<figcaption>\(name)</figcaption>"), "\(name) is not on the page") }
}

@Suite("the tutorial's Markdown pages")
struct TutorialPageTests {
    @Test("every chapter has a page generated from its current source, with output, pictures and pasteable code")
    func pagesAreCurrent() throws {
        let chapters = try tourChapters()
        #expect(chapters.count >= 11)
        let sources = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("Sources/Playground/Chapters").path)
            .filter { $0.hasSuffix(".swift") }
            .map { try String(contentsOf: packageRoot.appendingPathComponent("Sources/Playground/Chapters/\($0)"), encoding: .utf8) }
        let folder = packageRoot.appendingPathComponent("Docs/Tutorial")
        let index = try String(contentsOf: folder.appendingPathComponent("README.md"), encoding: .utf8)
        for chapter in chapters {
            let file = String(format: "%02d-%@.md", chapter.number, chapter.name)
            #expect(index.contains("](\(file))"), "the tutorial's index lacks \(file)")
            let source = try #require(sources.first { $0.contains("func \(chapter.function)(") }, "no source for \(chapter.function)")
            let page = try #require(try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8),
                                    "\(file) is missing: run python3 Scripts/make-tutorial.py")
            #expect(page.contains("source hash \(sourceHash(source)) -->"),
                    "\(file) is stale (its chapter changed since): run python3 Scripts/make-tutorial.py")
            #expect(page.hasPrefix("# Chapter \(chapter.number): \(chapter.title)\n"))
            #expect(page.contains("```text\n"), "\(file) shows no output")
            for placeholder in ["‹", "context.", "LinePlot", "DecisionMap", "ImageStrip", "Terminal.", "Float._"] {
                #expect(!page.contains(placeholder), "\(file) holds \(placeholder)")
            }
            // format(…) and seed are defined on the page where the code uses them.
            let code = page.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "```")[0] }.joined()
            if code.contains("format(") { #expect(code.contains("func format(_ x: Double")) }
            #expect(!code.contains("@_optimize"), "\(file) shows the playground's build annotation")
            if code.range(of: #"(?<![\w.])seed(?!\w)"#, options: .regularExpression) != nil { #expect(code.contains("let seed: UInt64")) }
            for link in page.components(separatedBy: "](").dropFirst().map({ String($0.prefix(while: { $0 != ")" })) }) where link.hasSuffix(".svg") {
                #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(link).path), "\(file) links a missing \(link)")
            }
        }
    }
}
