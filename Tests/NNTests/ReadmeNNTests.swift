import Foundation
import Testing
import NN

// BEGIN README SNIPPET
struct Affine: Layer {
    let scale = Variable(Tensor<Float>(1))
    let shift = Variable(Tensor<Float>(0))
    func callAsFunction(_ x: Variable<Float>) -> Variable<Float> { x * scale + shift }
    var namedParameters: [(name: String, parameter: Variable<Float>)] { [("scale", scale), ("shift", shift)] }
}
// END README SNIPPET

/// The README's NN examples, run, with their output compared with the README; and a check that every
/// runnable Swift block of the README stands in one of the tests' marked snippets.
@Suite("README (NN and every code block)")
struct ReadmeNNTests {
    static func firstModel() throws -> [String] {
        var out: [String] = []
        func print(_ x: Any) { out.append("\(x)") }
        // BEGIN README SNIPPET
        let model = withRandomSeed(42) {                  // the same seed gives the same weights, everywhere
            Sequential {
                Dense(inputSize: 2, outputSize: 3, activation: sigmoid, weightInitializer: .xavierUniform)
                Dense(inputSize: 3, outputSize: 1, activation: sigmoid, weightInitializer: .xavierUniform)
            }
        }
        let optimizer = SGD(for: model, learningRate: 2)
        let x = Tensor<Float>([[0, 0], [0, 1], [1, 0], [1, 1]])
        let y = Tensor<Float>([[0], [1], [1], [0]])
        for epoch in 1...2000 {
            optimizer.zeroGrad()
            let loss = meanSquaredError(predicted: model(x), expected: y)
            loss.backward()
            optimizer.step()
            if epoch % 500 == 0 { print("epoch \(epoch): loss \(loss.scalar)") }
        }
        print(model.predict(x))
        // END README SNIPPET
        let printed = out
        // BEGIN README SNIPPET
        let history = try model.fit(x, y, loss: .meanSquaredError, optimizer: optimizer, epochs: 100, batchSize: 4,
                                    verbosity: .silent)
        print(history.loss.last!)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("xor.safetensors")
        try model.saveParameters(to: file)
        try model.loadParameters(from: file)
        // END README SNIPPET
        #expect(history.loss.last! < 0.01)
        return printed
    }

    static func readme() throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
    }

    @Test("the first model prints what the README says")
    func firstModelOutput() throws {
        // Float32 training: the last digits depend on whether the processor has fused multiply-add (the vector
        // kernels use it), so numbers are compared to 4 significant digits and everything else exactly.
        let printed = try Self.firstModel().joined(separator: "\n")
        let readme = try Self.readme()
        let blocks = readme.components(separatedBy: "```text\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
        #expect(blocks.contains { Self.sameUpToRounding($0, printed) }, "README output block should be:\n\(printed)")
    }

    /// Whether two texts are equal once their numbers are rounded to 4 significant digits.
    static func sameUpToRounding(_ a: String, _ b: String) -> Bool {
        func tokens(_ text: String) -> [String] {
            var result: [String] = [], current = ""
            func flush() {
                if let x = Double(current) { result.append(String(format: "%.4g", x)) } else if !current.isEmpty { result.append(current) }
                current = ""
            }
            for ch in text {
                if ch.isNumber || ch == "." || ch == "-" || ch == "e" { current.append(ch) } else {
                    flush()
                    result.append(String(ch))
                }
            }
            flush()
            return result
        }
        return tokens(a) == tokens(b)
    }

    /// Lines with their leading white space removed, so indentation inside a test does not matter.
    static func normalized(_ text: Substring) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.drop(while: { $0 == " " }) }.joined(separator: "\n")
    }

    @Test("every Swift block of the README runs in a test")
    func everyBlockIsTested() throws {
        let readme = try Self.readme()
        var blocks: [String] = []
        var rest = readme[...]
        while let start = rest.range(of: "```swift\n") {
            let end = rest[start.upperBound...].range(of: "```")!
            blocks.append(String(rest[start.upperBound..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        let sources = try ["Tests/AutoDiffTests/ReadmeTests.swift", "Tests/NNTests/ReadmeNNTests.swift"].map {
            try String(contentsOf: repositoryRoot.appendingPathComponent($0), encoding: .utf8)
        }
        var snippets: [String] = []
        for source in sources {
            for part in source.components(separatedBy: "// BEGIN README SNIPPET").dropFirst() {
                snippets.append(Self.normalized(part.components(separatedBy: "// END README SNIPPET")[0][...]))
            }
        }
        #expect(blocks.count >= 4)
        for block in blocks where !block.hasPrefix("// Package.swift") {
            let code = block.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("import ") }.joined(separator: "\n")
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let wanted = Self.normalized(code[...])
            #expect(snippets.contains { $0.contains(wanted) }, "README block not found in a test snippet:\n\(code)")
        }
    }
}
