import Foundation
import Testing

/// Every Swift code block of the README and of Docs/ runs: each one must stand in a marked snippet of a test
/// (README and guide snippets) or in the playground's chapter sources (the tutorial), which run in the tests.
@Suite("Documentation code blocks")
struct DocsTests {
    static func normalized(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.drop(while: { $0 == " " }) }.joined(separator: "\n")
    }

    static func files(under folder: String, suffix: String) -> [URL] {
        let base = repositoryRoot.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.lastPathComponent.hasSuffix(suffix) }.sorted { $0.path < $1.path }
    }

    static func swiftBlocks(_ text: String) -> [String] {
        text.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
    }

    @Test("every Swift block of the README and Docs/ runs in a test or in the playground")
    func everyBlock() throws {
        var places: [String] = []
        for file in Self.files(under: "Tests", suffix: ".swift") {
            let source = try String(contentsOf: file, encoding: .utf8)
            for marker in ["README", "DOCS"] {
                for part in source.components(separatedBy: "// BEGIN \(marker) SNIPPET").dropFirst() {
                    places.append(Self.normalized(part.components(separatedBy: "// END \(marker) SNIPPET")[0]))
                }
            }
        }
        for file in Self.files(under: "Sources/Playground", suffix: ".swift") {
            places.append(Self.normalized(try String(contentsOf: file, encoding: .utf8)))
        }
        let documents = [repositoryRoot.appendingPathComponent("README.md")] + Self.files(under: "Docs", suffix: ".md")
        var checked = 0
        for document in documents {
            for block in Self.swiftBlocks(try String(contentsOf: document, encoding: .utf8)) where !block.hasPrefix("// Package.swift") {
                let code = block.split(separator: "\n", omittingEmptySubsequences: false)
                    .filter { !$0.hasPrefix("import ") || document.path.contains("Tutorial") }.joined(separator: "\n")
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(places.contains { $0.contains(Self.normalized(code)) },
                        "\(document.lastPathComponent): a code block stands in no test or playground source:\n\(code.prefix(300))")
                checked += 1
            }
        }
        #expect(checked >= 20)
    }

    @Test("the tutorial has a page for every chapter of the playground")
    func tutorialPages() throws {
        let tour = try String(contentsOf: repositoryRoot.appendingPathComponent("Sources/Playground/Tour.swift"), encoding: .utf8)
        let count = tour.components(separatedBy: "Chapter(number: ").count - 1
        let pages = Self.files(under: "Docs/Tutorial", suffix: ".md").filter { $0.lastPathComponent != "README.md" }
        #expect(pages.count == count && count >= 13)
    }
}
