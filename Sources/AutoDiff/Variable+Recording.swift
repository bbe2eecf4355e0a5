// How operations record themselves: finding an operand's node, the scalar lane's records, and the general
// record path. The public `Variable` API is in Variable.swift.

// MARK: - Recording

extension Variable {
    /// Whether an operation reading this value must be recorded.
    @inlinable var isTracked: Bool { index != Variable.constantIndex }

    /// The node of this value on `tape`: its own index, a leaf's node, or a new constant node.
    @inlinable @inline(__always)
    func node(on tape: Tape<Scalar>, op: StaticString) -> Int32 {
        if index >= 0 {
            if owner != nil {
                if owner !== tape { Variable.crossTapeError(op) }
            } else {
                let laneTape = lane.unsafelyUnwrapped
                if laneTape._withUnsafeGuaranteedRef({ $0.epoch }) != epoch {
                    laneTape._withUnsafeGuaranteedRef { $0.staleError(op, .operator) }
                }
                if laneTape.toOpaque() != Unmanaged.passUnretained(tape).toOpaque() { Variable.crossTapeError(op) }
            }
            return index
        }
        if index == Variable.leafIndex {
            // Borrow the leaf without retaining it: `self` keeps it alive for the call.
            return Unmanaged.passUnretained(owner.unsafelyUnwrapped)._withUnsafeGuaranteedRef {
                tape.node(of: unsafeDowncast($0, to: Leaf<Scalar>.self))
            }
        }
        return tape.append(.constant, value)
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
    @inlinable
    static func record(_ value: Tensor<Scalar>, _ op: StaticString, _ x: Variable, site: CallSite = .operator,
                       _ make: (Int32) -> Op<Scalar>) -> Variable {
        if x.index >= 0 {
            if let owner = x.owner {
                // A tensor-graph node: its tape is borrowed (not retained) for the append; the result's
                // reference is the one retain of the operation.
                return Unmanaged.passUnretained(owner)._withUnsafeGuaranteedRef { owner in
                    let tape = unsafeDowncast(owner, to: Tape<Scalar>.self)
                    guard tape.context.gradientsEnabled else { return Variable(constant: value) }
                    let index = tape.append(make(x.index), value)
                    if _slowPath(tape.context.watching) { tape.observe(index, site) }
                    return Variable(value: value, tape: tape, index: index)
                }
            }
            // The scalar lane: no reference counting at all.
            return x.lane.unsafelyUnwrapped._withUnsafeGuaranteedRef { tape in
                if tape.epoch != x.epoch { tape.staleError(op, .operator) }
                guard tape.context.gradientsEnabled else { return Variable(constant: value) }
                let index = tape.append(make(x.index), value)
                if _slowPath(tape.context.watching) { tape.observe(index, site) }
                return node(value, tape: tape, index: index, regular: false)
            }
        }
        guard let tape = recordingTape(x, op: op) else { return Variable(constant: value) }
        let i = x.node(on: tape, op: op)
        let index = tape.append(make(i), value)
        if _slowPath(tape.context.watching) { tape.observe(index, site) }
        return node(value, tape: tape, index: index, regular: false)
    }

    /// Records a two-input operation whose result is `value`.
    @inlinable
    static func record(_ value: Tensor<Scalar>, _ op: StaticString, _ a: Variable, _ b: Variable, site: CallSite = .operator,
                       _ make: (Int32, Int32) -> Op<Scalar>) -> Variable {
        if a.index >= 0 || b.index >= 0 {
            let node = a.index >= 0 ? a : b
            if let owner = node.owner {
                // A tensor-graph node: its tape is borrowed (not retained) for the append; the result's
                // reference is the one retain of the operation.
                return Unmanaged.passUnretained(owner)._withUnsafeGuaranteedRef { owner in
                    let tape = unsafeDowncast(owner, to: Tape<Scalar>.self)
                    guard tape.context.gradientsEnabled else { return Variable(constant: value) }
                    let i = a.node(on: tape, op: op)
                    let j = b.node(on: tape, op: op)
                    let index = tape.append(make(i, j), value)
                    if _slowPath(tape.context.watching) { tape.observe(index, site) }
                    return Variable(value: value, tape: tape, index: index)
                }
            }
            // The scalar lane: no reference counting at all.
            return node.lane.unsafelyUnwrapped._withUnsafeGuaranteedRef { tape in
                if tape.epoch != node.epoch { tape.staleError(op, .operator) }
                guard tape.context.gradientsEnabled else { return Variable(constant: value) }
                let i = a.node(on: tape, op: op)
                let j = b.node(on: tape, op: op)
                let index = tape.append(make(i, j), value)
                if _slowPath(tape.context.watching) { tape.observe(index, site) }
                return Variable.node(value, tape: tape, index: index, regular: a.isRegularNode || b.isRegularNode)
            }
        }
        guard let tape = recordingTape(a, b, op: op) else { return Variable(constant: value) }
        let i = a.node(on: tape, op: op)
        let j = b.node(on: tape, op: op)
        let index = tape.append(make(i, j), value)
        if _slowPath(tape.context.watching) { tape.observe(index, site) }
        return node(value, tape: tape, index: index, regular: false)
    }

    /// Whether this value can be an operand of the scalar lane: rank-0 and not a tensor-graph node.
    @inlinable var isLaneOperand: Bool { index < 0 || owner == nil }

    /// The node of a leaf, constant or scalar-lane value on the arena `tape` (see ``node(on:op:)``).
    @inlinable
    func laneNode(on tape: Tape<Scalar>, op: StaticString) -> Int32 {
        if index >= 0 {
            if lane.unsafelyUnwrapped.toOpaque() != Unmanaged.passUnretained(tape).toOpaque() || epoch != tape.epoch {
                _ = node(on: tape, op: op)   // stops with the message that fits
            }
            return index
        }
        return node(on: tape, op: op)
    }

    /// Records a two-input operation of the scalar lane whose result is `value`; both operands must be
    /// ``isLaneOperand``.
    @inlinable
    static func recordScalar(_ value: Scalar, _ op: StaticString, _ a: Variable, _ b: Variable, site: CallSite = .operator,
                             partials: () -> (Scalar, Scalar), _ make: (Int32, Int32) -> Op<Scalar>) -> Variable {
        let tape: Unmanaged<Tape<Scalar>>
        if a.index >= 0 {
            tape = a.lane.unsafelyUnwrapped
        } else if b.index >= 0 {
            tape = b.lane.unsafelyUnwrapped
        } else {
            guard let current = recordingTape(a, b, op: op) else { return Variable(constant: Tensor(value)) }
            let i = a.node(on: current, op: op)
            let j = b.node(on: current, op: op)
            let index = current.append(make(i, j), scalar: value, partials: partials())
            if _slowPath(current.context.watching) { current.observe(index, site) }
            return Variable(laneValue: value, tape: current, index: index)
        }
        return tape._withUnsafeGuaranteedRef { tape in
            // One flag for "recording, nothing watched": the watched and the unrecorded cases leave the hot
            // path through one call, so that this path is the same code as without them.
            guard tape.context.recordsPlainly else {
                return recordScalarOffThePlainPath(value, op, a, b, site: site, tape: tape, partials: partials(), make)
            }
            let i = a.laneNode(on: tape, op: op)
            let j = b.laneNode(on: tape, op: op)
            return Variable(laneValue: value, tape: tape, index: tape.append(make(i, j), scalar: value, partials: partials()))
        }
    }

    /// ``recordScalar(_:_:_:_:site:partials:_:)`` when the thread does not record (a constant) or is
    /// watched (the node is observed after it is appended).
    @usableFromInline @inline(never)
    static func recordScalarOffThePlainPath(_ value: Scalar, _ op: StaticString, _ a: Variable, _ b: Variable, site: CallSite,
                                            tape: Tape<Scalar>, partials: (Scalar, Scalar), oneInput: Bool = false,
                                            _ make: (Int32, Int32) -> Op<Scalar>) -> Variable {
        guard tape.context.gradientsEnabled else { return Variable(constant: Tensor(value)) }
        let i = a.laneNode(on: tape, op: op)
        let j = oneInput ? -1 : b.laneNode(on: tape, op: op)
        let index = tape.append(make(i, j), scalar: value, partials: partials)
        tape.observe(index, site)
        return Variable(laneValue: value, tape: tape, index: index)
    }

    /// Records a one-input operation of the scalar lane whose result is `value`; `x` must be
    /// ``isLaneOperand``.
    @inlinable
    static func recordScalar(_ value: Scalar, _ op: StaticString, _ x: Variable, site: CallSite = .operator,
                             partial: () -> Scalar, _ make: (Int32) -> Op<Scalar>) -> Variable {
        if x.index >= 0 {
            return x.lane.unsafelyUnwrapped._withUnsafeGuaranteedRef { tape in
                guard tape.context.recordsPlainly else {
                    return recordScalarOffThePlainPath(value, op, x, Variable(constant: Tensor(Scalar.zero)), site: site,
                                                       tape: tape, partials: (partial(), 0), oneInput: true) { i, _ in make(i) }
                }
                let i = x.laneNode(on: tape, op: op)
                return Variable(laneValue: value, tape: tape, index: tape.append(make(i), scalar: value, partials: (partial(), 0)))
            }
        }
        guard let tape = recordingTape(x, op: op) else { return Variable(constant: Tensor(value)) }
        let i = x.node(on: tape, op: op)
        let index = tape.append(make(i), scalar: value, partials: (partial(), 0))
        if _slowPath(tape.context.watching) { tape.observe(index, site) }
        return Variable(laneValue: value, tape: tape, index: index)
    }

    /// Records an operation of any number of inputs whose result is `value`.
    @inlinable
    static func record(_ value: Tensor<Scalar>, _ op: StaticString, _ inputs: [Variable], site: CallSite = .operator,
                       _ make: ([Int32]) -> Op<Scalar>) -> Variable {
        var tape: Tape<Scalar>?
        for x in inputs where x.isTracked {
            tape = recordingTape(x, op: op)
            if tape != nil && x.index >= 0 { break }
        }
        guard let tape else { return Variable(constant: value) }
        let nodes = inputs.map { $0.node(on: tape, op: op) }
        let index = tape.append(make(nodes), value)
        if _slowPath(tape.context.watching) { tape.observe(index, site) }
        return node(value, tape: tape, index: index, regular: inputs.contains { $0.isRegularNode })
    }
}
