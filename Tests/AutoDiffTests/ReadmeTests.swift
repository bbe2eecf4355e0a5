import Foundation
import Testing
import AutoDiff

/// The README's first example, run, with its output compared with the README (NNTests checks that the
/// README still shows this code).
@Suite("README")
struct ReadmeTests {
    // BEGIN README SNIPPET
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
    // END README SNIPPET

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("the README's example prints what the README says")
    func output() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = Self.example()
        let printed = lines.joined(separator: "\n")
        #expect(readme.contains("```text\n" + printed + "\n```"), "README output block should be:\n\(printed)")
    }
}
