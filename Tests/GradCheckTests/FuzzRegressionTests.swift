import Foundation
import Testing

/// Inputs the fuzzer (Scripts/fuzz.sh gradcheck) found, and inputs at the edges of the language: each must end
/// in a result or a typed error (exit 0, 1 or 2), never a crash.
/// Values for the variables `text` mentions (the tool refuses values the expression does not use).
func fuzzArguments(_ text: String) -> [String] {
    let values = ["x": "x=0.5", "y": "y=-2", "v": "v=[1,2,3]", "A": "A=[[1,2,3],[4,5,6]]"]
    let words = Set(text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).map(String.init))
    let used = values.keys.sorted().filter { words.contains($0) }
    return [text] + (used.isEmpty ? [] : ["--at"] + used.map { values[$0]! })
}

@Suite("gradcheck fuzz regressions")
struct FuzzRegressionTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/GradCheck")

    /// The seed corpus and the inputs the fuzzer found (`regressions/`), as "folder/name".
    static var inputs: [String] {
        ["corpus", "regressions"].flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(folder).path)) ?? [])
                .filter { !$0.hasPrefix(".") }.sorted().map { "\(folder)/\($0)" }
        }
    }

    @Test("every saved input ends without a crash", arguments: inputs)
    func replay(_ file: String) throws {
        let text = String(decoding: try Data(contentsOf: Self.directory.appendingPathComponent(file)), as: UTF8.self)
        let (status, _, _) = try runTool("gradcheck", fuzzArguments(text))
        #expect([0, 1, 2].contains(status), "\(file): exit status \(status)")
    }

    @Test("edge cases of the language end in a typed error, not a crash", arguments: [
        String(repeating: "(", count: 500) + "x" + String(repeating: ")", count: 500),
        String(repeating: "-", count: 1000) + "x",
        "x" + String(repeating: "^x", count: 300),
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        "1e999999", "sum(v, axes: 99999999999999999999)", "reshaped(v, to: [-1])", "gathering(v, atIndices: [5])",
        "concatenate([], alongAxis: 0)", "concatenate([v, A], alongAxis: 0)", "softmax(x)", "matmul(x, v)",
        "max(v, axes: [])", "sum(v, axes: 0.5)", "leakyRelu(v, alpha: [1, 2])", "pow(v)", "\u{0}", "é(x)", "x ** 2",
        "[1, [2, 3]]", "sum([])", "logSumExp([], axes: 0)",
    ])
    func edges(_ text: String) throws {
        let (status, _, err) = try runTool("gradcheck", fuzzArguments(text))
        #expect([0, 1, 2].contains(status), "exit status \(status) for \(text.prefix(40)): \(err.prefix(300))")
    }
}

/// Cases from issue 12: inputs a user can type that once trapped or took seconds.
@Suite("gradcheck: hostile arguments")
struct HostileArgumentTests {
    static let long = String(repeating: "a", count: 100_000)

    @Test("a constant expression at second order passes with nothing to compare", arguments: [".5", "2 * 3", "sum([1, 2])"])
    func constantSecondOrder(_ text: String) throws {
        let (status, out, _) = try gradcheck(text, "--order", "2")
        #expect(status == 0)
        #expect(out.contains("Second-order gradient check passed: 0 derivatives"))
    }

    @Test("option values and names of 100,000 characters end within 2 s with a typed error", arguments: [
        ["--op", long], ["--" + long], [long + "(x)", "--at", "x=1"], ["x", "--at", "x=" + long], ["x", "--shape", "x=" + long],
        ["x", "--epsilon", long], ["x", "--order", long],
    ])
    func longValues(_ arguments: [String]) throws {
        let start = ContinuousClock.now
        let (status, _, err) = try runTool("gradcheck", arguments)
        let elapsed = ContinuousClock.now - start
        #expect([1, 2].contains(status), "exit status \(status): \(err.prefix(200))")
        #expect(elapsed < .seconds(2), "took \(elapsed)")
    }

    @Test("a swapped pair of letters suggests the intended name (tahn: tanh, not tan)")
    func transposition() throws {
        let (status, _, err) = try gradcheck("tahn(x)", "--at", "x=1")
        #expect(status == 2)
        #expect(err.contains("did you mean 'tanh'?"))
        let (_, _, opErr) = try gradcheck("--op", "sigmiod")
        #expect(opErr.contains("did you mean 'sigmoid'?"))
    }
}
