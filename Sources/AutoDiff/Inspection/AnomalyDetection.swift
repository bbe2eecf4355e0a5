// Anomaly detection (PyTorch's detect_anomaly, JAX's debug_nans): the first operation that made a NaN or an
// infinity out of finite numbers, forward or in its derivative rule, named with the place in the caller's code.

/// The first operation inside ``withAnomalyDetection(_:)`` that produced a NaN or an infinity from finite
/// inputs: in its value (``Phase/forward``) or in its derivative rule (``Phase/backward``).
///
/// Printing it gives one message: the operation, the phase, the input shapes, the place and what to do.
public struct AnomalyError: Error, Sendable, CustomStringConvertible {
    /// Whether the value or the derivative rule went wrong.
    public enum Phase: String, Sendable {
        /// The operation's value.
        case forward
        /// The operation's derivative rule, during `backward()`.
        case backward
    }

    /// The operation: `"log"`, `"+"`, `"matmul"`, a custom function's name, …
    public let operation: String
    /// Where it happened.
    public let phase: Phase
    /// Where the operation was recorded in the caller's code (`#fileID` style), or the nearest recorded
    /// place when it has none (see ``placeIsExact``).
    public internal(set) var file: String
    /// The line of ``file``.
    public internal(set) var line: Int
    /// The shapes of the operation's inputs.
    public let inputShapes: [[Int]]
    /// Whether every input value was finite (always true forward: an operation that only carried a NaN on
    /// is not the origin). Backward, the incoming gradient was finite; this says whether the inputs were.
    public let inputsFinite: Bool
    /// False when the operation has no place of its own (an operator, which Swift gives no call site, or an
    /// operation recorded inside the library): ``file`` and ``line`` are then the nearest operation recorded
    /// with a place, and ``note`` says which.
    public internal(set) var placeIsExact: Bool
    /// "NaN", "an infinity (inf)" or "an infinity (-inf)".
    public let problem: String
    /// Why the place is not exact, and which place is shown instead.
    public internal(set) var note: String?

    /// The same anomaly placed at a neighbour's place.
    @_optimize(none) func placed(at site: CallSite, by neighbour: String, after: Bool) -> AnomalyError {
        var copy = self
        copy.file = "\(site.file)"
        copy.line = Int(site.line)
        copy.placeIsExact = false
        let base = note.map { $0.components(separatedBy: ": the place shown").first!.components(separatedBy: "; no operation").first! }
            ?? operation
        copy.note = base + ": the place shown is that of `\(neighbour)`, the nearest operation recorded "
            + (after ? "after it" : "before it") + " with a place"
        return copy
    }

    /// The anomaly as one message: the value found, the operation and where it was recorded.
    public var description: String {
        let shapes = inputShapes.map { "\($0)" }.joined(separator: " and ")
        let inputs = inputShapes.isEmpty ? "no inputs" : "inputs of shape\(inputShapes.count > 1 ? "s" : "") \(shapes)"
        var what: String
        switch phase {
        case .forward:
            what = "\(operation) produced \(problem) from finite \(inputs)"
        case .backward:
            what = "the derivative rule of \(operation) produced \(problem) from a finite gradient"
                + (inputsFinite ? " and finite \(inputs)" : " (\(inputs), not all finite)")
        }
        var text = "\(operation) (\(phase.rawValue)): \(what), at \(file):\(line)"
        if let note { text += " (\(note))" }
        text += ". Fix: " + AnomalyError.fix(operation, phase)
        return text
    }

    @_optimize(none) static func fix(_ operation: String, _ phase: Phase) -> String {
        let domain: [String: String] = [
            "log": "log needs x > 0: clamp its input (max(x, 1e-12)) or use a stable form (logSoftmax, softplus, log1p)",
            "sqrt": phase == .forward ? "sqrt needs x ≥ 0" : "sqrt has an infinite slope at 0: use sqrt(x + ε)",
            "/": "a divisor is 0: add a small ε to it or mask those elements",
            "pow": "pow needs a positive base for fractional exponents, and its derivative a base ≠ 0 for exponents < 1",
            "exp": "exp overflows for large inputs (above about 709 in Double, 88 in Float): subtract the maximum first, or use logSumExp or softmax",
        ]
        let hint = domain[operation] ?? "keep the inputs of \(operation) where it is defined and finite"
        return hint + "; earlier operations only carried finite values, so this is where to look"
    }
}

/// Runs `body` watching every operation it records and every backward pass it runs; after `body` ends, throws
/// the first operation that produced a NaN or an infinity from finite inputs (PyTorch's `detect_anomaly`).
///
/// ```swift
/// do {
///     try withAnomalyDetection {
///         let loss = log(x - 1).sum()      // x holds a 1: log(0) = -inf
///         loss.backward()
///     }
/// } catch let anomaly as AnomalyError {
///     print(anomaly)   // log (forward): log produced an infinity (-inf) from finite inputs of shape [3], at …
/// }
/// ```
///
/// Per thread, like the tape: operations of other threads are not watched. Scopes nest; each reports what
/// happened inside it. Inside, each recorded operation's value (and in `backward()` each rule's result) is
/// scanned, and the caller's place is kept per node, so it runs slower; outside, recording checks one flag.
/// An error thrown by `body` is rethrown as it is.
public func withAnomalyDetection<R>(_ body: () throws -> R) throws -> R {
    let context = ThreadContext.current
    let watch = context.activeWatch
    let saved = (watch.detectsAnomalies, watch.anomaly, watch.awaitingPlace)
    watch.detectsAnomalies = true
    watch.anomaly = nil
    watch.awaitingPlace = nil
    defer {
        (watch.detectsAnomalies, watch.anomaly, watch.awaitingPlace) = saved
        context.releaseWatchIfIdle()
    }
    let result = try body()
    if let anomaly = watch.anomaly { throw anomaly }
    return result
}
