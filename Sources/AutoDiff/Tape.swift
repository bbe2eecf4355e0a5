/// The entry buffer of a dead tape, kept for the next tape of the same thread. It owns the buffer until
/// a tape takes it.
final class TapeStorage<Scalar: TensorScalar> {
    private var entries: UnsafeMutablePointer<Entry<Scalar>>?
    let capacity: Int
    init(entries: UnsafeMutablePointer<Entry<Scalar>>, capacity: Int) {
        self.entries = entries
        self.capacity = capacity
    }

    /// Hands the buffer over; the storage owns nothing afterwards.
    func take() -> UnsafeMutablePointer<Entry<Scalar>> {
        defer { entries = nil }
        return entries!
    }

    deinit { entries.map { Tape<Scalar>.deallocateEntries($0, capacity: capacity) } }
}

/// The record of a computation: an append-only list of operations in execution order.
///
/// Per node it keeps one trivial ``Entry`` in a raw growable buffer (24 bytes for a `Double` scalar
/// operation: no reference counting, no uniqueness or exclusivity check per append; grown in place, see
/// ``EntryMemory``); tensor values and the parameters of the less common operations sit beside it.
/// `backward()` is one reverse sweep over it.
///
/// Lifetime. A tape that only tensor graphs recorded on lives as long as some ``Variable`` recorded on it
/// is alive (each holds a reference); then its memory is released at once, with no recursion, whatever the
/// size of the graph. A tape that recorded a *scalar graph* (rank-0 results of rank-0 operands: the scalar
/// nodes) becomes an *arena*: its rank-0 variables hold no reference (no reference counting per operation),
/// so the thread context keeps the tape, and its memory is reused for the next graph once the graph was
/// released by `backward()` (or the tape stopped being current) and no tensor variable refers to it. Each
/// reuse gives the tape a new ``id``; an arena node of an earlier use is then recognised as stale.
@usableFromInline
final class Tape<Scalar: TensorScalar> {
    @exclusivity(unchecked) @usableFromInline var entries: UnsafeMutablePointer<Entry<Scalar>>
    @exclusivity(unchecked) @usableFromInline var count: Int = 0
    @exclusivity(unchecked) @usableFromInline var capacity: Int
    @exclusivity(unchecked) @usableFromInline var tensors: [Tensor<Scalar>] = []
    /// The operations that do not fit in an ``Entry`` (see ``encode(_:)``).
    @exclusivity(unchecked) @usableFromInline var extras: [Op<Scalar>] = []
    @exclusivity(unchecked) @usableFromInline var leaves: [Leaf<Scalar>] = []
    /// Gradients of non-leaf nodes kept by ``Variable/retainGrad()``, by node.
    @exclusivity(unchecked) @usableFromInline var retainedGradients: [Int32: Tensor<Scalar>] = [:]
    @exclusivity(unchecked) @usableFromInline var retainRequests: Set<Int32> = []
    /// Hooks of non-leaf nodes (``Variable/registerHook(_:)``), by node.
    @exclusivity(unchecked) @usableFromInline var hooks: [Int32: [GradientHook<Scalar>]] = [:]
    /// The caller's place of each node recorded while the thread was watched (anomaly detection, a trace, a
    /// gradient check locating a rule): filled only then.
    @exclusivity(unchecked) @usableFromInline var sites: [Int32: CallSite] = [:]
    /// Named groups of nodes (``Variable/grouped(_:_:)``, e.g. one per layer): the nodes after `start` up to
    /// and including `end`.
    @exclusivity(unchecked) @usableFromInline var groups: [(name: String, start: Int32, end: Int32)] = []
    /// The node the last backward pass started from (for ``Variable/graph()``: gradients are shown once known).
    @exclusivity(unchecked) @usableFromInline var differentiatedRoot: Int32 = -1
    /// The leaves and constants a trace (``withTapeTrace(to:_:)``) has written.
    var traced: Set<Int32> = []
    /// The identity of the graph being recorded: unique in the process, renewed when an arena is reused.
    @exclusivity(unchecked) @usableFromInline var id: UInt64
    @usableFromInline let context: ThreadContext
    /// Whether arena nodes (variables that hold no reference) were recorded: the context then keeps the tape.
    @exclusivity(unchecked) @usableFromInline var isArena = false
    /// Whether the tape holds a graph in use (false once an arena was released, until it is reused).
    @exclusivity(unchecked) @usableFromInline var isLive = true

