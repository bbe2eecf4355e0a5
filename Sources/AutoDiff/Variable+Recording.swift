// How operations record themselves: finding an operand's node, the records of scalar nodes (rank-0 nodes
// with their partials, on an arena), and the general record path. What a variable is: ``Variable/Role``
// (Variable.swift, with the public API).

extension Variable {
    /// Whether an operation reading this value must be recorded (anything but a constant).
    @inlinable var isTracked: Bool { role != .constant }

    /// Whether a rank-0 operation on this value can record a scalar node on an arena: a leaf, a constant or an
    /// arena node (not a tape node, whose graph holds its tape).
    @inlinable var isArenaOperand: Bool { role != .tapeNode }

    /// The node of an operand of a scalar node on the arena `tape`: inline for the two common cases (an arena
    /// node of this arena's graph, a leaf already recorded on it), ``node(on:op:)`` for any other.
    @inlinable @inline(__always)
    func arenaOperandNode(on tape: Tape<Scalar>, op: StaticString) -> Int32 {
        let role = self.role
        if role == .arenaNode && arena.unsafelyUnwrapped.toOpaque() == Unmanaged.passUnretained(tape).toOpaque()
            && epoch == tape.epoch {
            return index
        }
        if role == .leaf {
            let cached = Unmanaged.passUnretained(owner.unsafelyUnwrapped)._withUnsafeGuaranteedRef {
                let leaf = unsafeDowncast($0, to: Leaf<Scalar>.self)
                return leaf.tapeID == tape.id ? leaf.tapeIndex : -1
            }
            if cached >= 0 { return cached }
        } else if index == Variable.constantIndex && owner == nil {
            return tape.appendScalarConstant(scalarValue)   // a rank-0 constant (an input, a literal)
        }
        return node(on: tape, op: op)
    }

    /// The node of this value on `tape`: its own index, a leaf's node, or a new constant node. Stops with a
    /// message for a node of another tape or of a released graph.
    @inlinable
    func node(on tape: Tape<Scalar>, op: StaticString) -> Int32 {
        switch role {
        case .tapeNode:
            if owner !== tape { Variable.crossTapeError(op) }
            return index
        case .arenaNode:
            if arena.unsafelyUnwrapped.toOpaque() != Unmanaged.passUnretained(tape).toOpaque() || epoch != tape.epoch {
                arenaMismatch(op)
            }
            return index
        case .leaf:
            // Borrow the leaf without retaining it: `self` keeps it alive for the call.
            return Unmanaged.passUnretained(owner.unsafelyUnwrapped)._withUnsafeGuaranteedRef {
                tape.node(of: unsafeDowncast($0, to: Leaf<Scalar>.self))
            }
        case .constant:
            return owner == nil ? tape.appendScalarConstant(scalarValue) : tape.appendConstant(value)
        }
    }

    /// Stops for an arena node used with another tape: its own graph was released (stale), or the tapes differ.
    @usableFromInline @inline(never)
    func arenaMismatch(_ op: StaticString) -> Never {
        let own = arena.unsafelyUnwrapped.takeUnretainedValue()
        if own.epoch != epoch { own.staleError(op, .operator) }
        Variable.crossTapeError(op)
    }

    @usableFromInline
    static func crossTapeError(_ op: StaticString) -> Never {
        usageError("\(op)", "its operands were recorded on two different tapes: one of them belongs to a graph that was " +
                   "already differentiated (backward without retainGraph), or to another gradient(at:of:) closure",
                   fix: "use .detached() on the older value, or pass retainGraph: true to the earlier backward()",
                   at: .operator)
    }

    /// The tape an operation on these operands records on, or nil when nothing is to be recorded.
    @inlinable
    static func recordingTape(_ a: Variable, _ b: Variable? = nil, op: StaticString) -> Tape<Scalar>? {
        if let tape = a.tape(op) ?? b?.tape(op) {
            return tape.context.gradientsEnabled ? tape : nil
        }
        if !a.isTracked && !(b?.isTracked ?? false) { return nil }
        let context = ThreadContext.current
        return context.gradientsEnabled ? Tape.current(in: context) : nil
    }

