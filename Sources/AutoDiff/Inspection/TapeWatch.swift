import Foundation
import Synchronization

// Watching the tape: what a thread records and what its backward passes compute, for anomaly detection,
// the teaching trace and the gradient check's search for a faulty rule. Nothing here runs unless a scope asks
// for it: the recording paths test one flag (`ThreadContext.watching`) and call `Tape.observe` only when set.

/// What a thread watches its operations for, while some scope (``withAnomalyDetection(_:)``,
/// ``withTapeTrace(to:_:)``, a gradient check) asks for it.
@usableFromInline
final class TapeWatch {
    /// Whether non-finite values are looked for (inside ``withAnomalyDetection(_:)``).
    var detectsAnomalies = false
    /// The first anomaly of the innermost anomaly scope.
    var anomaly: AnomalyError?
    /// An anomaly found at an operator, whose place is still the one recorded before it: the next operation
    /// recorded with a place on the same graph (tape identity, node) gives a nearer one.
    var awaitingPlace: (tape: UInt64, node: Int32)?
    /// Where trace lines go (inside ``withTapeTrace(to:_:)``).
    @usableFromInline var trace: ((String) -> Void)?
    /// How many scopes only need the places of recorded operations (a gradient check locating a rule).
    var placeScopes = 0
    /// The caller's place every operation is attributed to (``withCallerPlace(file:line:_:)``).
    var placeOverride: CallSite?
    /// Set while a recorded backward pass (`createGraph`) runs the rules: their operations are not the
    /// user's forward pass.
    @usableFromInline var inBackward = false

    var isIdle: Bool { !detectsAnomalies && trace == nil && placeScopes == 0 }
}

extension ThreadContext {
    /// The watch of this thread, made if there is none.
    var activeWatch: TapeWatch {
        if let watch { return watch }
        let made = TapeWatch()
        watch = made
        return made
    }

    /// Drops the watch once no scope needs it, so that recording costs nothing again.
    func releaseWatchIfIdle() {
        if let watch, watch.isIdle { self.watch = nil }
    }
}

/// Attributes every operation `body` records to the caller's place `file:line` in anomaly reports, traces,
/// graphs and gradient checks: for functions built from other operations (a layer, a loss), so that a report
/// names the line that called them rather than a line inside them. Costs one thread-local read when nothing
/// watches the tape.
public func withCallerPlace<R>(file: StaticString = #fileID, line: UInt = #line, _ body: () throws -> R) rethrows -> R {
    let context = ThreadContext.current
    guard context.watching, let watch = context.watch, watch.placeOverride == nil else { return try body() }
    watch.placeOverride = CallSite(file: file, line: line)
    defer { watch.placeOverride = nil }
    return try body()
}

/// A number as graphs and traces show it: an integer as such, otherwise with at least 4 decimals
/// (scientific notation for very large or very small magnitudes).
@_optimize(none) func formatInspected(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == x.rounded() && Swift.abs(x) < 1e15 { return String(Int64(x)) }
    let magnitude = Swift.abs(x)
    if magnitude >= 1e-3 && magnitude < 1e7 { return String(format: "%.4f", x) }
    return String(format: "%.4e", x)
}

/// A tensor as graphs and traces show it: every element when there are few, else its shape only.
@_optimize(none) func summarize<Scalar: TensorScalar>(_ t: Tensor<Scalar>, limit: Int = 6) -> String {
    if t.rank == 0 { return formatInspected(Double(t.inline)) }
    if t.scalarCount > limit { return "\(t.scalarCount) values" }
    return "[" + t.scalars.map { formatInspected(Double($0)) }.joined(separator: ", ") + "]"
}

/// Whether `site` lies in the library's own code (an operation called by a layer or a composite function).
func isLibraryPlace(_ site: CallSite) -> Bool {
    let file = "\(site.file)"
    return file.hasPrefix("AutoDiff/") || file.hasPrefix("NN/")
}

extension CallSite {
    /// `file:line`.
    var text: String { "\(file):\(line)" }
}

extension Tape {
    /// The nodes the operation of node `i` read (none for leaves and constants).
    func inputs(of i: Int) -> [Int32] {
        switch op(i) {
        case .leaf, .constant: return []
        case .arithmetic(_, let a, let b), .matmul(let a, let b), .matmulTransposingRight(let a, let b),
             .select(_, let a, let b):
            return [a, b]
        case .elementwise(_, let a), .leakyRelu(let a, _), .reduction(_, let a), .shape(_, let a), .indexing(_, let a):
            return [a]
        case .concatenate(let xs, _), .custom(_, let xs), .convolution(_, let xs):
            return xs
        }
    }

