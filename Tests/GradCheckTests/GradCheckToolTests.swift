import Foundation
import Testing
import AutoDiff
import GradCheckCore

/// Runs a built executable of this package (next to the test bundle) and collects what it printed.
func runTool(_ name: String, _ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let process = Process()
    process.executableURL = directory.appendingPathComponent(name)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read standard error on another thread: a child that fills one pipe while we wait on the other would hang.
    final class Collected: @unchecked Sendable { var data = Data() }
    let errors = Collected()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { errors.data = err.fileHandleForReading.readDataToEndOfFile() }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    let errData = errors.data
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

func gradcheck(_ arguments: String...) throws -> (status: Int32, out: String, err: String) { try runTool("gradcheck", arguments) }

@Suite("gradcheck, end to end")
struct GradCheckToolTests {
    @Test("without arguments: every operation of the catalog, first and second order, all PASS")
    func fullTable() throws {
        let (status, out, err) = try gradcheck()
        #expect(status == 0 && err.isEmpty)
        let rows = out.split(separator: "\n").filter { $0.contains(" PASS ") || $0.contains(" FAIL ") }
        #expect(rows.count == 2 * PrimitiveCheck.all.count)
        #expect(!out.contains(" FAIL "))
        for check in PrimitiveCheck.all {
            #expect(rows.contains { $0.hasPrefix(check.name + " ") && $0.contains(check.shapeDescription) }, "\(check.name) missing")
        }
        #expect(out.contains("\(2 * PrimitiveCheck.all.count) checks (first and second order): \(2 * PrimitiveCheck.all.count) passed, 0 failed"))
        #expect(out.contains("avoid the points where an operation is not differentiable"))
    }

    @Test("a passing expression prints its value, both gradients and PASS")
    func passingExpression() throws {
        let (status, out, err) = try gradcheck("tanh(x) * y + exp(x / y)", "--at", "x=0.5", "y=2")
        #expect(status == 0 && err.isEmpty)
        #expect(out.contains("f = tanh(x) * y + exp(x / y)"))
        #expect(out.contains("value: 2.20826"))
        #expect(out.contains("∂f/∂x analytical: 2.21491") && out.contains("∂f/∂x numerical:  2.21491"))
        #expect(out.contains("∂f/∂y analytical: 0.301614"))
        #expect(out.hasSuffix("PASS\n"))
    }

    @Test("gelu, silu, log1p and expm1 are in the expression language, first and second order")
    func smoothFunctions() throws {
        let r = try gradcheck("gelu(x) * silu(y) + log1p(x) - expm1(y)", "--at", "x=[0.3,-0.7]", "y=1.2", "--order", "2")
        #expect(r.status == 0 && r.out.contains("PASS") && r.out.contains("Second-order gradient check passed"), "\(r.out)\(r.err)")
        let list = try gradcheck("--list")
        for f in ["gelu(x)", "silu(x)", "log1p(x)", "expm1(x)"] { #expect(list.out.contains(f)) }
    }

    @Test("tensors from shapes and lists, and a second-order check")
    func tensorsAndOrderTwo() throws {
        let a = try gradcheck("sum(matmul(A, x))", "--shape", "A=3x4", "x=4", "--seed", "7")
        #expect(a.status == 0 && a.out.contains("PASS"))
        let b = try gradcheck("logSumExp(v, axes: 0)", "--at", "v=[1,2,3]", "--order", "2")
        #expect(b.status == 0 && b.out.contains("Second-order gradient check passed"))
    }

    @Test("convolution and pooling in the expression language, to second order; misfits are messages with exit 2")
    func convolutions() throws {
        let a = try gradcheck("sum(conv2d(x, filter: w, bias: b, stride: 2, padding: 1, groups: 2) ^ 2)",
                              "--shape", "x=1x2x5x5", "w=4x1x3x3", "b=4", "--order", "2")
        #expect(a.status == 0 && a.out.contains("Second-order gradient check passed"))
        let b = try gradcheck("sum(avgPool2d(maxPool2d(x, kernelSize: 2, stride: 1), kernelSize: 2, padding: 1) ^ 2) + sum(conv1d(y, filter: v, dilation: 2) ^ 2)",
                              "--shape", "x=1x1x4x4", "y=1x2x7", "v=1x2x2", "--quiet")
        #expect(b.status == 0 && b.out.contains("PASS"))
        let c = try gradcheck("conv2d(x, filter: w, groups: 3)", "--shape", "x=1x2x5x5", "w=3x2x3x3")
        #expect(c.status == 2 && c.err.contains("conv2d: input of shape [1, 2, 5, 5] and filter of shape [3, 2, 3, 3] with groups: 3"))
        let d = try gradcheck("maxPool2d(x, kernelSize: 3, padding: 2)", "--shape", "x=1x1x4x4")
        #expect(d.status == 2 && d.err.contains("0 ≤ padding ≤ kernelSize / 2"))
        let e = try gradcheck("conv1d(x, filter: w)", "--shape", "x=1x1x2", "w=1x1x3")
        #expect(e.status == 2 && e.err.contains("conv1d: input of shape [1, 1, 2] and filter of shape [1, 1, 3]") && e.err.contains("no output position"))
    }

    @Test("a deliberately wrong derivative, defined with DifferentiableFunction in a fixture, is a FAIL with exit 1")
    func brokenRule() throws {
        let (status, out, _) = try runTool("GradCheckFixture", ["brokenSquare(x)", "--at", "x=[1,2,3]"])
        #expect(status == 1)
        #expect(out.contains("Gradient check FAILED: 3 of 9 derivatives differ"))
        #expect(out.contains("output [2], input 0 element [2]: analytical 3.0, numerical 6"))
        #expect(out.hasSuffix("FAIL\n"))
        let good = try runTool("GradCheckFixture", ["square(x) * 2", "--at", "x=3", "--order", "2"])
        #expect(good.status == 0)
    }

    @Test("user functions belong to the command they are passed to: the fixture lists them, the plain tool does not know them")
    func userFunctionsPassedIn() throws {
        let list = try runTool("GradCheckFixture", ["--list"])
        #expect(list.status == 0 && list.out.contains("square(x)   (added by this program)"))
        #expect(list.out.contains("brokenSquare(x)   (added by this program)"))
        let plain = try gradcheck("square(x)", "--at", "x=3")
        #expect(plain.status == 2 && plain.err.contains("unknown function 'square'"))
        #expect(try !gradcheck("--list").out.contains("added by this program"))
    }

    @Test("inside a composite, the fixture's broken rule is found by name, in the text and in --json")
    func locatedRule() throws {
        let (status, out, _) = try runTool("GradCheckFixture", ["sum(exp(square(x) * 0.5) + brokenSquare(x) * y)",
                                                                "--at", "x=[1,2,3]", "y=[0.5,1,2]"])
        #expect(status == 1)
        #expect(out.contains("Located: the derivative rule of brokenSquare"))
        #expect(out.contains("output [2], input 0 element [2]: rule 3.0, numerical 6"))
        let json = try runTool("GradCheckFixture", ["sum(exp(square(x) * 0.5) + brokenSquare(x) * y)", "--at", "x=[1,2,3]",
                                                    "y=[0.5,1,2]", "--json"])
        #expect(json.status == 1)
        let document = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        let check = (document?["checks"] as? [[String: Any]])?.first
        let located = check?["faultyRule"] as? [String: Any]
        #expect(located?["operation"] as? String == "brokenSquare")
        #expect(located?["input"] as? Int == 0)
        #expect(located?["element"] as? [Int] == [2])
        #expect(located?["analytical"] as? Double == 3)
        let passing = try runTool("GradCheckFixture", ["sum(square(x))", "--at", "x=[1,2]", "--json"])
        #expect(!passing.out.contains("faultyRule"))
    }

    @Test("errors go to standard error with exit 2", arguments: [
        (["tanh(x) * ", "--at", "x=1"], ["cannot parse the expression: expected a number, a variable, a function call, '(' or '[', found the end of the expression (column 11)", "  tanh(x) * \n            ^"]),
        (["tnah(x)", "--at", "x=1"], ["unknown function 'tnah'; did you mean 'tanh'? (column 1)", "  tnah(x)\n  ^"]),
        (["x * y", "--at", "x=1"], ["no value for the variable 'y' of the expression: give one with --at y=…"]),
        (["matmul(A, B)", "--shape", "A=2x3", "B=2x3"], ["matmul: shapes [2, 3] and [2, 3] do not fit: the left has 3 columns, the right 2 rows"]),
        (["x + y", "--at", "x=[1,2]", "y=[1,2,3]"], ["+: shapes [2] and [3] cannot be broadcast together. Fix: make each axis", "(column 3)"]),
        (["sum(x, axes: 3)", "--at", "x=[1,2]"], ["sum: axes [3] are out of range for shape [2] (rank 1). Fix: use axes in -1..<1"]),
        (["x", "--at", "x=[1,"], ["--at x=[1,: expected a number"]),
        (["x", "--order", "3", "--at", "x=1"], ["--order takes 1 or 2, got '3'"]),
        (["--bogus"], ["unknown option '--bogus'"]),
        (["--op", "matmull"], ["unknown operation 'matmull'; did you mean 'matmul'?"]),
        (["((((x))))))", "--at", "x=1"], ["expected an operator or the end, found ')' (column 10)"]),
        (["x $ 2", "--at", "x=1"], ["unexpected character '$' (column 3)"]),
        (["A * 2", "--shape", "A=300x300"], ["too large to check by finite differences: 90000 outputs × 90000 inputs", "sum(A * 2)"]),
        (["sum(A)", "--shape", "A=300x300"], ["too large to check by finite differences: 1 output × 90000 inputs"]),
    ] as [([String], [String])])
    func errors(_ arguments: [String], _ expected: [String]) throws {
        let (status, out, err) = try runTool("gradcheck", arguments)
        #expect(status == 2)
        #expect(out.isEmpty)
        #expect(err.hasPrefix("gradcheck: "))
        for text in expected { #expect(err.contains(text), "stderr was: \(err)") }
    }

    @Test("--help goes to standard output with examples, exit 0; --list lists operations and functions")
    func helpAndList() throws {
        let help = try gradcheck("--help")
        #expect(help.status == 0 && help.err.isEmpty)
        #expect(help.out.hasPrefix("usage: gradcheck") && help.out.contains("examples:") && help.out.contains("--json"))
        let list = try gradcheck("--list")
        #expect(list.status == 0 && list.out.contains("matmul") && list.out.contains("logSumExp(x, axes: 0)"))
    }

    struct Document: Decodable {
        struct Check: Decodable {
            let op: String, inputs: String, order: Int, passed: Bool, derivatives: Int
            let maxAbsoluteError: Double, maxRelativeError: Double
        }
        struct Gradient: Decodable { let variable: String, shape: [Int], analytical: [Double], numerical: [Double] }
        let mode: String, passed: Bool, checks: [Check]
        let value: [Double]?, gradients: [Gradient]?
    }

    @Test("--json is one document that JSONDecoder reads back")
    func json() throws {
        let (status, out, _) = try gradcheck("x * x + y", "--at", "x=3", "y=[1,2]", "--json", "--order", "2")
        #expect(status == 0)
        let doc = try JSONDecoder().decode(Document.self, from: Data(out.utf8))
        #expect(doc.mode == "expression" && doc.passed && doc.checks.map(\.order) == [1, 2])
        #expect(doc.value == [10, 11])
        #expect(doc.gradients?.map(\.variable) == ["x", "y"])
        #expect(doc.gradients?[0].analytical == [12])
        let all = try gradcheck("--op", "matmul", "--json")
        let table = try JSONDecoder().decode(Document.self, from: Data(all.out.utf8))
        #expect(table.mode == "operations" && table.passed)
        #expect(table.checks.count == 2 * PrimitiveCheck.all.filter { $0.name == "matmul" }.count)
        #expect(table.checks.allSatisfy { $0.op == "matmul" && $0.maxAbsoluteError < 1e-5 })
    }
}