    /// Which use of this tape the graph is: arena nodes keep it to recognise their graph. Counted
    /// per tape from 1 (a variable never holds 0), so it cannot wrap: an arena whose generations run out is
    /// retired for good instead of reused (see ``reset()``).
    @exclusivity(unchecked) @usableFromInline var epoch: UInt32 = 1

    @usableFromInline
    init(context: ThreadContext) {
        self.context = context
        self.id = tapeCounter.wrappingAdd(1, ordering: .relaxed).oldValue
        context.liveTapes += 1
        // Start from the storage a dead tape left behind: a training loop then stops regrowing (and
        // page-faulting) its arrays every step.
        if let spare = context.takeSpareStorage(Scalar.self) {
            entries = spare.take()
            capacity = spare.capacity
        } else {
            capacity = 1024
            entries = Tape.allocateEntries(capacity)
        }
    }

    deinit {
        if isLive { context.liveTapes -= 1 }
        close()
        // Entries are trivial: nothing to destroy one by one; the buffer goes to the next tape.
        context.keepSpareStorage(TapeStorage(entries: entries, capacity: capacity))
    }

    /// The tape new graphs record on in `context`, if one is alive.
    @inlinable
    static func existing(in context: ThreadContext) -> Tape? {
        context.currentTape(Scalar.self)?.takeUnretainedValue()
    }

    /// The tape new graphs record on in `context`, made (or an idle arena reused) if none is alive.
    @inlinable
    static func current(in context: ThreadContext) -> Tape {
        if let tape = existing(in: context) { return tape }
        return makeCurrent(in: context)
    }

    @usableFromInline
    static func makeCurrent(in context: ThreadContext) -> Tape {
        var reused = context.idleArena(Scalar.self)
        if let arena = reused, arena.epoch >= context.generationLimit {
            // Its generations ran out: an older scalar variable could not be told from a new one. The arena
            // is retired for good; its object is kept (variables of its graphs may still point at it) with
            // generation 0, which no variable holds, so every one of them is recognised as stale.
            context.retireExhaustedArena(arena)
            reused = nil
        }
        let tape = reused.map { $0.reset(); return $0 } ?? Tape(context: context)
        setCurrent(tape, in: context)
        return tape
    }

    /// Stops new graphs from starting on this tape (after a backward pass that released it).
    @usableFromInline
    func close() {
        if isCurrent { Tape.setCurrent(nil, in: context) }
        if isArena && isLive {
            isLive = false
            context.liveTapes -= 1
        }
    }

    /// Whether this is the tape new graphs of its thread record on.
    var isCurrent: Bool {
        context.currentTape(Scalar.self)?.toOpaque() == Unmanaged.passUnretained(self).toOpaque()
    }

    /// Makes this tape an arena: the context keeps it, because arena nodes do not.
    @usableFromInline
    func becomeArena() {
        isArena = true
        context.adoptArena(self)
    }

    /// Empties an idle arena for a new graph, under a new identity (its old scalar variables become stale).
    func reset() {
        // One huge graph should not pin its memory forever.
        clear(entryCapacity: capacity > 1 << 22 ? 1024 : nil)
        if !isLive {
            isLive = true
            context.liveTapes += 1
        }
    }

    /// Frees an arena's memory when its thread ends. The object itself is never freed: scalar variables
    /// that escaped the thread may still point at it, and find it stale.
    func retire() {
        close()
        clear(entryCapacity: 16)
        epoch = 0
        tensors = []
        extras = []
        leaves = []
    }