    /// Records a one-input operation whose result is `value`.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    static func record(_ value: Tensor<Scalar>, _ op: StaticString, _ x: Variable, site: CallSite = .operator,
                       _ make: (Int32) -> Op<Scalar>) -> Variable {
        switch x.role {
        case .tapeNode:
            // Its tape is borrowed (not retained) for the append; the result's reference is the one retain of
            // the operation.
            return Unmanaged.passUnretained(x.owner.unsafelyUnwrapped)._withUnsafeGuaranteedRef { owner in
                let tape = unsafeDowncast(owner, to: Tape<Scalar>.self)
                guard tape.context.gradientsEnabled else { return Variable(constant: value) }
                let index = tape.appendOperation(make(x.index), value, site: site)
                return Variable(value: value, tape: tape, index: index)
            }
        case .arenaNode:
            // No reference counting at all.
            return x.arena.unsafelyUnwrapped._withUnsafeGuaranteedRef { tape in
                if tape.epoch != x.epoch { tape.staleError(op, .operator) }
                guard tape.context.gradientsEnabled else { return Variable(constant: value) }
                let index = tape.appendOperation(make(x.index), value, site: site)
                return node(value, tape: tape, index: index, inTensorGraph: false)
            }
        case .leaf, .constant:
            guard let tape = recordingTape(x, op: op) else { return Variable(constant: value) }
            let i = x.node(on: tape, op: op)
            let index = tape.appendOperation(make(i), value, site: site)
            return node(value, tape: tape, index: index, inTensorGraph: false)
        }
    }

    /// Records a two-input operation whose result is `value`.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    static func record(_ value: Tensor<Scalar>, _ op: StaticString, _ a: Variable, _ b: Variable, site: CallSite = .operator,
                       _ make: (Int32, Int32) -> Op<Scalar>) -> Variable {
        // The tape of the first operand that is a node, borrowed (not retained) for the append.
        let first = a.role.isNode ? a : b
        switch first.role {
        case .tapeNode:
            // The result's reference is the one retain of the operation.
            return Unmanaged.passUnretained(first.owner.unsafelyUnwrapped)._withUnsafeGuaranteedRef { owner in
                let tape = unsafeDowncast(owner, to: Tape<Scalar>.self)
                guard tape.context.gradientsEnabled else { return Variable(constant: value) }
                let index = tape.appendOperation(make(a.node(on: tape, op: op), b.node(on: tape, op: op)), value, site: site)
                return Variable(value: value, tape: tape, index: index)
            }
        case .arenaNode:
            // No reference counting at all.
            return first.arena.unsafelyUnwrapped._withUnsafeGuaranteedRef { tape in
                if tape.epoch != first.epoch { tape.staleError(op, .operator) }
                guard tape.context.gradientsEnabled else { return Variable(constant: value) }
                let index = tape.appendOperation(make(a.node(on: tape, op: op), b.node(on: tape, op: op)), value, site: site)
                return Variable.node(value, tape: tape, index: index,
                                     inTensorGraph: a.role == .tapeNode || b.role == .tapeNode)
            }
        case .leaf, .constant:
            guard let tape = recordingTape(a, b, op: op) else { return Variable(constant: value) }
            let index = tape.appendOperation(make(a.node(on: tape, op: op), b.node(on: tape, op: op)), value, site: site)
            return node(value, tape: tape, index: index, inTensorGraph: false)
        }
    }

    /// What recording a scalar node needs of this operand, read without a call: an arena node's value, node and
    /// graph; a leaf's scalar value and its node on the tape it was last recorded on (when that value is a
    /// scalar). Nil for any other operand (a constant, a tape node, a tensor leaf). Trivial, so the recording path
    /// holds no reference.
    @inlinable @inline(__always)
    var inlineScalarOperand: ScalarOperand<Scalar>? {
        if index >= 0 {
            guard owner == nil else { return nil }   // a tape node
            return ScalarOperand(bits: scalarBits, node: index, graph: UInt64(UInt(bitPattern: arena.unsafelyUnwrapped.toOpaque())),
                                 epoch: epoch)
        }
        guard index == Variable.leafIndex else { return nil }   // a constant
        return Unmanaged.passUnretained(owner.unsafelyUnwrapped)._withUnsafeGuaranteedRef {
            let leaf = unsafeDowncast($0, to: Leaf<Scalar>.self)
            return ScalarOperand(bits: leaf.recordedScalarBits, node: leaf.tapeIndex, graph: leaf.scalarTapeID, epoch: 0)
        }
    }

    /// The arena an operation on `a` and `b` records its scalar node on when one of them is an arena node (its
    /// graph's tape, the first operand's if both are), without a reference; nil otherwise.
    @inlinable @inline(__always)
    static func operandArena(_ a: Variable, _ b: Variable) -> Unmanaged<Tape<Scalar>>? {
        if a.index >= 0 && a.owner == nil { return a.arena }
        if b.index >= 0 && b.owner == nil { return b.arena }
        return nil
    }

    /// Records `a ∘ b` as a scalar node when everything it needs is at hand without a call (see
    /// ``inlineScalarOperand``): the recording of micrograd-style code, a few dozen instructions inlined into the
    /// caller. Nil (nothing recorded) otherwise; the general path then records the same node.
    @inlinable @inline(__always)
    static func recordScalarInline(_ a: Variable, _ b: Variable, kind: Entry<Scalar>.Kind, code: UInt8,
                                   _ compute: (Scalar, Scalar) -> Scalar) -> Variable? {
        // Two arena nodes (a running sum and its next term): tested first and on their own, so that the optimizer
        // sees, on this path, that neither operand holds a reference, and the caller releases nothing after the
        // operation (a neuron's sum is such temporaries and an accumulator reassigned).
        if a.index >= 0 && a.owner == nil && b.index >= 0 && b.owner == nil {
            let arena = a.arena.unsafelyUnwrapped
            return arena._withUnsafeGuaranteedRef { tape in
                guard tape.context.recordsPlainly, a.epoch == tape.epoch,
                      b.arena.unsafelyUnwrapped.toOpaque() == arena.toOpaque(), b.epoch == tape.epoch else { return nil }
                let v = compute(a.scalarValue, b.scalarValue)
                return Variable(arenaValue: v, arena: tape, index: tape.appendScalar(kind, code, a.index, b.index, v))
            }
        }
        guard let arena = operandArena(a, b), let x = a.inlineScalarOperand, let y = b.inlineScalarOperand else { return nil }
        // The tape borrowed, and only trivial values captured: no reference counting.
        return arena._withUnsafeGuaranteedRef { tape in
            guard tape.context.recordsPlainly, x.isOperand(on: tape), y.isOperand(on: tape) else { return nil }
            let v = compute(x.value, y.value)
            return Variable(arenaValue: v, arena: tape, index: tape.appendScalar(kind, code, x.node, y.node, v))
        }
    }

    /// Records `f(x)` as a scalar node when `x` is an arena node of its arena's current graph and nothing watches
    /// (see ``recordScalarInline(_:_:kind:code:_:)``); nil otherwise.
    @inlinable @inline(__always)
    static func recordScalarInline(_ x: Variable, code: UInt8, _ compute: (Scalar) -> Scalar) -> Variable? {
        guard x.index >= 0 && x.owner == nil else { return nil }
        let s = x.scalarValue, node = x.index, epoch = x.epoch
        return x.arena.unsafelyUnwrapped._withUnsafeGuaranteedRef { tape in
            guard tape.context.recordsPlainly, tape.epoch == epoch else { return nil }
            let v = compute(s)
            return Variable(arenaValue: v, arena: tape, index: tape.appendScalar(.elementwise, code, node, -1, v))
        }
    }

    /// Records a two-input scalar node (an arena node, differentiated from its stored values) whose result is
    /// `value`; both operands must be ``isArenaOperand``.
    @inlinable @inline(__always)
    static func recordScalar(_ value: Scalar, _ op: StaticString, _ a: Variable, _ b: Variable, site: CallSite = .operator,
                             kind: Entry<Scalar>.Kind, code: UInt8) -> Variable {
        let arena: Unmanaged<Tape<Scalar>>
        if a.role == .arenaNode {
            arena = a.arena.unsafelyUnwrapped
        } else if b.role == .arenaNode {
            arena = b.arena.unsafelyUnwrapped
        } else {
            return recordScalarOffThePlainPath(value, op, a, b, site: site, tape: nil, kind: kind, code: code)
        }
        return arena._withUnsafeGuaranteedRef { tape in
            // One flag for "recording, nothing watched": the watched and the unrecorded cases leave the hot
            // path through one call, so that this path is the same code as without them.
            guard tape.context.recordsPlainly else {
                return recordScalarOffThePlainPath(value, op, a, b, site: site, tape: tape, kind: kind, code: code)
            }
            let index = tape.appendScalar(kind, code, a.arenaOperandNode(on: tape, op: op),
                                          b.arenaOperandNode(on: tape, op: op), value)
            return Variable(arenaValue: value, arena: tape, index: index)
        }
    }

    /// ``recordScalar(_:_:_:_:site:kind:code:)`` off its hot path: when no operand is an arena node yet (`tape`
    /// nil: the first operation of a graph), when the thread does not record (a constant), or when it is watched
    /// (the node is observed after it is appended).
    @inlinable @inline(never)
    static func recordScalarOffThePlainPath(_ value: Scalar, _ op: StaticString, _ a: Variable, _ b: Variable, site: CallSite,
                                            tape: Tape<Scalar>?, kind: Entry<Scalar>.Kind, code: UInt8,
                                            oneInput: Bool = false) -> Variable {
        if tape == nil && a.role != .arenaNode && (oneInput || b.role != .arenaNode) {
            return recordScalarOnCurrentTape(value, op, a, b, site: site, kind: kind, code: code, oneInput: oneInput)
        }
        guard let tape = tape ?? recordingTape(a, oneInput ? nil : b, op: op), tape.context.gradientsEnabled else {
            return Variable(constant: Tensor(value))
        }
        return recordScalar(value, op, a, b, site: site, on: tape, kind: kind, code: code, oneInput: oneInput)
    }

    /// A scalar node of operands that are leaves and constants (the first operations of a graph, the operations
    /// on inputs), on the thread's current tape: the thread's context and its tape borrowed, not retained.
    @inlinable
    static func recordScalarOnCurrentTape(_ value: Scalar, _ op: StaticString, _ a: Variable, _ b: Variable, site: CallSite,
                                          kind: Entry<Scalar>.Kind, code: UInt8, oneInput: Bool) -> Variable {
        guard a.isTracked || (!oneInput && b.isTracked) else { return Variable(constant: Tensor(value)) }
        return ThreadContext.currentUnretained._withUnsafeGuaranteedRef { context in
            guard context.gradientsEnabled else { return Variable(constant: Tensor(value)) }
            if let current = context.currentTape(Scalar.self) {
                // The current tape: alive while it is current (not retained).
                return current._withUnsafeGuaranteedRef {
                    recordScalar(value, op, a, b, site: site, on: $0, kind: kind, code: code, oneInput: oneInput)
                }
            }
            let tape = Tape<Scalar>.makeCurrent(in: context)   // held here until the node makes it an arena
            return recordScalar(value, op, a, b, site: site, on: tape, kind: kind, code: code, oneInput: oneInput)
        }
    }

    /// Appends a scalar node of `a` and `b` (or `a` alone) to `tape`, which records.
    @inlinable @inline(__always)
    static func recordScalar(_ value: Scalar, _ op: StaticString, _ a: Variable, _ b: Variable, site: CallSite,
                             on tape: Tape<Scalar>, kind: Entry<Scalar>.Kind, code: UInt8, oneInput: Bool) -> Variable {
        let i = a.arenaOperandNode(on: tape, op: op)
        let j = oneInput ? -1 : b.arenaOperandNode(on: tape, op: op)
        let index = tape.appendScalar(kind, code, i, j, value)
        if _slowPath(tape.context.watching) { tape.observe(index, site) }
        return Variable(arenaValue: value, tape: tape, index: index)
    }

    /// Records a one-input scalar node (an arena node, differentiated from its stored values) whose result is
    /// `value`; `x` must be ``isArenaOperand``.
    @inlinable @inline(__always)
    static func recordScalar(_ value: Scalar, _ op: StaticString, _ x: Variable, site: CallSite = .operator,
                             kind: Entry<Scalar>.Kind, code: UInt8) -> Variable {
        guard x.role == .arenaNode else {
            return recordScalarOffThePlainPath(value, op, x, x, site: site, tape: nil, kind: kind, code: code, oneInput: true)
        }
        return x.arena.unsafelyUnwrapped._withUnsafeGuaranteedRef { tape in
            guard tape.context.recordsPlainly else {
                return recordScalarOffThePlainPath(value, op, x, x, site: site, tape: tape, kind: kind, code: code,
                                                   oneInput: true)
            }
            let index = tape.appendScalar(kind, code, x.arenaOperandNode(on: tape, op: op), -1, value)
            return Variable(arenaValue: value, arena: tape, index: index)
        }
    }

    /// Records an operation of any number of inputs whose result is `value`.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    static func record(_ value: Tensor<Scalar>, _ op: StaticString, _ inputs: [Variable], site: CallSite = .operator,
                       _ make: ([Int32]) -> Op<Scalar>) -> Variable {
        var tape: Tape<Scalar>?
        for x in inputs where x.isTracked {
            tape = recordingTape(x, op: op)
            if tape != nil && x.role.isNode { break }
        }
        guard let tape else { return Variable(constant: value) }
        let nodes = inputs.map { $0.node(on: tape, op: op) }
        let index = tape.appendOperation(make(nodes), value, site: site)
        return node(value, tape: tape, index: index, inTensorGraph: inputs.contains { $0.role == .tapeNode })
    }
}

