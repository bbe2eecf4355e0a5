// What the tape stores: the operation of a node (`Op`, `Node`), its entry, and a leaf's shared state.

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
    /// a · bᵀ (the last two axes of b exchanged), without materializing bᵀ: ``linear(_:weight:bias:)``.
    case matmulTransposingRight(Int32, Int32)
    case shape(ShapeOp, Int32)
    case indexing(IndexingOp, Int32)
    case concatenate([Int32], axis: Int)
    case select(Tensor<Bool>, Int32, Int32)
    case custom(CustomRule<Scalar>, [Int32])
    case convolution(ConvolutionOp<Scalar>, [Int32])
}

/// The operation of a tape entry, as ``Entry`` stores it (case, operation code, two inputs): trivial, so
/// recording, sweeping and freeing a graph of scalar operations touches no reference counts. Operations
/// with parameters (axes, masks, indices, a user's rule) keep them in `Tape.extras`.
@usableFromInline
enum Node: Sendable {
    case leaf(Int32)
    case constant
    case arithmetic(ArithmeticOp, Int32, Int32)
    case elementwise(ElementwiseOp, Int32)
    case matmul(Int32, Int32)
    case extended(Int32)
}

/// What the tape keeps per node: the operation and its inputs, where its value is, the value itself when it
/// is a scalar, and for a scalar-lane node the local partial derivatives computed when it was recorded.
/// Trivial (no references): 40 bytes for `Double`, 28 for `Float`.
///
/// A scalar-lane node (``lane``) is differentiated by the backward sweep without looking at its operation:
/// `grad[a] += g · partialA; grad[b] += g · partialB` (a one-input node has `b == -1`, a sink slot). Its
/// operation is kept too, for the sweeps that record (`createGraph`) and for messages.
@usableFromInline
struct Entry<Scalar: TensorScalar> {
    /// The value of a rank-0 node (0 for the others).
    @usableFromInline var scalar: Scalar
    /// ∂value/∂a and ∂value/∂b of a scalar-lane node.
    @usableFromInline var partialA: Scalar
    @usableFromInline var partialB: Scalar
    /// The inputs (leaf number for a leaf, side-table index for an extended op; -1 when unused).
    @usableFromInline var a: Int32
    @usableFromInline var b: Int32
    /// Which ``Node`` case, and its operation's code.
    @usableFromInline var kind: Kind
    @usableFromInline var code: UInt8
    /// Set when a backward pass without `retainGraph` went through this node.
    @usableFromInline var released: Bool
    /// Whether `partialA`/`partialB` hold the local derivatives (a node of the scalar lane).
    @usableFromInline var lane: Bool
    /// -1 if the value is `scalar`, else its index in `Tape.tensors`.
    @usableFromInline var slot: Int32

    /// The cases of ``Node``, one byte.
    @usableFromInline
    enum Kind: UInt8 {
        case leaf, constant, arithmetic, elementwise, matmul, extended
    }

    @inlinable init(scalar: Scalar, node: Node, slot: Int32) {
        self.scalar = scalar
        self.partialA = 0
        self.partialB = 0
        self.slot = slot
        self.released = false
        self.lane = false
        switch node {
        case .leaf(let k): (kind, code, a, b) = (.leaf, 0, k, -1)
        case .constant: (kind, code, a, b) = (.constant, 0, -1, -1)
        case .arithmetic(let op, let x, let y): (kind, code, a, b) = (.arithmetic, unsafeBitCast(op, to: UInt8.self), x, y)
        case .elementwise(let op, let x): (kind, code, a, b) = (.elementwise, unsafeBitCast(op, to: UInt8.self), x, -1)
        case .matmul(let x, let y): (kind, code, a, b) = (.matmul, 0, x, y)
        case .extended(let k): (kind, code, a, b) = (.extended, 0, k, -1)
        }
    }

    /// A scalar-lane node: its operation (``Node`` case `kind`, operation `code`), inputs, value and local
    /// partial derivatives.
    @inlinable init(kind: Kind, code: UInt8, a: Int32, b: Int32, scalar: Scalar, partialA: Scalar, partialB: Scalar) {
        self.scalar = scalar
        self.partialA = partialA
        self.partialB = partialB
        self.a = a
        self.b = b
        self.kind = kind
        self.code = code
        self.released = false
        self.lane = true
        self.slot = -1
    }

    /// The operation record.
    @inlinable var node: Node {
        switch kind {
        case .leaf: return .leaf(a)
        case .constant: return .constant
        case .arithmetic: return .arithmetic(unsafeBitCast(code, to: ArithmeticOp.self), a, b)
        case .elementwise: return .elementwise(unsafeBitCast(code, to: ElementwiseOp.self), a)
        case .matmul: return .matmul(a, b)
        case .extended: return .extended(a)
        }
    }

    @inlinable var isLeaf: Bool { kind == .leaf }
    @inlinable var isConstant: Bool { kind == .constant }
}

/// The shared state of a leaf variable: its current value and accumulated gradient.
///
/// Tapes hold their leaves strongly (a weak reference would give every leaf a side table and slow every
/// retain and release of a parameter); a leaf holds no reference to a tape, so there is no cycle.
@usableFromInline
final class Leaf<Scalar: TensorScalar> {
    /// The current value; setting it forgets the tape node cache so the next use records the new value.
    /// (`didSet` without `oldValue`: an in-place change through `inout`, as in ``Variable/updateValue(_:)``,
    /// changes the storage itself, then resets the cache.)
    @exclusivity(unchecked) @usableFromInline var value: Tensor<Scalar> {
        didSet { tapeID = 0 }
    }
    @exclusivity(unchecked) @usableFromInline var grad: Tensor<Scalar>?
    /// The tape this leaf was last recorded on and its node there (a cache: one node per tape).
    @exclusivity(unchecked) @usableFromInline var tapeID: UInt64 = 0
    @exclusivity(unchecked) @usableFromInline var tapeIndex: Int32 = 0
    /// Functions registered by ``Variable/registerHook(_:)``, applied in order to each backward pass's gradient.
    @exclusivity(unchecked) @usableFromInline var hooks: [GradientHook<Scalar>] = []

    @inlinable init(_ value: Tensor<Scalar>) { self.value = value }
}
