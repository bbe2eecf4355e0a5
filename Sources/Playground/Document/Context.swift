import Foundation

/// One thing a chapter produced, in the order it ran, with the source line that produced it: the page
/// (`index.html`) and the Markdown tutorial are built from these.
package enum TourEvent {
    case text(String, file: String, line: Int)
    case picture(name: String, svg: String, file: String, line: Int)
}

/// What a chapter needs: where pictures go, the seed, and how to write text.
package final class Context {
    package let outputDirectory: URL
    package let seed: UInt64
    /// Whether chapters that can print the tape as it is recorded and differentiated do (`--trace`).
    package let trace: Bool
    /// Whether chapters that train for long train briefly instead (`--quick`, for tests).
    package let quick: Bool
    package private(set) var written: [String] = []
    /// What was said and saved since the last `takeEvents()`.
    package private(set) var events: [TourEvent] = []

    package init(outputDirectory: URL, seed: UInt64, trace: Bool = false, quick: Bool = false) {
        self.outputDirectory = outputDirectory
        self.seed = seed
        self.trace = trace
        self.quick = quick
    }

    /// Prints `text` and records it with the line that said it.
    package func say(_ text: String = "", file: String = #filePath, line: Int = #line) {
        print(text)
        events.append(.text(text, file: file, line: line))
    }

    /// Writes an SVG into the output directory and says where it is.
    package func save(_ svg: SVG, as name: String, file: String = #filePath, line: Int = #line) throws {
        let url = outputDirectory.appendingPathComponent(name)
        try svg.write(to: url)
        written.append(name)
        events.append(.picture(name: name, svg: svg.document, file: file, line: line))
        print("  picture: \(url.path)")
    }

    /// The events recorded so far (one chapter's), clearing them.
    package func takeEvents() -> [TourEvent] {
        defer { events = [] }
        return events
    }

    /// Writes an SVG document made by the library (e.g. `TapeGraph.svg`) into the output directory.
    package func save(svgText: String, as name: String, file: String = #filePath, line: Int = #line) throws {
        let url = outputDirectory.appendingPathComponent(name)
        try svgText.write(to: url, atomically: true, encoding: .utf8)
        written.append(name)
        events.append(.picture(name: name, svg: svgText, file: file, line: line))
        print("  picture: \(url.path)")
    }
}

/// One chapter of the tour.
package struct Chapter: Sendable {
    package let number: Int
    package let name: String
    package let title: String
    package let run: @Sendable (Context) throws -> Void

    package init(number: Int, name: String, title: String, run: @escaping @Sendable (Context) throws -> Void) {
        self.number = number
        self.name = name
        self.title = title
        self.run = run
    }
}

package func format(_ x: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", x) }
package func format(_ x: Float, _ digits: Int = 4) -> String { format(Double(x), digits) }
