import Foundation
#if !FUZZING
import AutoDiff
#endif

/// A usage error: exit code 2, message to standard error.
struct UsageError: Error {
    let message: String
}

/// One command-line option, declared as data so that parsing and `--help` read the same table.
struct OptionSpec {
    let name: String
    let value: String?
    let help: String
}

let optionSpecs: [OptionSpec] = [
    OptionSpec(name: "--at", value: "NAME=VALUE…", help: "values of the expression's variables: x=0.5, v=[1,2,3], A=[[1,2],[3,4]]"),
    OptionSpec(name: "--shape", value: "NAME=SHAPE…", help: "seeded random values of a shape instead: A=3x4, s=scalar"),
    OptionSpec(name: "--seed", value: "N", help: "the seed of random values (default 7)"),
    OptionSpec(name: "--order", value: "1|2", help: "2 also checks second derivatives (the Hessian)"),
    OptionSpec(name: "--epsilon", value: "E", help: "the finite-difference step (default 1e-6)"),
    OptionSpec(name: "--atol", value: "A", help: "absolute tolerance (default 1e-5)"),
    OptionSpec(name: "--rtol", value: "R", help: "relative tolerance (default 1e-3)"),
    OptionSpec(name: "--op", value: "NAME[,NAME…]", help: "check only these operations of the library"),
    OptionSpec(name: "--list", value: nil, help: "list the operations and the functions of the expression language"),
    OptionSpec(name: "--json", value: nil, help: "print one JSON document with every check, its numbers and any faultyRule"),
    OptionSpec(name: "--quiet", value: nil, help: "print only failures and the summary"),
    OptionSpec(name: "--help", value: nil, help: "show this help"),
]

let helpText: String = {
    var lines = [
        "usage: gradcheck [options]                 check every differentiable operation of the library",
        "       gradcheck EXPRESSION [options]      check the gradients of an expression",
        "",
        "Compares the gradients the tape computes with central finite differences, in Double.",
        "Exit status: 0 when every check passes, 1 when one fails, 2 for a usage or parse error.",
        "",
        "options:",
    ]
    for spec in optionSpecs {
        let left = spec.value.map { "\(spec.name) \($0)" } ?? spec.name
        lines.append("  " + left.padding(toLength: 22, withPad: " ", startingAt: 0) + " " + spec.help)
    }
    lines += [
        "",
        "examples:",
        "  gradcheck",
        "  gradcheck --op matmul,softmax --order 2",
        "  gradcheck 'tanh(x) * y + exp(x / y)' --at x=0.5 y=2",
        "  gradcheck 'sum(matmul(A, x))' --shape A=3x4 x=4 --seed 7",
        "  gradcheck 'logSumExp(v, axes: 0)' --at v=[1,2,3] --order 2",
        "",
        "The expression language: numbers, variables, + - * / ^, unary minus, parentheses, lists, and these functions:",
    ]
    for f in Evaluator.functions { lines.append("  \(f.usage)") }
    return lines.joined(separator: "\n")
}()

/// The parsed command line.
struct Options {
    var expression: String?
    var values: [(name: String, text: String)] = []
    var shapes: [(name: String, shape: [Int])] = []
    var seed: UInt64 = 7
    var order = 1
    var epsilon = 1e-6
    var atol = 1e-5
    var rtol = 1e-3
    var ops: [String] = []
    var list = false
    var json = false
    var quiet = false
    var help = false

