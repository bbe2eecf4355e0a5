/// One operation as the operations describe it: what it was and which earlier nodes it read.
///
/// Each op family's enum (``ArithmeticOp``, ``ElementwiseOp``, …) lives in its file under `Operations/`
/// beside the forward functions and its derivative rule; the backward sweep switches over this enum
/// exhaustively, so a missing rule is a compile error. The tape stores the common cases compactly
/// (``Node``) and the others in a side table.
@usableFromInline
enum Op<Scalar: TensorScalar> {
    /// A leaf variable's value; the gradient is delivered to `tape.leaves[k]`.
    case leaf(Int32)
    /// A value that does not require a gradient, recorded because a tracked operation read it.
    case constant
    case arithmetic(ArithmeticOp, Int32, Int32)
    case elementwise(ElementwiseOp, Int32)
    case leakyRelu(Int32, alpha: Scalar)
    case reduction(ReductionOp, Int32)
    case matmul(Int32, Int32)
    case shape(ShapeOp, Int32)
    case indexing(IndexingOp, Int32)
    case concatenate([Int32], axis: Int)
    case select(Tensor<Bool>, Int32, Int32)
    case custom(CustomRule<Scalar>, [Int32])
}

/// A tape entry: trivial (no references), 16 bytes, so recording, sweeping and freeing a graph of scalar
/// operations touches no reference counts. Operations with parameters (axes, masks, indices, a user's rule)
/// keep them in `Tape.extras`.
@usableFromInline
enum Node: Sendable {
    case leaf(Int32)
    case constant
    case arithmetic(ArithmeticOp, Int32, Int32)
    case elementwise(ElementwiseOp, Int32)
    case matmul(Int32, Int32)
    case extended(Int32)
}

/// What the tape keeps per node: the operation, where its value is, and the value itself when it is a
/// scalar. Trivial (no references), 32 bytes for `Double`.
@usableFromInline
struct Entry<Scalar: TensorScalar> {
    /// The value of a rank-0 node (0 for the others).
    @usableFromInline var scalar: Scalar
    @usableFromInline var node: Node
    /// -1 if the value is `scalar`, else its index in `Tape.tensors`.
    @usableFromInline var slot: Int32
    /// Set when a backward pass without `retainGraph` went through this node (fits in the padding).
    @usableFromInline var released: Bool

    @inlinable init(scalar: Scalar, node: Node, slot: Int32) {
        self.scalar = scalar
        self.node = node
        self.slot = slot
        self.released = false
    }
}

/// The shared state of a leaf variable: its current value and accumulated gradient.
///
/// Tapes hold their leaves strongly (a weak reference would give every leaf a side table and slow every
/// retain and release of a parameter); a leaf holds no reference to a tape, so there is no cycle.
@usableFromInline
final class Leaf<Scalar: TensorScalar> {
    /// The current value; setting it forgets the tape node cache so the next use records the new value.
    @exclusivity(unchecked) @usableFromInline var value: Tensor<Scalar> {
        didSet { tapeID = 0 }
    }
    @exclusivity(unchecked) @usableFromInline var grad: Tensor<Scalar>?
    /// The tape this leaf was last recorded on and its node there (a cache: one node per tape).
    @exclusivity(unchecked) @usableFromInline var tapeID: UInt64 = 0
    @exclusivity(unchecked) @usableFromInline var tapeIndex: Int32 = 0

    @inlinable init(_ value: Tensor<Scalar>) { self.value = value }
}

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

    deinit { entries?.deallocate() }
}

