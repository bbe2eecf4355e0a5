// The teaching trace: the tape written out entry by entry as operations record, and rule by rule as
// backward() applies them (micrograd's lecture, in text).

/// Runs `body` writing a line to `output` for each node recorded on the tape (its number, operation, inputs,
/// value and the caller's place when known) and, during each backward pass, for each node reached (the
/// gradient it received) and each contribution its rule adds to an input.
///
/// ```swift
/// withTapeTrace {
///     let a = Variable(2.0), b = Variable(-3.0)
///     (a * b + a).backward()
/// }
/// // #0 leaf = 2
/// // #1 leaf = -3
/// // #2 = #0 * #1 = -6
/// // …
/// ```
///
/// Per thread; scopes nest (the innermost output is used). Tracing makes recording slow: for teaching and
/// for small graphs.
public func withTapeTrace<R>(to output: @escaping (String) -> Void = { print($0) }, _ body: () throws -> R) rethrows -> R {
    let context = ThreadContext.current
    let watch = context.activeWatch
    let saved = watch.trace
    watch.trace = output
    defer {
        watch.trace = saved
        context.releaseWatchIfIdle()
    }
    return try body()
}