    /// The name of node `i`'s operation, as messages, traces and graphs show it.
    @_optimize(none) func operationName(_ i: Int) -> String {
        switch op(i) {
        case .leaf: return "leaf"
        case .constant: return "constant"
        case .arithmetic(let f, _, _):
            switch f {
            case .add: return "+"
            case .subtract: return "-"
            case .multiply: return "*"
            case .divide: return "/"
            case .power: return "pow"
            }
        case .elementwise(let f, _): return f == .negate ? "negate" : "\(f)"
        case .leakyRelu: return "leakyRelu"
        case .reduction(let f, _):
            switch f {
            case .sum: return "sum"
            case .max: return "max"
            }
        case .matmul: return "matmul"
        case .matmulTransposingRight: return "linear"
        case .shape(let f, _):
            switch f {
            case .reshape: return "reshape"
            case .broadcast: return "broadcast"
            case .permute: return "transpose"
            }
        case .indexing(let f, _):
            switch f {
            case .slice: return "slice"
            case .pad: return "pad"
            case .gather: return "gathering"
            case .scatterAdd: return "scatterAdd"
            }
        case .concatenate: return "concatenate"
        case .select: return "select"
        case .custom(let rule, _): return rule.name
        case .convolution(let f, _):
            switch f {
            case .convolution: return "conv2d"
            case .unfold: return "unfold"
            case .fold: return "fold"
            case .maxPool: return "maxPool2d"
            case .averagePool: return "avgPool2d"
            }
        }
    }

    /// Whether node `i` is an operator (`+ - * /`, prefix `-`): Swift gives operators no call site.
    @_optimize(none) func isOperator(_ i: Int) -> Bool {
        switch op(i) {
        case .arithmetic(let f, _, _): return f != .power
        case .elementwise(.negate, _): return true
        default: return false
        }
    }

    /// Called after node `i` was recorded while the thread is watched: keeps the caller's place, looks for
    /// an anomaly, writes the trace.
    @usableFromInline @inline(never)
    @_optimize(none) func observe(_ i: Int32, _ site: CallSite) {
        guard let watch = context.watch else { return }
        let place = watch.placeOverride ?? site
        if place.known { sites[i] = place }
        if watch.inBackward { return }
        if watch.detectsAnomalies {
            if let awaiting = watch.awaitingPlace, awaiting.tape == id, place.known, !isLibraryPlace(place) {
                watch.awaitingPlace = nil
                watch.anomaly = watch.anomaly.map { $0.placed(at: place, by: operationName(Int(i)), after: true) }
            }
            if watch.anomaly == nil { checkForward(Int(i), watch) }
        }
        if let trace = watch.trace { traceRecorded(Int(i), trace) }
    }

    // MARK: Anomalies

    @_optimize(none) func allFinite(_ j: Int32) -> Bool {
        let entry = entries[Int(j)]
        if entry.slot < 0 { return entry.scalar.isFinite }
        return tensors[Int(entry.slot)].withUnsafeBufferPointer { $0.allSatisfy(\.isFinite) }
    }

    /// "NaN" or "an infinity": what a non-finite tensor holds first.
    @_optimize(none) func problem<S: TensorScalar>(in t: Tensor<S>) -> String {
        t.withUnsafeBufferPointer { buffer in
            if buffer.contains(where: \.isNaN) { return "NaN" }
            let negative = buffer.contains { $0.isInfinite && $0 < 0 }
            return negative ? "an infinity (-inf)" : "an infinity (inf)"
        }
    }

    @_optimize(none) func checkForward(_ i: Int, _ watch: TapeWatch) {
        if entries[i].isLeaf || entries[i].isConstant || allFinite(Int32(i)) { return }
        let ins = inputs(of: i)
        guard ins.allSatisfy({ allFinite($0) }) else { return }   // carried on, not made here
        let anomaly = makeAnomaly(i, phase: .forward, problem: problem(in: value(Int32(i))), inputsFinite: true)
        watch.anomaly = anomaly
        if !anomaly.placeIsExact { watch.awaitingPlace = (id, Int32(i)) }
    }

    /// Checks one contribution of a backward rule: an anomaly when the incoming gradient was finite and the
    /// contribution is not. Also writes the trace line of the contribution.
    @usableFromInline
    @_optimize(none) func watchContribution(_ watch: TapeWatch, from i: Int, to j: Int32, gradient g: Tensor<Scalar>, contribution c: Tensor<Scalar>) {
        if let trace = watch.trace {
            trace("    → #\(j) \(operationName(Int(j)) == "leaf" ? "(leaf) " : "")+= \(summarize(c))")
        }
        guard watch.detectsAnomalies, watch.anomaly == nil else { return }
        let finite = c.withUnsafeBufferPointer { $0.allSatisfy(\.isFinite) }
        if finite || !g.withUnsafeBufferPointer({ $0.allSatisfy(\.isFinite) }) { return }
        let inputsFinite = inputs(of: i).allSatisfy { allFinite($0) }
        watch.anomaly = makeAnomaly(i, phase: .backward, problem: problem(in: c), inputsFinite: inputsFinite)
    }

