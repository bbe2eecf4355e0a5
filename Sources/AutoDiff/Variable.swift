/// A value recorded on the tape, so that gradients with respect to it can be computed.
///
/// A `Variable` made by `Variable(_:)` is a *leaf*: it lives as long as you hold it, takes part in any
/// number of graphs, and every `backward()` that reaches it adds (`+=`) into its ``grad`` until
/// ``zeroGrad()``. Variables produced by operations are *nodes* of the graph that made them.
///
/// ```swift
/// let x = Variable(Tensor<Double>([0.5, -1.0]))
/// let w = Variable(Tensor<Double>(2.0))
/// let y = tanh(x * w).sum()
/// y.backward()
/// print(x.grad!)   // dy/dx = w · (1 − tanh²(x·w))
/// ```
public struct Variable<Scalar: TensorScalar> {
    /// The value of a scalar-lane node or a rank-0 constant (the others keep theirs in their owner).
    @usableFromInline var scalarBits: UInt64
    /// The one object this value refers to: the `Tape` a tensor-graph node was recorded on (which keeps its
    /// value), the `Leaf` that holds a leaf's state (`index == leafIndex`), the ``ConstantBox`` of a constant
    /// tensor, or nothing for a rank-0 constant or a scalar-lane node. One reference and no enum, so copying
    /// a variable costs at most one retain, and none for a scalar.
    @usableFromInline var owner: AnyObject?
    /// The tape of a scalar-lane node (`index ≥ 0`, `owner == nil`): not a reference, so that recording and
    /// copying scalars costs no reference counting; the tape is an arena its thread keeps (see ``Tape``).
    @usableFromInline var lane: Unmanaged<Tape<Scalar>>?
    /// This node's index on its tape, or `leafIndex`, or `constantIndex`.
    @usableFromInline var index: Int32
    /// For a scalar-lane node, the ``Tape/epoch`` of the graph it belongs to (a reused arena has another).
    @usableFromInline var epoch: UInt32

    /// The value of a scalar-lane node or a rank-0 constant. (Stored as bits: a stored generic `Scalar` field
    /// crashes the Swift 6.3 optimizer's LoadableByAddress pass in this module.)
    @inlinable var scalarValue: Scalar {
        get { Scalar(_bits: scalarBits) }
        set { scalarBits = newValue._bits }
    }

    @inlinable static var leafIndex: Int32 { -2 }
    @inlinable static var constantIndex: Int32 { -1 }

    /// A node of `tape` that keeps the tape alive.
    @inlinable
    init(value: Tensor<Scalar>, tape: Tape<Scalar>, index: Int32) {
        self.scalarBits = 0
        self.owner = tape
        self.lane = nil
        self.index = index
        self.epoch = 0
    }

    /// A scalar-lane node of the arena `tape`: no reference.
    @inlinable
    init(laneValue value: Scalar, tape: Tape<Scalar>, index: Int32) {
        if !tape.isArena { tape.becomeArena() }
        self.scalarBits = value._bits
        self.owner = nil
        self.lane = Unmanaged.passUnretained(tape)
        self.index = index
        self.epoch = tape.epoch
    }

    /// A new node of `tape`: a scalar-lane node when the value is rank 0 and no operand is a tensor-graph
    /// node (`regular`), otherwise a node that keeps the tape alive.
    @inlinable
    static func node(_ value: Tensor<Scalar>, tape: Tape<Scalar>, index: Int32, regular: Bool) -> Variable {
        if !regular, case .scalar(let x) = value.storage { return Variable(laneValue: x, tape: tape, index: index) }
        return Variable(value: value, tape: tape, index: index)
    }

    /// A constant: it records nothing and receives no gradient.
    @inlinable
    init(constant value: Tensor<Scalar>) {
        if case .scalar(let x) = value.storage {
            self.scalarBits = x._bits
            self.owner = nil
        } else {
            self.scalarBits = 0
            self.owner = ConstantBox(value)
        }
        self.lane = nil
        self.index = Variable.constantIndex
        self.epoch = 0
    }

