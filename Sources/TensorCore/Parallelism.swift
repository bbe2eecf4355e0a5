import Foundation
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
/// Results do not depend on it: work is split into blocks of the output, and every element is computed by one
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
    ///
    /// The threads take chunks in turn from a shared counter (``WorkerPool``); this thread takes chunks too and
    /// never waits for a thread that has not started one, so a thread the system runs late costs no more than
    /// running its chunks here. Calls made while the pool is busy (from another thread, or from inside a chunk)
    /// run their chunks in order on the calling thread.
    @usableFromInline
    package static func forEach(chunks: Int, _ body: (Int) -> Void) {
        let workers = min(chunks, threadCount)
        if workers <= 1 || !WorkerPool.shared.run(chunks: chunks, helpers: workers - 1, body) {
            for chunk in 0..<chunks { body(chunk) }
        }
    }

    /// The number of elements an elementwise kernel hands to one thread at a time.
    @usableFromInline package static var elementwiseChunk: Int { 1 << 15 }

    /// The fewest elements an elementwise kernel or reduction splits between threads (a megabyte of Float).
    ///
    /// Below it the data usually sits in the cache of the core that just wrote it, and another core reading it
    /// costs more than the work it takes over: on the wide MLP (activations of 65,536 Floats) splitting such
    /// kernels made a 2-thread step slower than a 1-thread one. Where the split falls does not change results.
    @usableFromInline package static var parallelMinimum: Int { 1 << 18 }

    /// Whether elementwise work over `count` elements is split over threads: at least ``parallelMinimum`` elements
    /// (and two chunks), on more than one thread. Below it ``forEachRange(count:_:)`` runs `body` whole here.
    @inlinable
    package static func splits(count: Int) -> Bool {
        count >= Swift.max(2 * elementwiseChunk, parallelMinimum) && threadCount > 1
    }

    /// Runs `body` over 0..<count: whole on this thread below ``parallelMinimum`` elements or with one thread,
    /// otherwise in fixed chunks of ``elementwiseChunk`` over the threads. For elementwise work, where each
    /// index is computed on its own, the result does not depend on the split.
    @inlinable
    package static func forEachRange(count: Int, _ body: (Range<Int>) -> Void) {
        let chunk = elementwiseChunk
        guard splits(count: count) else {
            body(0..<count)
            return
        }
        forEach(chunks: (count + chunk - 1) / chunk) { c in body(c * chunk ..< min(count, (c + 1) * chunk)) }
    }

    /// Runs `body(range, output, a, b)` over 0..<count as ``forEachRange(count:_:)`` does: the runner of the
    /// elementwise kernels that split over threads.
    ///
    /// The buffers come as arguments, so a kernel's `body` captures only its operation (`{ $0 + $1 }`,
    /// `Float.exp`). Once that operation is known the optimizer compiles it into the loop, which then runs at
    /// the speed of a loop written inline on every thread: a `body` that captured the buffers too would call
    /// the operation once per element, 5–10× slower. Never inlined, so the loop is compiled once, not once for
    /// this thread and once for the others.
    @usableFromInline @inline(never)
    package static func forEachRange(
        count: Int, _ output: UnsafeMutableRawPointer, _ a: UnsafeRawPointer, _ b: UnsafeRawPointer,
        _ body: (Range<Int>, UnsafeMutableRawPointer, UnsafeRawPointer, UnsafeRawPointer) -> Void
    ) {
        forEachRange(count: count) { range in body(range, output, a, b) }
    }
}

private let storedThreadCount = Atomic<Int>(max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))

/// A value handed to other threads by code that guarantees they do not race on it.
@usableFromInline
package struct UncheckedSendable<T>: @unchecked Sendable {
    @usableFromInline package let value: T
    @usableFromInline package init(_ value: T) { self.value = value }
}