    /// The anomaly of node `i`, placed as well as the recorded places allow.
    @_optimize(none) func makeAnomaly(_ i: Int, phase: AnomalyError.Phase, problem: String, inputsFinite: Bool) -> AnomalyError {
        let name = operationName(i)
        var anomaly = AnomalyError(operation: name, phase: phase, file: "?", line: 0,
                                   inputShapes: inputs(of: i).map { shape($0) }, inputsFinite: inputsFinite,
                                   placeIsExact: false, problem: problem, note: nil)
        let own = sites[Int32(i)]
        if let own, !isLibraryPlace(own) {
            anomaly.file = "\(own.file)"
            anomaly.line = Int(own.line)
            anomaly.placeIsExact = true
            return anomaly
        }
        let keys = sites.keys.filter { !isLibraryPlace(sites[$0]!) }
        let after = keys.filter { $0 > Int32(i) }.min()
        let before = keys.filter { $0 < Int32(i) }.max()
        var why: String
        if let own {
            why = "\(name) was recorded inside the library (\(own.text))"
        } else if case .custom(let rule, _) = op(i) {
            why = "\(name) is defined at \(rule.site.text)"
        } else if isOperator(i) {
            why = "\(name) is an operator, and Swift gives operators no call site"
        } else {
            why = "\(name) was called without a place"
        }
        anomaly.note = why
        if let after {
            return anomaly.placed(at: sites[after]!, by: operationName(Int(after)), after: true)
        }
        if let before {
            return anomaly.placed(at: sites[before]!, by: operationName(Int(before)), after: false)
        }
        anomaly.note = why + "; no operation with a place was recorded near it"
        return anomaly
    }

    // MARK: Trace

    /// Writes the trace line of node `i`, after those of its leaf and constant inputs not written yet (they
    /// are recorded on their first use, without being observed).
    @_optimize(none) func traceRecorded(_ i: Int, _ trace: (String) -> Void) {
        for j in inputs(of: i) where (entries[Int(j)].isLeaf || entries[Int(j)].isConstant) && !traced.contains(j) {
            traced.insert(j)
            trace(describeNode(Int(j)))
        }
        trace(describeNode(i))
    }

    /// One node as the trace shows it: `#4 = log(#3)  → [0.6931]  at File.swift:12`.
    @_optimize(none) func describeNode(_ j: Int) -> String {
        let name = operationName(j)
        let value = summarize(self.value(Int32(j)))
        let shapeText = shape(Int32(j)).isEmpty ? "" : " shape \(shape(Int32(j)))"
        switch op(j) {
        case .leaf: return "#\(j) leaf = \(value)\(shapeText)"
        case .constant: return "#\(j) constant = \(value)\(shapeText)"
        default:
            let args = inputs(of: j).map { "#\($0)" }
            let call = isOperator(j) && args.count == 2 ? "#\(inputs(of: j)[0]) \(name) #\(inputs(of: j)[1])"
                : isOperator(j) ? "-\(args[0])" : "\(name)(\(args.joined(separator: ", ")))"
            let place = sites[Int32(j)].map { "   (\($0.text))" } ?? ""
            return "#\(j) = \(call) = \(value)\(shapeText)\(place)"
        }
    }

    /// The trace line of node `i` receiving its whole gradient during a backward pass.
    @usableFromInline
    @_optimize(none) func traceReceives(_ i: Int, _ g: Tensor<Scalar>) -> String {
        let name = operationName(i)
        let what = name == "leaf" ? "leaf" : "\(name)"
        return "#\(i) \(what): gradient \(summarize(g))"
    }

    // MARK: Hooks

    @usableFromInline
    func applyHooks(_ hooks: [GradientHook<Scalar>], to g: Tensor<Scalar>, node: Int32, site: CallSite) -> Tensor<Scalar> {
        var g = g
        for hook in hooks { g = hook.apply(g, site: site) }
        return g
    }
}

/// Whether the warning about `.grad` of a computed value was printed (once per process).
let nonLeafGradientWarned = Atomic<Bool>(false)

/// Prints, once per process, that `.grad` of a computed value is nil unless it asked for `retainGrad()`.
@usableFromInline
@_optimize(none) func warnNonLeafGradient() {
    guard !nonLeafGradientWarned.exchange(true, ordering: .relaxed) else { return }
    let message = "AutoDiff warning: .grad of a computed value (not a leaf) was read; it is nil because backward() " +
        "keeps the gradients of leaves only. Call retainGrad() on the value before backward() to keep its gradient " +
        "(PyTorch's retain_grad()). This warning is printed once.\n"
    FileHandle.standardError.write(Data(message.utf8))
}
