// The gradcheck command: compares the tape's gradients with central finite differences. The checking itself is
// AutoDiff's `checkGradients`; this tool parses the command line, runs the checks, prints, and sets the
// exit status (0 all pass, 1 a check failed, 2 a usage or parse error).
import Foundation
#if !FUZZING
import AutoDiff
#endif

func writeError(_ text: String) {
    FileHandle.standardError.write(Data(("gradcheck: " + text + "\n").utf8))
}

/// Runs a step that can fail on the user's input: on an error, writes it (an expression error rendered with
/// a caret under `text`) and returns nil, so that the caller exits with status 2.
func attempt<T>(_ text: String = "", prefix: String = "", _ body: () throws -> T) -> T? {
    do {
        return try body()
    } catch let error as UsageError {
        writeError(error.message)
    } catch let error as ExpressionError {
        writeError(prefix + error.render(text))
    } catch {
        writeError("\(error)")
    }
    return nil
}

/// One check as the JSON document reports it.
struct CheckRecord: Codable {
    var op: String
    var inputs: String
    var order: Int
    var passed: Bool
    var derivatives: Int
    var maxAbsoluteError: Double
    var maxRelativeError: Double
    var milliseconds: Double
    var mismatches: [MismatchRecord]
    /// When the check failed: the first recorded operation whose own rule disagrees with finite differences.
    var faultyRule: FaultyRuleRecord?
}

struct FaultyRuleRecord: Codable {
    var operation: String
    var node: Int
    var file: String?
    var line: Int?
    var input: Int
    var element: [Int]
    var outputElement: [Int]
    var analytical: Double
    var numerical: Double
}

struct MismatchRecord: Codable {
    var outputElement: [Int]
    var input: Int
    var element: [Int]
    var analytical: Double
    var numerical: Double
    var absoluteError: Double
}

struct GradientRecord: Codable {
    var variable: String
    var shape: [Int]
    var analytical: [Double]
    var numerical: [Double]
}

struct Document: Codable {
    var mode: String
    var expression: String?
    var value: [Double]?
    var valueShape: [Int]?
    var gradients: [GradientRecord]?
    var epsilon: Double
    var absoluteTolerance: Double
    var relativeTolerance: Double
    var checks: [CheckRecord]
    var passed: Bool
}

func record(_ op: String, _ inputs: String, _ report: GradientCheckReport, _ ms: Double) -> CheckRecord {
    CheckRecord(op: op, inputs: inputs, order: report.order, passed: report.passed, derivatives: report.derivativeCount,
                maxAbsoluteError: report.maxAbsoluteError.isFinite ? report.maxAbsoluteError : -1,
                maxRelativeError: report.maxRelativeError.isFinite ? report.maxRelativeError : -1, milliseconds: ms,
                mismatches: report.mismatches.prefix(20).map {
                    MismatchRecord(outputElement: $0.outputElement, input: $0.input, element: $0.element,
                                   analytical: $0.analytical.isFinite ? $0.analytical : .nan,
                                   numerical: $0.numerical.isFinite ? $0.numerical : .nan, absoluteError: $0.absoluteError)
                },
                faultyRule: report.faultyRule.map {
                    FaultyRuleRecord(operation: $0.operation, node: $0.node, file: $0.file, line: $0.line, input: $0.input,
                                     element: $0.element, outputElement: $0.outputElement, analytical: $0.analytical,
                                     numerical: $0.numerical)
                })
}

func timed<T>(_ body: () -> T) -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let result = body()
    return (result, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
}

func sci(_ x: Double) -> String { x.isFinite ? String(format: "%.2e", x) : "nan" }

func emit(_ document: Document) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let data = (try? encoder.encode(document)) ?? Data("{}".utf8)
    print(String(decoding: data, as: UTF8.self))
}

