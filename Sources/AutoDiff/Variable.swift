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