    /// Whether this is a node that keeps its tape alive (not a leaf, a constant or a scalar-lane node).
    @inlinable var isRegularNode: Bool { index >= 0 && owner != nil }

    /// The value as a plain scalar when it is rank 0 (the scalar fast lane), without copying a tensor.
    @inlinable
    var _scalarValue: Scalar? {
        if index == Variable.leafIndex {
            return Unmanaged.passUnretained(owner.unsafelyUnwrapped)._withUnsafeGuaranteedRef {
                if case .scalar(let x) = unsafeDowncast($0, to: Leaf<Scalar>.self).value.storage { return x }
                return nil
            }
        }
        if owner == nil { return scalarValue }
        if index >= 0 {
            return Unmanaged.passUnretained(owner.unsafelyUnwrapped)._withUnsafeGuaranteedRef {
                let tape = unsafeDowncast($0, to: Tape<Scalar>.self)
                return tape.slot(Int(index)) < 0 ? tape.scalar(Int(index)) : nil
            }
        }
        return nil
    }

    /// The tape this node was recorded on; nil for leaves and constants. Stops with a message for a
    /// scalar-lane node whose graph was released and whose arena was reused.
    @inlinable
    func tape(_ op: StaticString = "Variable", site: CallSite = .operator) -> Tape<Scalar>? {
        guard index >= 0 else { return nil }
        if let tape = liveTape { return tape }
        lane.unsafelyUnwrapped.takeUnretainedValue().staleError(op, site)
    }

    /// The tape of a node, or nil for a leaf, a constant, or a stale scalar-lane node.
    @inlinable
    var liveTape: Tape<Scalar>? {
        guard index >= 0 else { return nil }
        if let owner { return unsafeDowncast(owner, to: Tape<Scalar>.self) }
        let tape = lane.unsafelyUnwrapped.takeUnretainedValue()
        return tape.epoch == epoch ? tape : nil
    }

    /// The shared state of a leaf that requires a gradient; nil otherwise.
    @inlinable
    var leaf: Leaf<Scalar>? {
        guard index == Variable.leafIndex, let owner else { return nil }
        return unsafeDowncast(owner, to: Leaf<Scalar>.self)
    }

    /// A leaf variable holding `value`; with `requiresGrad: false`, a constant.
    @inlinable
    public init(_ value: Tensor<Scalar>, requiresGrad: Bool = true) {
        self.scalarBits = 0
        self.owner = nil
        self.lane = nil
        self.index = Variable.constantIndex
        self.epoch = 0
        if requiresGrad {
            owner = Leaf(value)
            index = Variable.leafIndex
        } else if case .scalar(let x) = value.storage {
            scalarValue = x
        } else {
            owner = ConstantBox(value)
        }
    }

    /// A rank-0 leaf variable holding `scalar`.
    @inlinable
    public init(_ scalar: Scalar, requiresGrad: Bool = true) {
        self.init(Tensor(scalar), requiresGrad: requiresGrad)
    }

    /// The current value.
    ///
    /// A leaf's value can be set (optimizers do, usually inside ``withoutGradients(_:)``); every copy of the
    /// leaf sees the new value. Setting the value of a computed node stops the program: it would make the
    /// recorded graph lie.
    @inlinable
    public var value: Tensor<Scalar> {
        get {
            guard let owner else { return Tensor(scalarValue) }
            if index == Variable.leafIndex { return unsafeDowncast(owner, to: Leaf<Scalar>.self).value }
            if index >= 0 { return unsafeDowncast(owner, to: Tape<Scalar>.self).value(index) }
            return unsafeDowncast(owner, to: ConstantBox<Scalar>.self).value
        }
        nonmutating set {
            guard let leaf else {
                usageError("Variable.value", "only a leaf variable's value can be set; this one was computed by an operation",
                           fix: "make a new leaf with Variable(newValue), or set the value of the leaf it came from",
                           at: .operator)
            }
            leaf.value = newValue
        }
    }