    /// Forgets every node under a new identity; `entryCapacity` replaces the entry buffer by a new one.
    private func clear(entryCapacity: Int?) {
        id = tapeCounter.wrappingAdd(1, ordering: .relaxed).oldValue
        epoch = epoch == 0 ? 0 : epoch + 1   // generation 0 marks a retired arena, for good
        count = 0
        tensors.removeAll(keepingCapacity: true)
        extras.removeAll(keepingCapacity: true)
        leaves.removeAll(keepingCapacity: true)
        retainedGradients = [:]
        retainRequests = []
        if !hooks.isEmpty { hooks = [:] }
        if !sites.isEmpty { sites = [:] }
        if !groups.isEmpty { groups = [] }
        differentiatedRoot = -1
        if !traced.isEmpty { traced = [] }
        if let entryCapacity {
            Tape.deallocateEntries(entries, capacity: capacity)
            capacity = entryCapacity
            entries = Tape.allocateEntries(capacity)
        }
    }

    @usableFromInline
    func staleError(_ op: StaticString, _ site: CallSite) -> Never {
        usageError("\(op)", "a scalar value of a graph that was already differentiated and released (backward() without " +
                   "retainGraph) takes part in a new operation; its thread may also have ended",
                   fix: "use .value or .detached() for values of a finished graph, or pass retainGraph: true to that backward()",
                   at: site)
    }

    /// Doubles the entry buffer (in place where the system can: see ``EntryMemory``). It releases no object, and
    /// says so: the inlined recording paths that may call it then need not keep their operands retained across it.
    @usableFromInline @inline(never) @_effects(releasenone)
    func grow() {
        let stride = MemoryLayout<Entry<Scalar>>.stride
        let raw = EntryMemory.reallocate(UnsafeMutableRawPointer(entries), from: capacity * stride, to: capacity * 2 * stride)
        capacity *= 2
        entries = raw.bindMemory(to: Entry<Scalar>.self, capacity: capacity)
    }

    /// An uninitialized entry buffer of `capacity` entries.
    static func allocateEntries(_ capacity: Int) -> UnsafeMutablePointer<Entry<Scalar>> {
        EntryMemory.allocate(bytes: capacity * MemoryLayout<Entry<Scalar>>.stride)
            .bindMemory(to: Entry<Scalar>.self, capacity: capacity)
    }

    /// Frees an entry buffer of `capacity` entries (entries are trivial: nothing to destroy one by one).
    static func deallocateEntries(_ entries: UnsafeMutablePointer<Entry<Scalar>>, capacity: Int) {
        EntryMemory.deallocate(UnsafeMutableRawPointer(entries), bytes: capacity * MemoryLayout<Entry<Scalar>>.stride)
    }

    /// How an entry stores `op`: its ``Entry/Kind``, the raw value of its arithmetic or elementwise operation,
    /// and its inputs; an operation with more than that goes to `extras`, and `a` is its index there.
    @inlinable
    func encode(_ op: Op<Scalar>) -> (kind: Entry<Scalar>.Kind, code: UInt8, a: Int32, b: Int32) {
        switch op {
        case .leaf(let k): return (.leaf, 0, k, -1)
        case .constant: return (.constant, 0, -1, -1)
        case .arithmetic(let f, let x, let y): return (.arithmetic, f.rawValue, x, y)
        case .elementwise(let f, let x): return (.elementwise, f.rawValue, x, -1)
        case .matmul(let x, let y): return (.matmul, 0, x, y)
        default:
            extras.append(op)
            return (.extended, 0, Int32(truncatingIfNeeded: extras.count - 1), -1)
        }
    }

    /// The operation of node `j`: the one decoder of what ``encode(_:)`` stored.
    @inlinable
    func op(_ j: Int) -> Op<Scalar> {
        let entry = entries[j]
        switch entry.kind {
        case .leaf: return .leaf(entry.a)
        case .constant: return .constant
        case .arithmetic: return .arithmetic(entry.arithmeticOp, entry.a, entry.b)
        case .elementwise: return .elementwise(entry.elementwiseOp, entry.a)
        case .matmul: return .matmul(entry.a, entry.b)
        case .extended: return extras[Int(entry.a)]
        }
    }

