import Foundation
import Testing
import AutoDiff

/// The README's example, run, and compared with the README so that the two cannot drift apart.
@Suite("README")
struct ReadmeTests {
    // BEGIN README EXAMPLE
    static func example() -> [String] {
        var out: [String] = []
        func print(_ x: Any) { out.append("\(x)") }

        let x = Variable(Tensor<Double>([0.5, -1.0]))     // leaves: gradients flow to them
        let w = Variable(Tensor<Double>(2.0))
        let y = (tanh(x * w) + 1).sum()                   // recorded on the tape as it runs
        y.backward()                                      // one reverse sweep applies the chain rule
        print(y.value)
        print(x.grad!)                                    // dy/dx = w · (1 − tanh²(x·w))
        print(w.grad!)                                    // dy/dw = Σ x · (1 − tanh²(x·w))

        print(gradient(at: Tensor<Double>([1, 2, 3]), of: { v in (v * v).sum() }))
        print(checkGradients(of: { xs in (xs[0] * sin(xs[1])).sum() },
                             at: [Tensor([1, 2]), Tensor([0.5, -0.3])]))
        return out
    }
    // END README EXAMPLE

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("the README's example prints what the README says")
    func output() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = Self.example()
        let printed = lines.joined(separator: "\n")
        #expect(readme.contains("```text\n" + printed + "\n```"), "README output block should be:\n\(printed)")
    }

    @Test("the README shows the same code as this test")
    func sameCode() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let start = source.range(of: "// BEGIN README EXAMPLE")!.upperBound
        let end = source.range(of: "    // END README EXAMPLE")!.lowerBound
        let body = source[start..<end].split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("static func example") && !$0.contains("var out") && !$0.contains("func print")
                && !$0.contains("return out") && $0.trimmingCharacters(in: .whitespaces) != "}" }
            .map { $0.count >= 8 ? String($0.dropFirst(8)) : String($0) }
            .joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(readme.contains(body), "README code block should contain:\n\(body)")
    }
}