    /// Changes a leaf's value in place: `body` gets the value itself, not a copy, so an optimizer's update
    /// writes into the existing storage when nothing else shares it. Like setting ``value``, it stops the
    /// program for a computed node.
    ///
    /// ```swift
    /// let w = Variable(Tensor<Float>([1, 2]))
    /// w.updateValue { $0 = $0 * 2 }
    /// ```
    @inlinable
    public func updateValue<R>(_ body: (inout Tensor<Scalar>) throws -> R) rethrows -> R {
        guard let leaf else {
            usageError("Variable.updateValue", "only a leaf variable's value can be changed; this one was computed by an operation",
                       fix: "make a new leaf with Variable(newValue), or change the leaf it came from", at: .operator)
        }
        // The leaf's own storage, changed in place: reads of this leaf inside `body` see its value (not a
        // placeholder), and the next use records the new value.
        return try body(&leaf.value)
    }

    /// The gradient accumulated by `backward()`: dL/dself for a leaf, or for a node after ``retainGrad()``;
    /// nil until a backward pass reached it.
    ///
    /// Reading it on a computed value that did not ask for ``retainGrad()`` gives nil and prints a warning
    /// on standard error, once per process (as PyTorch does).
    @inlinable
    public var grad: Tensor<Scalar>? {
        get {
            if let leaf { return leaf.grad }
            guard index >= 0 else { return nil }
            if let tape = liveTape {
                if let g = tape.retainedGradients[index] { return g }
                if tape.retainRequests.contains(index) { return nil }
            }
            warnNonLeafGradient()
            return nil
        }
        nonmutating set {
            if let leaf { leaf.grad = newValue }
        }
    }

    /// Sets ``grad`` back to nil, so the next backward pass starts from zero.
    @inlinable
    public func zeroGrad() {
        leaf?.grad = nil
    }

    /// Asks the next backward passes to keep this node's gradient in ``grad`` (PyTorch's `retain_grad()`).
    ///
    /// Leaves always keep theirs; use this to inspect the gradient of an intermediate result.
    @inlinable
    public func retainGrad() {
        if let tape = tape("retainGrad()") { tape.retainRequests.insert(index) }
    }

    /// Whether gradients flow to this value: a leaf that requires one, or a node computed from one.
    @inlinable public var requiresGrad: Bool { index != Variable.constantIndex }

    /// Whether this is a leaf (made by `Variable(_:)` with `requiresGrad: true`).
    @inlinable public var isLeaf: Bool { leaf != nil }

    /// The same value with no history: a constant (PyTorch's `detach()`).
    @inlinable public func detached() -> Variable { Variable(constant: value) }

    /// The shape of the value.
    @inlinable public var shape: [Int] { value.shape }
    /// The rank of the value.
    @inlinable public var rank: Int { value.rank }
    /// The number of elements of the value.
    @inlinable public var scalarCount: Int { value.scalarCount }
    /// The single element of a one-element value.
    @inlinable public var scalar: Scalar { value.scalar }
}

/// The value of a constant tensor variable (rank-0 constants keep theirs inline).
@usableFromInline
final class ConstantBox<Scalar: TensorScalar> {
    @usableFromInline let value: Tensor<Scalar>
    @inlinable init(_ value: Tensor<Scalar>) { self.value = value }
}

extension Variable: CustomStringConvertible {
    /// The value, marked as a variable, with the gradient when one has been computed.
    public var description: String {
        var text = "Variable(\(value)"
        let known = leaf?.grad ?? (index >= 0 ? liveTape?.retainedGradients[index] : nil)
        if let known { text += ", grad: \(known)" }
        return text + ")"
    }
}

// MARK: - Recording

extension Variable {
    /// Whether an operation reading this value must be recorded.
    @inlinable var isTracked: Bool { index != Variable.constantIndex }

