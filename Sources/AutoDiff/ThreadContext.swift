#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// Per-thread state: the tape each scalar type records on, gradient mode, and the default generator.
///
/// Found through a pthread key (a plain load from thread-local storage), never through a Swift global `var`
/// or a `@TaskLocal`, and only by operations that start a graph from leaves: an operation on a recorded
/// value finds its tape in the value itself.
@usableFromInline
final class ThreadContext {
    /// Whether operations record (false inside ``withoutGradients(_:)``).
    @exclusivity(unchecked) @usableFromInline var gradientsEnabled = true {
        didSet { recordsPlainly = gradientsEnabled && !watching }
    }
    /// Recording, with nothing watching: the one flag the hot path of scalar nodes tests.
    @exclusivity(unchecked) @usableFromInline var recordsPlainly = true
    /// Whether recorded operations are watched (``watch`` is set): the one check the recording paths make
    /// for anomaly detection, traces and call sites, so that they cost nothing otherwise.
    @exclusivity(unchecked) @usableFromInline var watching = false
    /// What this thread watches its operations for, while some scope asks for it.
    @exclusivity(unchecked) @usableFromInline var watch: TapeWatch? {
        didSet {
            watching = watch != nil
            recordsPlainly = gradientsEnabled && !watching
        }
    }
    /// The tape new graphs of `Float` values record on, if one is alive (not retained: a tape clears it when it
    /// dies). Kept as an unmanaged reference, so that the recording paths read it without reference counting
    /// (``currentTape(_:)``); an `unowned(unsafe)` property is retained and released on every read.
    @exclusivity(unchecked) @usableFromInline var floatTapeSlot: Unmanaged<AnyObject>?
    /// The tape new graphs of `Double` values record on, if one is alive.
    @exclusivity(unchecked) @usableFromInline var doubleTapeSlot: Unmanaged<AnyObject>?
    /// The tape new graphs of `Scalar` values record on, if one is alive, without retaining it (the
    /// recording paths borrow it for one operation).
    @inlinable @inline(__always)
    func currentTape<Scalar: TensorScalar>(_ type: Scalar.Type) -> Unmanaged<Tape<Scalar>>? {
        guard let slot = Scalar.self == Double.self ? doubleTapeSlot : floatTapeSlot else { return nil }
        return Unmanaged<Tape<Scalar>>.fromOpaque(slot.toOpaque())
    }
    /// Makes `tape` (not retained: a tape clears it when it dies), or none, the tape new graphs of its scalar
    /// type record on.
    @inlinable
    func setCurrentTape<Scalar: TensorScalar>(_ tape: Tape<Scalar>?) {
        let slot = tape.map { Unmanaged<AnyObject>.passUnretained($0) }
        if Scalar.self == Double.self { doubleTapeSlot = slot } else { floatTapeSlot = slot }
    }
    /// How many tapes of this thread are alive (a diagnostic for tests and the memory benchmark).
    @usableFromInline var liveTapes = 0
    let random = RandomContext()
    /// The tapes that became arenas (see ``Tape``): kept for the life of the thread and reused.
    var floatArenas: [Tape<Float>] = []
    var doubleArenas: [Tape<Double>] = []
    /// Arenas whose generations ran out (see `Tape.makeCurrent`): kept, never reused.
    var retiredArenas: [AnyObject] = []
    /// The generation after which an arena is retired instead of reused (lowered by tests).
    var generationLimit = UInt32.max
    /// The emptied arrays of the last dead tape of each scalar type (see `Tape.init`).
    var spareFloatStorage: AnyObject?
    var spareDoubleStorage: AnyObject?

    func takeSpareStorage<Scalar: TensorScalar>(_ type: Scalar.Type) -> TapeStorage<Scalar>? {
        if Scalar.self == Double.self {
            defer { spareDoubleStorage = nil }
            return spareDoubleStorage as? TapeStorage<Scalar>
        }
        defer { spareFloatStorage = nil }
        return spareFloatStorage as? TapeStorage<Scalar>
    }

    /// Keeps a dead tape's buffer for the next tape if it is not too large (one huge graph should not pin
    /// its memory forever); otherwise the storage frees it.
    func keepSpareStorage<Scalar: TensorScalar>(_ storage: TapeStorage<Scalar>) {
        guard storage.capacity <= 1 << 22 else { return }
        if Scalar.self == Double.self { spareDoubleStorage = storage } else { spareFloatStorage = storage }
    }

    func adoptArena<Scalar: TensorScalar>(_ tape: Tape<Scalar>) {
        if Scalar.self == Double.self {
            doubleArenas.append(unsafeDowncast(tape, to: Tape<Double>.self))
        } else {
            floatArenas.append(unsafeDowncast(tape, to: Tape<Float>.self))
        }
    }