/// The record of a computation: an append-only list of operations in execution order.
///
/// Per node it keeps one trivial ``Entry`` in a raw growable buffer (32 bytes for a `Double` scalar
/// operation: no reference counting, no uniqueness or exclusivity check per append); tensor values and
/// the parameters of the less common operations sit beside it. A tape lives as long as some
/// ``Variable`` recorded on it is alive; then its memory is released at once, with no recursion, whatever
/// the size of the graph. `backward()` is one reverse sweep over it.
@usableFromInline
final class Tape<Scalar: TensorScalar> {
    @exclusivity(unchecked) @usableFromInline var entries: UnsafeMutablePointer<Entry<Scalar>>
    @exclusivity(unchecked) @usableFromInline var count: Int = 0
    @exclusivity(unchecked) @usableFromInline var capacity: Int
    @exclusivity(unchecked) @usableFromInline var tensors: [Tensor<Scalar>] = []
    /// The operations that do not fit in a ``Node``.
    @exclusivity(unchecked) @usableFromInline var extras: [Op<Scalar>] = []
    @exclusivity(unchecked) @usableFromInline var leaves: [Leaf<Scalar>] = []
    /// Gradients of non-leaf nodes kept by ``Variable/retainGrad()``, by node.
    @exclusivity(unchecked) @usableFromInline var retainedGradients: [Int32: Tensor<Scalar>] = [:]
    @exclusivity(unchecked) @usableFromInline var retainRequests: Set<Int32> = []
    @usableFromInline let id: UInt64
    @usableFromInline let context: ThreadContext

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
            entries = .allocate(capacity: capacity)
        }
    }

    deinit {
        context.liveTapes -= 1
        close()
        // Entries are trivial: nothing to destroy one by one; the buffer goes to the next tape.
        context.keepSpareStorage(TapeStorage(entries: entries, capacity: capacity))
    }

    /// The tape new graphs record on in `context`, if one is alive.
    @inlinable
    static func existing(in context: ThreadContext) -> Tape? {
        let slot = Scalar.self == Double.self ? context.doubleTape : context.floatTape
        guard let slot else { return nil }
        return unsafeDowncast(slot, to: Tape.self)
    }

    /// The tape new graphs record on in `context`, made if none is alive.
    @inlinable
    static func current(in context: ThreadContext) -> Tape {
        if let tape = existing(in: context) { return tape }
        let tape = Tape(context: context)
        if Scalar.self == Double.self { context.doubleTape = tape } else { context.floatTape = tape }
        return tape
    }

    /// Stops new graphs from starting on this tape (after a backward pass that released it).
    @usableFromInline
    func close() {
        if Scalar.self == Double.self {
            if context.doubleTape === self { context.doubleTape = nil }
        } else if context.floatTape === self {
            context.floatTape = nil
        }
    }

    /// Doubles the entry buffer.
    @usableFromInline
    func grow() {
        let bigger = UnsafeMutablePointer<Entry<Scalar>>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: entries, count: count)
        entries.deallocate()
        entries = bigger
        capacity *= 2
    }

    /// Appends a node and returns its index.
    @inlinable
    func append(_ op: Op<Scalar>, _ value: Tensor<Scalar>) -> Int32 {
        let index = count
        if index == capacity { grow() }
        let node: Node
        switch op {
        case .leaf(let k): node = .leaf(k)
        case .constant: node = .constant
        case .arithmetic(let f, let a, let b): node = .arithmetic(f, a, b)
        case .elementwise(let f, let a): node = .elementwise(f, a)
        case .matmul(let a, let b): node = .matmul(a, b)
        default:
            node = .extended(Int32(truncatingIfNeeded: extras.count))
            extras.append(op)
        }
        if case .scalar(let x) = value.storage {
            (entries + index).initialize(to: Entry(scalar: x, node: node, slot: -1))
        } else {
            (entries + index).initialize(to: Entry(scalar: 0, node: node, slot: Int32(truncatingIfNeeded: tensors.count)))
            tensors.append(value)
        }
        count = index + 1
        return Int32(truncatingIfNeeded: index)
    }

    /// The operation record of node `j`.
    @inlinable func node(_ j: Int) -> Node { entries[j].node }
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

    /// The operation of node `j`, as the operations described it.
    @inlinable
    func op(_ j: Int) -> Op<Scalar> {
        switch entries[j].node {
        case .leaf(let k): return .leaf(k)
        case .constant: return .constant
        case .arithmetic(let f, let a, let b): return .arithmetic(f, a, b)
        case .elementwise(let f, let a): return .elementwise(f, a)
        case .matmul(let a, let b): return .matmul(a, b)
        case .extended(let k): return extras[Int(k)]
        }
    }

    /// The node of `leaf` on this tape, recorded on first use.
    @inlinable
    func node(of leaf: Leaf<Scalar>) -> Int32 {
        if leaf.tapeID == id { return leaf.tapeIndex }
        let k = Int32(truncatingIfNeeded: leaves.count)
        leaves.append(leaf)
        let index = append(.leaf(k), leaf.value)
        leaf.tapeID = id
        leaf.tapeIndex = index
        return index
    }

    /// Whether a backward pass without `retainGraph` went through node `i`.
    @inlinable func isReleased(_ i: Int) -> Bool { entries[i].released }
}