    /// The node of this value on `tape`: its own index, a leaf's node, or a new constant node.
    @inlinable @inline(__always)
    func node(on tape: Tape<Scalar>, op: StaticString) -> Int32 {
        if index >= 0 {
            let mine: UnsafeRawPointer?
            if owner != nil {
                mine = unsafeBitCast(owner, to: UnsafeRawPointer?.self)
            } else {
                let laneTape = lane.unsafelyUnwrapped
                if laneTape._withUnsafeGuaranteedRef({ $0.epoch }) != epoch {
                    laneTape._withUnsafeGuaranteedRef { $0.staleError(op, .operator) }
                }
                mine = UnsafeRawPointer(laneTape.toOpaque())
            }
            if mine != UnsafeRawPointer(Unmanaged.passUnretained(tape).toOpaque()) {
                Variable.crossTapeError(op)
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
                             kind: Entry<Scalar>.Kind, code: UInt8, partials: () -> (Scalar, Scalar)) -> Variable {
        let tape: Unmanaged<Tape<Scalar>>
        if a.index >= 0 {
            tape = a.lane.unsafelyUnwrapped
        } else if b.index >= 0 {
            tape = b.lane.unsafelyUnwrapped
        } else {
            guard let current = recordingTape(a, b, op: op) else { return Variable(constant: Tensor(value)) }
            let i = a.node(on: current, op: op)
            let j = b.node(on: current, op: op)
            let (pa, pb) = partials()
            let index = current.appendScalar(kind, code, i, j, value, pa, pb)
            if _slowPath(current.context.watching) { current.observe(index, site) }
            return Variable(laneValue: value, tape: current, index: index)
        }
        return tape._withUnsafeGuaranteedRef { tape in
            // One flag for "recording, nothing watched": the watched and the unrecorded cases leave the hot
            // path through one call, so that this path is the same code as without them.
            guard tape.context.recordsPlainly else {
                return recordScalarOffThePlainPath(value, op, a, b, site: site, tape: tape, kind: kind, code: code,
                                                   partials: partials())
            }
            let i = a.laneNode(on: tape, op: op)
            let j = b.laneNode(on: tape, op: op)
            let (pa, pb) = partials()
            return Variable(laneValue: value, tape: tape, index: tape.appendScalar(kind, code, i, j, value, pa, pb))
        }
    }

    /// ``recordScalar(_:_:_:_:site:kind:code:partials:)`` when the thread does not record (a constant) or is
    /// watched (the node is observed after it is appended).
    @usableFromInline @inline(never)
    static func recordScalarOffThePlainPath(_ value: Scalar, _ op: StaticString, _ a: Variable, _ b: Variable, site: CallSite,
                                            tape: Tape<Scalar>, kind: Entry<Scalar>.Kind, code: UInt8,
                                            partials: (Scalar, Scalar), oneInput: Bool = false) -> Variable {
        guard tape.context.gradientsEnabled else { return Variable(constant: Tensor(value)) }
        let i = a.laneNode(on: tape, op: op)
        let j = oneInput ? -1 : b.laneNode(on: tape, op: op)
        let index = tape.appendScalar(kind, code, i, j, value, partials.0, partials.1)
        tape.observe(index, site)
        return Variable(laneValue: value, tape: tape, index: index)
    }

    /// Records a one-input operation of the scalar lane whose result is `value`; `x` must be
    /// ``isLaneOperand``.
    @inlinable
    static func recordScalar(_ value: Scalar, _ op: StaticString, _ x: Variable, site: CallSite = .operator,
                             kind: Entry<Scalar>.Kind, code: UInt8, partial: () -> Scalar) -> Variable {
        if x.index >= 0 {
            return x.lane.unsafelyUnwrapped._withUnsafeGuaranteedRef { tape in
                guard tape.context.recordsPlainly else {
                    return recordScalarOffThePlainPath(value, op, x, Variable(constant: Tensor(Scalar.zero)), site: site,
                                                       tape: tape, kind: kind, code: code, partials: (partial(), 0), oneInput: true)
                }
                let i = x.laneNode(on: tape, op: op)
                return Variable(laneValue: value, tape: tape, index: tape.appendScalar(kind, code, i, -1, value, partial(), 0))
            }
        }
        guard let tape = recordingTape(x, op: op) else { return Variable(constant: Tensor(value)) }
        let i = x.node(on: tape, op: op)
        let index = tape.appendScalar(kind, code, i, -1, value, partial(), 0)
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