    init(_ arguments: [String]) throws {
        var i = 0
        func value(for flag: String) throws -> String {
            i += 1
            guard i < arguments.count, !arguments[i].hasPrefix("--") else {
                throw UsageError(message: "\(flag) needs a value (see --help)")
            }
            return arguments[i]
        }
        func number(_ flag: String) throws -> Double {
            let text = try value(for: flag)
            guard let v = Double(text), v.isFinite, v > 0 else { throw UsageError(message: "\(flag) needs a positive number, got '\(text)'") }
            return v
        }
        func assignments(_ flag: String) throws -> [(String, String)] {
            var out: [(String, String)] = []
            while i + 1 < arguments.count, !arguments[i + 1].hasPrefix("--") {
                i += 1
                let parts = arguments[i].split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw UsageError(message: "\(flag) takes NAME=VALUE pairs; '\(arguments[i])' is not one")
                }
                out.append((parts[0], parts[1]))
            }
            if out.isEmpty { throw UsageError(message: "\(flag) needs at least one NAME=VALUE (see --help)") }
            return out
        }
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--at": values += try assignments(a).map { (name: $0.0, text: $0.1) }
            case "--shape":
                for (name, text) in try assignments(a) {
                    let shape: [Int]
                    if text == "scalar" || text == "[]" { shape = [] } else {
                        let sizes = text.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
                        guard !sizes.isEmpty, sizes.allSatisfy({ $0 != nil && $0! >= 0 && $0! <= 10_000 }),
                              sizes.reduce(1, { $0 * $1! }) <= 100_000 else {
                            throw UsageError(message: "--shape \(name)=\(text): write sizes like 3x4 (each 0…10000, at most 100000 elements) or 'scalar'")
                        }
                        shape = sizes.map { $0! }
                    }
                    shapes.append((name, shape))
                }
            case "--seed":
                let text = try value(for: a)
                guard let s = UInt64(text) else { throw UsageError(message: "--seed needs a whole number ≥ 0, got '\(text)'") }
                seed = s
            case "--order":
                let text = try value(for: a)
                guard let o = Int(text), o == 1 || o == 2 else { throw UsageError(message: "--order takes 1 or 2, got '\(text)'") }
                order = o
            case "--epsilon": epsilon = try number(a)
            case "--atol": atol = try number(a)
            case "--rtol": rtol = try number(a)
            case "--op": ops += try value(for: a).split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            case "--list": list = true
            case "--json": json = true
            case "--quiet": quiet = true
            case "--help", "-h": help = true
            default:
                if a.hasPrefix("--") {
                    var message = "unknown option '\(a)'"
                    if let near = nearestName(to: a, in: optionSpecs.map(\.name)) {
                        message += "; did you mean '\(near)'?"
                    }
                    throw UsageError(message: message + " (see --help)")
                }
                guard expression == nil else { throw UsageError(message: "more than one expression given: '\(expression!)' and '\(a)' (quote the expression)") }
                expression = a
            }
            i += 1
        }
        if expression == nil && (!values.isEmpty || !shapes.isEmpty) {
            throw UsageError(message: "--at and --shape give values to an expression, but no expression was given")
        }
        if expression != nil && !ops.isEmpty {
            throw UsageError(message: "--op selects operations of the library; it cannot be combined with an expression")
        }
    }
}

/// The candidate closest to `name` by ``editDistance(_:_:limit:)``, at most `limit` edits away, for "did you
/// mean". On a tie the longer candidate wins (`tahn` is one edit from `tan` and from `tanh`: `tanh`).
func nearestName(to name: String, in candidates: [String], limit: Int = 3) -> String? {
    var best: (name: String, distance: Int)?
    for candidate in candidates {
        guard let d = editDistance(candidate.lowercased(), name.lowercased(), limit: limit) else { continue }
        if let b = best, d > b.distance || (d == b.distance && candidate.count <= b.name.count) { continue }
        best = (candidate, d)
    }
    return best?.name
}

/// The edit distance of two strings, counting an insertion, a deletion, a substitution or a swap of two
/// neighbours as one edit (optimal string alignment, the restricted Damerau–Levenshtein distance), or nil when
/// it exceeds `limit`.
///
/// - Complexity: O(1) when the lengths differ by more than `limit` (the distance is at least that), otherwise
///   O(`a.count` × `b.count`) with three rows of memory.
func editDistance(_ a: String, _ b: String, limit: Int = .max) -> Int? {
    let (ac, bc) = (a.count, b.count)
    guard abs(ac - bc) <= limit else { return nil }
    let a = Array(a), b = Array(b)
    if a.isEmpty || b.isEmpty { return max(ac, bc) <= limit ? max(ac, bc) : nil }
    var previous2 = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        var rowMinimum = i
        for j in 1...b.count {
            var d = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d = min(d, previous2[j - 2] + 1) }
            current[j] = d
            rowMinimum = min(rowMinimum, d)
        }
        if rowMinimum > limit { return nil }   // every later row is at least this far
        (previous2, previous, current) = (previous, current, previous2)
    }
    return previous[b.count] <= limit ? previous[b.count] : nil
}
