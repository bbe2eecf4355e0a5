import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// How many threads the large kernels (matrix multiplication) may use, like PyTorch's
/// `torch.set_num_threads`.
///
/// Results do not depend on it: work is split by rows of the output, and every element is computed by one
/// thread in the same order as with one thread, so 1 and 2 threads give bit-identical results.
///
/// ```swift
/// Parallelism.threadCount = 1     // single-threaded from now on
/// ```
public enum Parallelism {
    /// The number of threads (≥ 1); by default the number of processors online. Read once per kernel call.
    public static var threadCount: Int {
        get { storedThreadCount.load(ordering: .relaxed) }
        set {
            precondition(newValue >= 1, "Parallelism.threadCount must be at least 1; got \(newValue)")
            storedThreadCount.store(newValue, ordering: .relaxed)
        }
    }

    /// Runs `body(chunk)` for chunk in 0..<chunks, on up to `threadCount` threads (in order on this thread
    /// when that is 1).
    @usableFromInline
    package static func forEach(chunks: Int, _ body: (Int) -> Void) {
        let workers = min(chunks, threadCount)
        if workers <= 1 {
            for chunk in 0..<chunks { body(chunk) }
            return
        }
        withoutActuallyEscaping(body) { body in
            // The chunks write disjoint memory; the closure outlives no call.
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for chunk in stride(from: worker, to: chunks, by: workers) { shared.value(chunk) }
            }
        }
    }

    /// The number of elements an elementwise kernel hands to one thread at a time.
    @usableFromInline package static var elementwiseChunk: Int { 1 << 15 }

    /// Runs `body` over 0..<count: whole on this thread for small counts or one thread, otherwise in fixed
    /// chunks of ``elementwiseChunk`` over the threads. For elementwise work, where each index is computed on
    /// its own, the result does not depend on the split.
    @inlinable
    package static func forEachRange(count: Int, _ body: (Range<Int>) -> Void) {
        // `body` appears once (a second, inlined call for the whole range would be compiled again in every
        // kernel); one chunk runs on this thread (see `forEach`).
        let chunk = elementwiseChunk
        let chunks = count >= 2 * chunk ? (count + chunk - 1) / chunk : 1
        forEach(chunks: chunks) { c in body(chunks == 1 ? 0..<count : c * chunk ..< min(count, (c + 1) * chunk)) }
    }
}

private let storedThreadCount = Atomic<Int>(max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))

/// A value handed to other threads by code that guarantees they do not race on it.
@usableFromInline
package struct UncheckedSendable<T>: @unchecked Sendable {
    @usableFromInline package let value: T
    @usableFromInline package init(_ value: T) { self.value = value }
}