/// Checks the catalog of the library's operations; returns the exit status.
func runPrimitives(_ options: Options) -> Int32 {
    var selected = PrimitiveCheck.all
    if !options.ops.isEmpty {
        let known = Set(selected.map(\.name))
        for name in options.ops where !known.contains(name) {
            var message = "unknown operation '\(name)'"
            if let near = nearestName(to: name, in: known.sorted()) {
                message += "; did you mean '\(near)'?"
            }
            writeError(message + " (gradcheck --list shows them)")
            return 2
        }
        selected = selected.filter { options.ops.contains($0.name) }
    }
    var records: [CheckRecord] = []
    let header = "op".padding(toLength: 34, withPad: " ", startingAt: 0) + "inputs".padding(toLength: 22, withPad: " ", startingAt: 0)
        + "order  max abs err  max rel err  result  time"
    if !options.json {
        print("gradcheck: \(selected.count) operations, checked in Double against central differences " +
              "(ε = \(options.epsilon), atol = \(options.atol), rtol = \(options.rtol))\n")
        if !options.quiet { print(header) }
    }
    for check in selected {
        let inputs = check.inputs(seed: options.seed)
        for order in [1, 2] {   // every operation is checked to first and second order
            let (report, ms) = timed {
                order == 1
                    ? checkGradients(of: check.f, at: inputs, epsilon: options.epsilon, absoluteTolerance: options.atol,
                                     relativeTolerance: options.rtol)
                    : checkSecondOrderGradients(of: { xs in (check.f(xs) * check.f(xs)).sum() }, at: inputs,
                                                epsilon: options.epsilon, absoluteTolerance: options.atol,
                                                relativeTolerance: options.rtol)
            }
            let r = record(check.name, check.shapeDescription, report, ms)
            records.append(r)
            if !options.json && (!options.quiet || !r.passed) {
                print(check.name.padding(toLength: 34, withPad: " ", startingAt: 0)
                      + check.shapeDescription.padding(toLength: max(22, check.shapeDescription.count + 1), withPad: " ", startingAt: 0)
                      + "\(order)".padding(toLength: 7, withPad: " ", startingAt: 0)
                      + sci(report.maxAbsoluteError).padding(toLength: 13, withPad: " ", startingAt: 0)
                      + sci(report.maxRelativeError).padding(toLength: 13, withPad: " ", startingAt: 0)
                      + (report.passed ? "PASS" : "FAIL").padding(toLength: 8, withPad: " ", startingAt: 0)
                      + String(format: "%.1f ms", ms))
                if !report.passed { print(report.description.split(separator: "\n").dropFirst().map { "    " + $0 }.joined(separator: "\n")) }
            }
        }
    }
    let failed = records.filter { !$0.passed }.count
    if options.json {
        emit(Document(mode: "operations", epsilon: options.epsilon, absoluteTolerance: options.atol,
                      relativeTolerance: options.rtol, checks: records, passed: failed == 0))
    } else {
        print("\n\(records.count) checks (first and second order): \(records.count - failed) passed, \(failed) failed")
        print("Inputs are seeded (--seed \(options.seed)) and avoid the points where an operation is not differentiable:")
        print("  |x| ≥ 0.2 and distinct values (the kinks of relu, leakyRelu and abs at 0, ties of max and min);")
        print("  x in [0.5, 2] where an operation needs positive inputs (log, sqrt, the base of pow, a divisor);")
        print("  0.1 ≤ |x| ≤ 0.6 for tan (far from its poles).")
    }
    return failed == 0 ? 0 : 1
}

/// The most work an expression check takes on (input elements × the larger of input and output elements):
/// beyond it a check would take minutes, so the tool asks for smaller values instead.
let maximumCheckWork = 4_000_000

/// Values for the expression's variables from --at and --shape.
func inputValues(_ options: Options, _ expression: Expression, _ text: String) throws -> [(String, Tensor<Double>)] {
    var given: [String: Tensor<Double>] = [:]
    for (name, valueText) in options.values {
        let parsed: Expression
        do {
            parsed = try Parser.parse(valueText)
        } catch let error as ExpressionError {
            throw UsageError(message: "--at \(name)=\(valueText): " + error.render(valueText))
        }
        do {
            given[name] = try Evaluator(values: [:]).evaluate(parsed).value
        } catch let error as ExpressionError {
            throw UsageError(message: "--at \(name)=\(valueText): a value is a number or a list of numbers: " + error.render(valueText))
        }
    }
    var rng = SeededGenerator(seed: options.seed)
    for (name, shape) in options.shapes {
        given[name] = Tensor<Double>.randomUniform(shape: shape, lowerBound: -1, upperBound: 1, using: &rng)
    }
    let names = expression.variables
    for name in names where given[name] == nil {
        throw UsageError(message: "no value for the variable '\(name)' of the expression: give one with --at \(name)=… or --shape \(name)=2x3")
    }
    for name in given.keys.sorted() where !names.contains(name) {
        throw UsageError(message: "'\(name)' has a value but the expression does not use it")
    }
    return names.map { ($0, given[$0]!) }
}