    /// An arena of this thread that no graph uses any more: not current, and referred to by nothing but
    /// this context (no tensor variable, no pullback closure).
    func idleArena<Scalar: TensorScalar>(_ type: Scalar.Type) -> Tape<Scalar>? {
        // Typed arrays: `isKnownUniquelyReferenced` on an `AnyObject` element did not see the uniqueness.
        func idle<S: TensorScalar>(_ arenas: inout [Tape<S>]) -> Tape<Scalar>? {
            for k in arenas.indices where isKnownUniquelyReferenced(&arenas[k]) && !arenas[k].isCurrent {
                return unsafeDowncast(arenas[k], to: Tape<Scalar>.self)
            }
            return nil
        }
        return Scalar.self == Double.self ? idle(&doubleArenas) : idle(&floatArenas)
    }

    /// Takes an arena whose generations ran out out of use for good (its memory is freed, its object kept).
    func retireExhaustedArena<Scalar: TensorScalar>(_ tape: Tape<Scalar>) {
        if Scalar.self == Double.self {
            doubleArenas.removeAll { $0 === tape }
        } else {
            floatArenas.removeAll { $0 === tape }
        }
        tape.retire()
        retiredArenas.append(tape)
    }

    /// Frees the arenas' memory when the thread ends (see `Tape.retire`).
    func retireArenas() {
        for tape in doubleArenas { tape.retire() }
        for tape in floatArenas { tape.retire() }
        spareFloatStorage = nil
        spareDoubleStorage = nil
    }

    /// The current thread's context, not retained (the thread keeps it for its life).
    @usableFromInline
    static var currentUnretained: Unmanaged<ThreadContext> {
        if let pointer = pthread_getspecific(threadContextKey) { return Unmanaged<ThreadContext>.fromOpaque(pointer) }
        return Unmanaged.passUnretained(current)
    }

    @usableFromInline
    static var current: ThreadContext {
        if let pointer = pthread_getspecific(threadContextKey) {
            return Unmanaged<ThreadContext>.fromOpaque(pointer).takeUnretainedValue()
        }
        let context = ThreadContext()
        pthread_setspecific(threadContextKey, Unmanaged.passRetained(context).toOpaque())
        return context
    }
}

#if canImport(Darwin)
private func releaseThreadContext(_ pointer: UnsafeMutableRawPointer) {
    let context = Unmanaged<ThreadContext>.fromOpaque(pointer)
    context.takeUnretainedValue().retireArenas()
    context.release()
}
#else
private func releaseThreadContext(_ pointer: UnsafeMutableRawPointer?) {
    guard let pointer else { return }
    let context = Unmanaged<ThreadContext>.fromOpaque(pointer)
    context.takeUnretainedValue().retireArenas()
    context.release()
}
#endif

let threadContextKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, releaseThreadContext)
    return key
}()

/// Source of tape identities, unique for the life of the process.
let tapeCounter = Atomic<UInt64>(1)

/// Runs `body` without recording: every operation inside gives constants (like `torch.no_grad()`).
///
/// Use it for evaluation and for updating parameters in place.
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    let context = ThreadContext.current
    let saved = context.gradientsEnabled
    context.gradientsEnabled = false
    defer { context.gradientsEnabled = saved }
    return try body()
}

/// Whether operations on this thread are being recorded now.
public var isRecordingGradients: Bool { ThreadContext.current.gradientsEnabled }

/// Diagnostics of the tape machinery, for tests and benchmarks.
public enum TapeDiagnostics {
    /// The number of tapes of this thread that hold a graph: tensor tapes some `Variable` still refers to, and
    /// scalar arenas not yet released by a `backward()` (see the Guide's "The tape").
    public static var liveTapeCount: Int { ThreadContext.current.liveTapes }

    /// The number of arenas this thread keeps for `Scalar` scalar graphs (see the tape's lifetime rules in
    /// the Guide): stays at 1 in a training loop.
    public static func arenaCount<Scalar: TensorScalar>(_ type: Scalar.Type) -> Int {
        Scalar.self == Double.self ? ThreadContext.current.doubleArenas.count : ThreadContext.current.floatArenas.count
    }

    /// The number of nodes of the tape that new `Scalar` graphs on this thread record on (0 when none).
    public static func currentTapeNodeCount<Scalar: TensorScalar>(_ type: Scalar.Type) -> Int {
        guard let tape = Tape<Scalar>.existing(in: ThreadContext.current) else { return 0 }
        return tape.count
    }

    /// The bytes that tape's nodes take: one entry of each node array per node, and the out-of-line storage
    /// of the values it saved (rank-0 values are stored inline and add nothing).
    public static func currentTapeByteCount<Scalar: TensorScalar>(_ type: Scalar.Type) -> Int {
        guard let tape = Tape<Scalar>.existing(in: ThreadContext.current) else { return 0 }
        var bytes = tape.count * MemoryLayout<Entry<Scalar>>.stride
            + tape.tensors.count * MemoryLayout<Tensor<Scalar>>.stride
            + tape.extras.count * MemoryLayout<Op<Scalar>>.stride
            + tape.leaves.count * MemoryLayout<Leaf<Scalar>>.stride
        for value in tape.tensors {
            bytes += value.scalarCount * MemoryLayout<Scalar>.stride + 32
        }
        return bytes
    }
}
