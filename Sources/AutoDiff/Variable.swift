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
    /// What a variable is (see ``role``, the one place that reads the fields below as a role).
    @usableFromInline
    enum Role {
        /// Made by `Variable(_:)`: `owner` is its ``Leaf``.
        case leaf
        /// Records nothing, receives no gradient: `owner` is its ``ConstantBox``, or nil for a rank-0 value
        /// (in `scalarBits`).
        case constant
        /// A node of a tensor graph: `owner` is its ``Tape`` (kept alive by it), `index` its node there.
        case tapeNode
        /// A rank-0 node on an arena (a tape its thread keeps, see ``Tape``): `arena` points at the tape
        /// without a reference, `index` is its node, `epoch` the arena's use it belongs to, `scalarBits` its value.
        case arenaNode

        /// Whether this is a node of a tape (a tape node or an arena node).
        @inlinable var isNode: Bool { self == .tapeNode || self == .arenaNode }
    }

    /// The value of an arena node or a rank-0 constant (the others keep theirs in their owner).
    @usableFromInline var scalarBits: UInt64
    /// The one object this value refers to: the ``Leaf`` of a leaf, the `Tape` of a tape node, the
    /// ``ConstantBox`` of a constant tensor; nil for a rank-0 constant or an arena node. One reference and no
    /// enum, so copying a variable costs at most one retain, and none for a scalar.
    @usableFromInline var owner: AnyObject?
    /// The tape of an arena node: not a reference, so that recording and copying scalars costs no reference
    /// counting.
    @usableFromInline var arena: Unmanaged<Tape<Scalar>>?
    /// A node's index on its tape; for a leaf ``leafIndex``, for a constant ``constantIndex``.
    @usableFromInline var index: Int32
    /// For an arena node, the ``Tape/epoch`` of the graph it belongs to (a reused arena has another).
    @usableFromInline var epoch: UInt32

    /// What this variable is: the one reading of `index` (a node's index, or a sentinel) and `owner`.
    @inlinable
    var role: Role {
        if index >= 0 { return owner != nil ? .tapeNode : .arenaNode }
        return index == Variable.leafIndex ? .leaf : .constant
    }

    /// The value of an arena node or a rank-0 constant. (Stored as bits: a stored generic `Scalar` field
    /// crashes the Swift 6.3 optimizer's LoadableByAddress pass in this module.)
    @inlinable var scalarValue: Scalar {
        get { Scalar(_bits: scalarBits) }
        set { scalarBits = newValue._bits }
    }

    @inlinable static var leafIndex: Int32 { -2 }
    @inlinable static var constantIndex: Int32 { -1 }

    /// A tape node of `tape`, which it keeps alive.
    @inlinable
    init(value: Tensor<Scalar>, tape: Tape<Scalar>, index: Int32) {
        self.scalarBits = 0
        self.owner = tape
        self.arena = nil
        self.index = index
        self.epoch = 0
    }

    /// An arena node of `tape` (which becomes an arena if it is not one yet): no reference.
    @inlinable
    init(arenaValue value: Scalar, tape: Tape<Scalar>, index: Int32) {
        if !tape.isArena { tape.becomeArena() }
        self.scalarBits = value._bits
        self.owner = nil
        self.arena = Unmanaged.passUnretained(tape)
        self.index = index
        self.epoch = tape.epoch
    }

    /// An arena node of `tape`, which is an arena already (a node of it is an operand).
    @inlinable @inline(__always)
    init(arenaValue value: Scalar, arena tape: Tape<Scalar>, index: Int32) {
        self.scalarBits = value._bits
        self.owner = nil
        self.arena = Unmanaged.passUnretained(tape)
        self.index = index
        self.epoch = tape.epoch
    }

    /// A new node of `tape`: an arena node when the value is rank 0 and no operand is a tape node
    /// (`inTensorGraph`), otherwise a tape node.
    @inlinable
    static func node(_ value: Tensor<Scalar>, tape: Tape<Scalar>, index: Int32, inTensorGraph: Bool) -> Variable {
        if !inTensorGraph, case .scalar(let x) = value.storage { return Variable(arenaValue: x, tape: tape, index: index) }
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
        self.arena = nil
        self.index = Variable.constantIndex
        self.epoch = 0
    }

    /// The value as a plain scalar when it is rank 0, without copying a tensor.
    @inlinable
    var _scalarValue: Scalar? {
        guard role == .tapeNode else { return arenaOperandScalar }
        return Unmanaged.passUnretained(owner.unsafelyUnwrapped)._withUnsafeGuaranteedRef {
            let tape = unsafeDowncast($0, to: Tape<Scalar>.self)
            return tape.slot(Int(index)) < 0 ? tape.scalar(Int(index)) : nil
        }
    }

    /// The value as a plain scalar when it is rank 0 and an operand of a scalar node can be (a leaf, a constant
    /// or an arena node: see ``isArenaOperand``); nil otherwise.
    @inlinable @inline(__always)
    var arenaOperandScalar: Scalar? {
        switch role {
        case .arenaNode:
            return scalarValue
        case .leaf:
            return Unmanaged.passUnretained(owner.unsafelyUnwrapped)._withUnsafeGuaranteedRef {
                if case .scalar(let x) = unsafeDowncast($0, to: Leaf<Scalar>.self).value.storage { return x }
                return nil
            }
        case .constant:
            return owner == nil ? scalarValue : nil
        case .tapeNode:
            return nil
        }
    }

    /// The tape this node was recorded on; nil for leaves and constants. Stops with a message for an arena
    /// node whose graph was released and whose arena was reused.
    @inlinable
    func tape(_ op: StaticString = "Variable", site: CallSite = .operator) -> Tape<Scalar>? {
        guard role.isNode else { return nil }
        if let tape = liveTape { return tape }
        arena.unsafelyUnwrapped.takeUnretainedValue().staleError(op, site)
    }

    /// The tape of a node, or nil for a leaf, a constant, or a stale arena node.
    @inlinable
    var liveTape: Tape<Scalar>? {
        switch role {
        case .tapeNode:
            return unsafeDowncast(owner.unsafelyUnwrapped, to: Tape<Scalar>.self)
        case .arenaNode:
            let tape = arena.unsafelyUnwrapped.takeUnretainedValue()
            return tape.epoch == epoch ? tape : nil
        case .leaf, .constant:
            return nil
        }
    }

    /// The shared state of a leaf; nil for any other variable.
    @inlinable
    var leaf: Leaf<Scalar>? {
        guard role == .leaf else { return nil }
        return unsafeDowncast(owner.unsafelyUnwrapped, to: Leaf<Scalar>.self)
    }

    /// A leaf variable holding `value`; with `requiresGrad: false`, a constant.
    @inlinable
    public init(_ value: Tensor<Scalar>, requiresGrad: Bool = true) {
        self.scalarBits = 0
        self.owner = nil
        self.arena = nil
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
            switch role {
            case .leaf: return unsafeDowncast(owner.unsafelyUnwrapped, to: Leaf<Scalar>.self).value
            case .tapeNode: return unsafeDowncast(owner.unsafelyUnwrapped, to: Tape<Scalar>.self).value(index)
            case .arenaNode: return Tensor(scalarValue)
            case .constant:
                guard let owner else { return Tensor(scalarValue) }
                return unsafeDowncast(owner, to: ConstantBox<Scalar>.self).value
            }
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
            guard role.isNode else { return nil }
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
    @inlinable public var requiresGrad: Bool { role != .constant }

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
        let known = leaf?.grad ?? liveTape?.retainedGradients[index]
        if let known { text += ", grad: \(known)" }
        return text + ")"
    }
}
