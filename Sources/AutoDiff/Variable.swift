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
    /// The value of a node or a constant (a leaf keeps its value in its `Leaf`).
    @usableFromInline var storedValue: Tensor<Scalar>
    /// The one object this value refers to: the `Tape` it was recorded on (`index ≥ 0`), the `Leaf` that
    /// holds a leaf's state (`index == leafIndex`), or nothing for a constant. One reference, so copying a
    /// variable costs at most one retain.
    @usableFromInline var owner: AnyObject?
    /// This node's index on its tape, or `leafIndex`, or `constantIndex`.
    @usableFromInline var index: Int32

    @inlinable static var leafIndex: Int32 { -2 }
    @inlinable static var constantIndex: Int32 { -1 }

    /// A node of `tape`.
    @inlinable
    init(value: Tensor<Scalar>, tape: Tape<Scalar>, index: Int32) {
        self.storedValue = value
        self.owner = tape
        self.index = index
    }

    /// A constant: it records nothing and receives no gradient.
    @inlinable
    init(constant value: Tensor<Scalar>) {
        self.storedValue = value
        self.owner = nil
        self.index = Variable.constantIndex
    }

    /// The value as a plain scalar when it is rank 0 (the scalar fast lane), without copying a tensor.
    @inlinable
    var _scalarValue: Scalar? {
        if index == Variable.leafIndex {
            return Unmanaged.passUnretained(owner.unsafelyUnwrapped)._withUnsafeGuaranteedRef {
                if case .scalar(let x) = unsafeDowncast($0, to: Leaf<Scalar>.self).value.storage { return x }
                return nil
            }
        }
        if case .scalar(let x) = storedValue.storage { return x }
        return nil
    }

    /// The tape this node was recorded on; nil for leaves and constants.
    @inlinable
    var tape: Tape<Scalar>? {
        guard index >= 0, let owner else { return nil }
        return unsafeDowncast(owner, to: Tape<Scalar>.self)
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
        if requiresGrad {
            self.storedValue = Tensor(Scalar.zero)
            self.owner = Leaf(value)
            self.index = Variable.leafIndex
        } else {
            self.storedValue = value
            self.owner = nil
            self.index = Variable.constantIndex
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
            if index == Variable.leafIndex {
                return Unmanaged.passUnretained(owner.unsafelyUnwrapped)._withUnsafeGuaranteedRef {
                    unsafeDowncast($0, to: Leaf<Scalar>.self).value
                }
            }
            return storedValue
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

    /// The gradient accumulated by `backward()`: dL/dself for a leaf, or for a node after ``retainGrad()``;
    /// nil until a backward pass reached it.
    @inlinable
    public var grad: Tensor<Scalar>? {
        get {
            if let leaf { return leaf.grad }
            if let tape { return tape.retainedGradients[index] }
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
        if let tape { tape.retainRequests.insert(index) }
    }

    /// Whether gradients flow to this value: a leaf that requires one, or a node computed from one.
    @inlinable public var requiresGrad: Bool { owner != nil }

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

extension Variable: CustomStringConvertible {
    /// The value, marked as a variable, with the gradient when one has been computed.
    public var description: String {
        var text = "Variable(\(value)"
        if let grad { text += ", grad: \(grad)" }
        return text + ")"
    }
}

// MARK: - Recording

extension Variable {
    /// Whether an operation reading this value must be recorded.
    @inlinable var isTracked: Bool { owner != nil }

    /// The node of this value on `tape`: its own index, a leaf's node, or a new constant node.
    @inlinable
    func node(on tape: Tape<Scalar>, op: StaticString) -> Int32 {
        if index >= 0 {
            if unsafeBitCast(owner, to: UnsafeRawPointer?.self) != UnsafeRawPointer(Unmanaged.passUnretained(tape).toOpaque()) {
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
        return tape.append(.constant, storedValue)
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
    static func recordingTape(_ a: Variable, _ b: Variable? = nil) -> Tape<Scalar>? {
        if let tape = a.tape ?? b?.tape {
            return tape.context.gradientsEnabled ? tape : nil
        }
        if a.owner == nil && b?.owner == nil { return nil }
        let context = ThreadContext.current
        return context.gradientsEnabled ? Tape.current(in: context) : nil
    }

    /// Records a one-input operation whose result is `value`.
    @inlinable
    static func record(_ value: Tensor<Scalar>, _ op: StaticString, _ x: Variable,
                       _ make: (Int32) -> Op<Scalar>) -> Variable {
        if x.index >= 0 {
            // The hot path: the input is a node, so its tape is borrowed (not retained) for the append;
            // the result's reference is the one retain of the operation.
            return Unmanaged.passUnretained(x.owner.unsafelyUnwrapped)._withUnsafeGuaranteedRef { owner in
                let tape = unsafeDowncast(owner, to: Tape<Scalar>.self)
                guard tape.context.gradientsEnabled else { return Variable(constant: value) }
                return Variable(value: value, tape: tape, index: tape.append(make(x.index), value))
            }
        }
        guard let tape = recordingTape(x) else { return Variable(constant: value) }
        let i = x.node(on: tape, op: op)
        let index = tape.append(make(i), value)
        return Variable(value: value, tape: consume tape, index: index)
    }

    /// Records a two-input operation whose result is `value`.
    @inlinable
    static func record(_ value: Tensor<Scalar>, _ op: StaticString, _ a: Variable, _ b: Variable,
                       _ make: (Int32, Int32) -> Op<Scalar>) -> Variable {
        if a.index >= 0 || b.index >= 0 {
            // The hot path: an input is a node, so its tape is borrowed (not retained) for the append;
            // the result's reference is the one retain of the operation.
            let node = a.index >= 0 ? a : b
            return Unmanaged.passUnretained(node.owner.unsafelyUnwrapped)._withUnsafeGuaranteedRef { owner in
                let tape = unsafeDowncast(owner, to: Tape<Scalar>.self)
                guard tape.context.gradientsEnabled else { return Variable(constant: value) }
                let i = a.node(on: tape, op: op)
                let j = b.node(on: tape, op: op)
                return Variable(value: value, tape: tape, index: tape.append(make(i, j), value))
            }
        }
        guard let tape = recordingTape(a, b) else { return Variable(constant: value) }
        let i = a.node(on: tape, op: op)
        let j = b.node(on: tape, op: op)
        let index = tape.append(make(i, j), value)
        return Variable(value: value, tape: consume tape, index: index)
    }

    /// Records an operation of any number of inputs whose result is `value`.
    @inlinable
    static func record(_ value: Tensor<Scalar>, _ op: StaticString, _ inputs: [Variable],
                       _ make: ([Int32]) -> Op<Scalar>) -> Variable {
        var tape: Tape<Scalar>?
        for x in inputs where x.isTracked {
            tape = recordingTape(x)
            if tape != nil && x.tape != nil { break }
        }
        guard let tape else { return Variable(constant: value) }
        let nodes = inputs.map { $0.node(on: tape, op: op) }
        return Variable(value: value, tape: tape, index: tape.append(make(nodes), value))
    }
}
