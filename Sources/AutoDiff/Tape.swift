/// One operation recorded on the tape: what it was and which earlier nodes it read.
///
/// Each op family's enum (``ArithmeticOp``, ``ElementwiseOp``, …) lives in its file under `Operations/`
/// beside the forward functions and its derivative rule; the backward sweep switches over this enum
/// exhaustively, so a missing rule is a compile error.
@usableFromInline
enum Op<Scalar: TensorScalar> {
    /// A leaf variable's value; the gradient is accumulated into `tape.leaves[k]`.
    case leaf(Int32)
    /// A value that does not require a gradient, recorded because a tracked operation read it.
    case constant
    /// A node whose graph was differentiated without `retainGraph`.
    case released
    case arithmetic(ArithmeticOp, Int32, Int32)
    case elementwise(ElementwiseOp<Scalar>, Int32)
    case reduction(ReductionOp, Int32)
    case matmul(Int32, Int32)
    case shape(ShapeOp, Int32)
    case indexing(IndexingOp, Int32)
    case concatenate([Int32], axis: Int)
    case select(Tensor<Bool>, Int32, Int32)
    case custom(CustomRule<Scalar>, [Int32])
}

/// The shared state of a leaf variable: its current value and accumulated gradient.
///
/// Tapes hold their leaves strongly (a weak reference would give every leaf a side table and slow every
/// retain and release of a parameter).
@usableFromInline
final class Leaf<Scalar: TensorScalar> {
    /// The current value; setting it forgets the tape node cache so the next use records the new value.
    @exclusivity(unchecked) @usableFromInline var value: Tensor<Scalar> {
        didSet { tapeID = 0 }
    }
    @exclusivity(unchecked) @usableFromInline var grad: Tensor<Scalar>?
    /// The tape this leaf was last recorded on and its node there (a cache: one node per tape). A leaf holds
    /// no reference to a tape, so a tape can own its leaves without a cycle.
    @exclusivity(unchecked) @usableFromInline var tapeID: UInt64 = 0
    @exclusivity(unchecked) @usableFromInline var tapeIndex: Int32 = 0

    @inlinable init(_ value: Tensor<Scalar>) { self.value = value }
}

/// The record of a computation: an append-only list of operations in execution order.
///
/// A tape lives as long as some ``Variable`` recorded on it is alive; then its memory is released at once,
/// with no recursion, whatever the size of the graph. `backward()` is one reverse sweep over it.
@usableFromInline
final class Tape<Scalar: TensorScalar> {
    @exclusivity(unchecked) @usableFromInline var ops: [Op<Scalar>] = []
    @exclusivity(unchecked) @usableFromInline var values: [Tensor<Scalar>] = []
    @exclusivity(unchecked) @usableFromInline var leaves: [Leaf<Scalar>] = []
    /// Gradients of non-leaf nodes kept by ``Variable/retainGrad()``, by node.
    @usableFromInline var retainedGradients: [Int32: Tensor<Scalar>] = [:]
    @usableFromInline var retainRequests: Set<Int32> = []
    @usableFromInline let id: UInt64
    @usableFromInline let context: ThreadContext

    @usableFromInline
    init(context: ThreadContext) {
        self.context = context
        self.id = tapeCounter.wrappingAdd(1, ordering: .relaxed).oldValue
        context.liveTapes += 1
        ops.reserveCapacity(256)
        values.reserveCapacity(256)
    }

    deinit {
        context.liveTapes -= 1
        close()
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

    /// Appends a node and returns its index.
    @inlinable
    func append(_ op: Op<Scalar>, _ value: Tensor<Scalar>) -> Int32 {
        let index = Int32(truncatingIfNeeded: ops.count)
        ops.append(op)
        values.append(value)
        return index
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
}