/// An operand of a scalar node as the inlined recording path sees it (``Variable/inlineScalarOperand``).
@usableFromInline
struct ScalarOperand<Scalar: TensorScalar> {
    /// Its value's bits.
    @usableFromInline var bits: UInt64
    /// Its node: an arena node's index, or a leaf's node on the tape `graph` names.
    @usableFromInline var node: Int32
    /// An arena node's epoch; 0 for a leaf.
    @usableFromInline var epoch: UInt32
    /// An arena node's tape (its address); the `id` of the tape a leaf was last recorded on with a scalar value
    /// (0 if none).
    @usableFromInline var graph: UInt64

    @inlinable @inline(__always)
    init(bits: UInt64, node: Int32, graph: UInt64, epoch: UInt32) {
        (self.bits, self.node, self.graph, self.epoch) = (bits, node, graph, epoch)
    }

    @inlinable var value: Scalar { Scalar(_bits: bits) }

    /// Whether this operand is usable as it is by a scalar node of arena `tape`'s current graph: an arena node of
    /// that graph, or a leaf recorded on it. (An arena node's epoch is never 0, a tape's id never an address.)
    @inlinable @inline(__always)
    func isOperand(on tape: Tape<Scalar>) -> Bool {
        epoch != 0 ? graph == UInt64(UInt(bitPattern: Unmanaged.passUnretained(tape).toOpaque())) && epoch == tape.epoch
            : graph == tape.id
    }
}