/// Checks an expression's gradients, with `functions` added to the language; returns the exit status.
func runExpression(_ text: String, _ options: Options, _ functions: [String: DifferentiableFunction<Double>]) -> Int32 {
    guard let expression = attempt(text, prefix: "cannot parse the expression: ", { try Parser.parse(text) }),
          let named = attempt(text, { try inputValues(options, expression, text) }) else { return 2 }
    let names = named.map(\.0)
    // Evaluate once on constants: every shape is checked here, before the library runs anything.
    let constants = Dictionary(uniqueKeysWithValues: named.map { ($0.0, V($0.1, requiresGrad: false)) })
    let evaluator = Evaluator(values: constants, userFunctions: functions)
    guard let value = attempt(text, { try withoutGradients { try evaluator.evaluate(expression).value } }) else { return 2 }
    // The check compares the full Jacobian (one backward pass per output) with finite differences (two
    // evaluations per input element): refuse sizes that would take minutes rather than run them.
    let inputCount = named.reduce(0) { $0 + $1.1.scalarCount }
    let work = inputCount * max(inputCount, value.scalarCount)
    if work > maximumCheckWork {
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        writeError("too large to check by finite differences: \(count(value.scalarCount, "output")) × \(count(inputCount, "input")) " +
                   "(the limit is about \(Int(Double(maximumCheckWork).squareRoot())) of each): use smaller values" +
                   (value.scalarCount > 1 ? ", or reduce the output, e.g. sum(\(text))" : ""))
        return 2
    }
    let f: ([V]) -> V = { xs in
        (try? Evaluator(values: Dictionary(uniqueKeysWithValues: zip(names, xs).map { ($0, $1) }), userFunctions: functions)
            .evaluate(expression))
            ?? V(Tensor(Double.nan), requiresGrad: false)
    }
    let scalarF: ([V]) -> V = { xs in f(xs).sum() }
    let inputs = named.map(\.1)
    // The gradient shown is of the sum of the outputs; the check below compares the whole Jacobian.
    let analytical = gradients(at: inputs, of: scalarF)
    let numerical = inputs.indices.map { i -> Tensor<Double> in
        var out = inputs[i]
        out.withUnsafeMutableBufferPointer { buf in
            for e in 0..<buf.count {
                var plus = inputs, minus = inputs
                plus[i].withUnsafeMutableBufferPointer { $0[e] += options.epsilon }
                minus[i].withUnsafeMutableBufferPointer { $0[e] -= options.epsilon }
                let fp = withoutGradients { scalarF(plus.map { V($0, requiresGrad: false) }).scalar }
                let fm = withoutGradients { scalarF(minus.map { V($0, requiresGrad: false) }).scalar }
                buf[e] = (fp - fm) / (2 * options.epsilon)
            }
        }
        return out
    }
    var records: [CheckRecord] = []
    let (first, ms1) = timed {
        checkGradients(of: f, at: inputs, epsilon: options.epsilon, absoluteTolerance: options.atol, relativeTolerance: options.rtol)
    }
    records.append(record(text, named.map { "\($0.0)\($0.1.shape)" }.joined(separator: " "), first, ms1))
    var reports = [first]
    if options.order == 2 {
        let (second, ms2) = timed {
            checkSecondOrderGradients(of: scalarF, at: inputs, epsilon: options.epsilon, absoluteTolerance: options.atol,
                                      relativeTolerance: options.rtol)
        }
        records.append(record(text, records[0].inputs, second, ms2))
        reports.append(second)
    }
    let passed = reports.allSatisfy(\.passed)
    if options.json {
        emit(Document(mode: "expression", expression: text, value: value.scalars, valueShape: value.shape,
                      gradients: zip(names, zip(analytical, numerical)).map {
                          GradientRecord(variable: $0.0, shape: $0.1.0.shape, analytical: $0.1.0.scalars, numerical: $0.1.1.scalars)
                      },
                      epsilon: options.epsilon, absoluteTolerance: options.atol, relativeTolerance: options.rtol,
                      checks: records, passed: passed))
    } else {
        if !options.quiet {
            print("f = \(text)")
            print("value: \(value)")
            if value.scalarCount != 1 { print("(the gradients shown are of the sum of the outputs; the check compares the whole Jacobian)") }
            for (name, (a, n)) in zip(names, zip(analytical, numerical)) {
                print("∂f/∂\(name) analytical: \(a)")
                print("∂f/∂\(name) numerical:  \(n)")
            }
        }
        for report in reports where !options.quiet || !report.passed { print(report) }
        print(passed ? "PASS" : "FAIL")
    }
    return passed ? 0 : 1
}

func listOperations(_ functions: [String: DifferentiableFunction<Double>]) {
    print("Operations checked by gradcheck without an expression (--op NAME selects some):")
    var seen: [String] = []
    for check in PrimitiveCheck.all where !seen.contains(check.name) { seen.append(check.name) }
    for name in seen {
        let shapes = PrimitiveCheck.all.filter { $0.name == name }.map(\.shapeDescription)
        print("  " + name.padding(toLength: 34, withPad: " ", startingAt: 0) + shapes.joined(separator: ", "))
    }
    print("\nFunctions of the expression language:")
    for f in Evaluator.functions { print("  \(f.usage)") }
    for name in functions.keys.sorted() { print("  \(name)(x)   (added by this program)") }
}

/// The `gradcheck` command: parses `arguments` (without the program name), runs the checks, prints, and
/// returns the exit status. `functions` adds user-defined operations to the expression language (one input
/// each), so a program can check its own derivative rules with the same command line.
public enum GradCheckCommand {
    /// Runs the command on `arguments` (without the program name) and returns the exit status.
    public static func run(_ arguments: [String], functions: [String: DifferentiableFunction<Double>] = [:]) -> Int32 {
        guard let options = attempt("", { try Options(arguments) }) else { return 2 }
        if options.help {
            print(helpText)
            return 0
        }
        if options.list {
            listOperations(functions)
            return 0
        }
        if let expression = options.expression { return runExpression(expression, options, functions) }
        return runPrimitives(options)
    }
}