    /// Appends a node and returns its index.
    @inlinable
    func append(_ op: Op<Scalar>, _ value: Tensor<Scalar>) -> Int32 {
        let index = count
        if _slowPath(index == capacity) { grow() }
        let (kind, code, a, b) = encode(op)
        if case .scalar(let x) = value.storage {
            (entries + index).initialize(to: Entry(kind, code, a, b, scalar: x, slot: -1))
        } else {
            (entries + index).initialize(to: Entry(kind, code, a, b, scalar: 0, slot: Int32(truncatingIfNeeded: tensors.count)))
            tensors.append(value)
        }
        count = index + 1
        return Int32(truncatingIfNeeded: index)
    }

    /// Appends the node of an operation recorded at `site` and returns its index; a watching scope (anomaly
    /// detection, a trace) sees it.
    @inlinable @inline(__always)
    func appendOperation(_ op: Op<Scalar>, _ value: Tensor<Scalar>, site: CallSite) -> Int32 {
        let index = append(op, value)
        if _slowPath(context.watching) { observe(index, site) }
        return index
    }

    /// Appends a scalar node (an arithmetic or elementwise operation, stored as ``encode(_:)`` stores it: `kind`
    /// and the operation's raw value, without building its `Op`; its partials are computed by the backward sweep
    /// from the stored values) and returns its index.
    @inlinable @inline(__always)
    func appendScalar(_ kind: Entry<Scalar>.Kind, _ code: UInt8, _ a: Int32, _ b: Int32, _ x: Scalar) -> Int32 {
        let index = count
        if _slowPath(index == capacity) { grow() }
        (entries + index).initialize(to: Entry(kind, code, a, b, scalar: x, slot: -1, flags: Entry<Scalar>.Flags.scalarNode))
        count = index &+ 1   // below capacity
        return Int32(truncatingIfNeeded: index)
    }

    /// Appends a rank-0 constant read by an operation (as ``appendConstant(_:)`` records it, without a tensor) and
    /// returns its node.
    @inlinable @inline(__always)
    func appendScalarConstant(_ x: Scalar) -> Int32 {
        let index = count
        if _slowPath(index == capacity) { grow() }
        (entries + index).initialize(to: Entry(.constant, 0, -1, -1, scalar: x, slot: -1))
        count = index + 1
        return Int32(truncatingIfNeeded: index)
    }

    /// -1 if node `j`'s value is a scalar, else its index in `tensors`.
    @inlinable func slot(_ j: Int) -> Int32 { entries[j].slot }
    /// The value of a rank-0 node `j`.
    @inlinable func scalar(_ j: Int) -> Scalar { entries[j].scalar }

    /// The recorded value of node `j`.
    @inlinable
    func value(_ j: Int32) -> Tensor<Scalar> {
        let entry = entries[Int(j)]
        return entry.slot < 0 ? Tensor(entry.scalar) : tensors[Int(entry.slot)]
    }

    /// The shape of node `j`'s value.
    @inlinable
    func shape(_ j: Int32) -> [Int] {
        let slot = entries[Int(j)].slot
        return slot < 0 ? [] : tensors[Int(slot)].shape
    }

    /// The node of `leaf` on this tape, recorded on first use. (Always inlined: it is on every operation that
    /// reads a parameter; the first use, once per leaf and tape, is a call.)
    @inlinable @inline(__always)
    func node(of leaf: Leaf<Scalar>) -> Int32 {
        leaf.tapeID == id ? leaf.tapeIndex : appendLeaf(leaf)
    }

    /// Records `leaf` on this tape and returns its node.
    @inlinable @inline(never)
    func appendLeaf(_ leaf: Leaf<Scalar>) -> Int32 {
        let k = Int32(truncatingIfNeeded: leaves.count)
        leaves.append(leaf)
        let index = append(.leaf(k), leaf.value)
        leaf.tapeID = id
        leaf.tapeIndex = index
        if case .scalar(let x) = leaf.value.storage {
            leaf.scalarTapeID = id
            leaf.recordedScalarBits = x._bits
        }
        return index
    }

    /// Records a constant read by an operation and returns its node (a call: it keeps the operations' inlined
    /// recording paths small).
    @inlinable @inline(never)
    func appendConstant(_ value: Tensor<Scalar>) -> Int32 {
        append(.constant, value)
    }

    /// Whether a backward pass without `retainGraph` went through node `i`.
    @inlinable func isReleased(_ i: Int) -> Bool { entries[i].released }
}