/// The threads behind ``Parallelism/forEach(chunks:_:)``: helpers started on first use and kept, each spinning
/// briefly for the next job after finishing one (a training step's products and elementwise kernels come tens of
/// microseconds apart), then sleeping until woken.
///
/// A job is published as a generation number and a chunk counter packed in one atomic word: a thread claims
/// chunk i by a compare-and-swap from (generation, i) to (generation, i + 1), so a thread that wakes late, after
/// its job ended, cannot claim a chunk of the next one. The caller claims chunks too, then waits only for chunks
/// already claimed.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// (generation << 32) | next unclaimed chunk.
    private let state = Atomic<Int>(0)
    /// Chunks finished in the current job.
    private let finished = Atomic<Int>(0)
    /// Helpers asleep (or about to sleep) on `wake`.
    private let sleepers = Atomic<Int>(0)
    /// Held by the thread running a job: one job at a time.
    private let busy = Atomic<Bool>(false)
    /// The current job's chunk count, helper count and body (a pointer to the caller's closure), written before
    /// its generation is published and read only after claiming one of its chunks.
    private let chunks = Atomic<Int>(0)
    private let helpers = Atomic<Int>(0)
    private let body = Atomic<UnsafeRawPointer?>(nil)
    /// Helper threads started (read and written only by the thread holding `busy`).
    private nonisolated(unsafe) var started = 0
    private let wake = NSCondition()

    /// Runs the job on this thread and up to `helpers` helper threads; false (nothing run) when the pool is
    /// already running a job.
    func run(chunks: Int, helpers: Int, _ body: (Int) -> Void) -> Bool {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        while started < helpers {
            let index = started
            let thread = Thread { [self] in helperLoop(index: index) }
            thread.name = "autodiff-worker-\(index + 1)"
            thread.start()
            started += 1
        }
        withoutActuallyEscaping(body) { body in
            var job = body
            withUnsafePointer(to: &job) { pointer in
                self.chunks.store(chunks, ordering: .relaxed)
                self.helpers.store(helpers, ordering: .relaxed)
                self.body.store(UnsafeRawPointer(pointer), ordering: .relaxed)
                finished.store(0, ordering: .relaxed)
                // 1, 2, … 2³¹ − 1, then 1 again (helpers only compare generations for equality).
                let generation = (state.load(ordering: .relaxed) >> 32) % 0x7FFF_FFFF + 1
                state.store(generation << 32, ordering: .sequentiallyConsistent)
                if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                    wake.lock()
                    wake.broadcast()
                    wake.unlock()
                }
                work(generation: generation)
                // Chunks claimed by helpers may still be running.
                var spins = 0
                while finished.load(ordering: .acquiring) < chunks {
                    spins += 1
                    if spins > 64 { sched_yield() }
                }
                self.body.store(nil, ordering: .relaxed)
            }
        }
        return true
    }

    /// Claims and runs chunks of job `generation` until none is left (or a newer job was published).
    private func work(generation: Int) {
        while true {
            let current = state.load(ordering: .acquiring)
            guard current >> 32 == generation else { return }
            let chunk = current & 0xFFFF_FFFF
            guard chunk < chunks.load(ordering: .relaxed) else { return }
            guard state.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing).exchanged
            else { continue }
            WorkerPool.call(body.load(ordering: .relaxed)!, chunk)
            finished.add(1, ordering: .releasing)
        }
    }

    /// Calls the job's closure; the copy it loads is released before this returns (before the chunk counts as
    /// finished, after which the closure may be gone).
    @inline(never)
    private static func call(_ body: UnsafeRawPointer, _ chunk: Int) {
        body.assumingMemoryBound(to: ((Int) -> Void).self).pointee(chunk)
    }

    private func helperLoop(index: Int) {
        var seen = 0
        while true {
            // Wait for a new job: spin for about 50 µs, then sleep.
            var generation = state.load(ordering: .acquiring) >> 32
            let deadline = DispatchTime.now().uptimeNanoseconds + 50_000
            var spins = 0
            while generation == seen {
                spins += 1
                if spins & 63 == 0 && DispatchTime.now().uptimeNanoseconds > deadline {
                    wake.lock()
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while state.load(ordering: .sequentiallyConsistent) >> 32 == seen { wake.wait() }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    wake.unlock()
                }
                generation = state.load(ordering: .acquiring) >> 32
            }
            seen = generation
            // Helpers beyond the job's count sit it out.
            if index < helpers.load(ordering: .relaxed) { work(generation: generation) }
        }
    }
}
