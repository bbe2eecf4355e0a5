// What the tape stores: the operation of a node (`Op`), the entry that encodes it, and a leaf's shared state.

/// One operation as the operations describe it: what it was and which earlier nodes it read.
///
/// Each op family's enum (``ArithmeticOp``, ``ElementwiseOp``, …) lives in its file under `Operations/`
/// beside the forward functions and its derivative rule; the backward sweep switches over this enum
/// exhaustively, so a missing rule is a compile error. The tape stores the common cases in the ``Entry``
/// itself (``Entry/Kind`` and the operation's raw value) and the others in a side table (`Tape.extras`):
/// ``Tape/encode(_:)`` is the encoder (a scalar node stores the same kind and raw value directly, so that no
/// `Op` is built per scalar operation: ``Tape/appendScalar(_:_:_:_:_:partials:)``), ``Tape/op(_:)`` the decoder
/// (the raw values through the checked ``Entry/arithmeticOp`` and ``Entry/elementwiseOp``).
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

/// What the tape keeps per node: the operation and its inputs, where its value is, the value itself when it
/// is a scalar, and for a scalar node the local partial derivatives computed when it was recorded. Trivial
/// (no references), so recording, sweeping and freeing a graph of scalar operations touches no reference
/// counts: 40 bytes for `Double`, 28 for `Float`.
///
/// A node with stored partials (``hasPartials``) is differentiated by the backward sweep without looking at
/// its operation: `grad[a] += g · partialA; grad[b] += g · partialB` (a one-input node has `b == -1`, a sink
/// slot). Its operation is kept too, for the sweeps that record (`createGraph`) and for messages.
@usableFromInline
struct Entry<Scalar: TensorScalar> {
    /// The value of a rank-0 node (0 for the others).
    @usableFromInline var scalar: Scalar
    /// ∂value/∂a and ∂value/∂b of a node with stored partials.
    @usableFromInline var partialA: Scalar
    @usableFromInline var partialB: Scalar
    /// The inputs (leaf number for a leaf, side-table index for an extended op; -1 when unused).
    @usableFromInline var a: Int32
    @usableFromInline var b: Int32
    /// Which case of ``Op``, and the raw value of its ``ArithmeticOp`` or ``ElementwiseOp`` (0 otherwise).
    @usableFromInline var kind: Kind
    @usableFromInline var code: UInt8
    /// Set when a backward pass without `retainGraph` went through this node.
    @usableFromInline var released: Bool
    /// Whether `partialA`/`partialB` hold the local derivatives (a scalar node recorded from scalar operands).
    @usableFromInline var hasPartials: Bool
    /// -1 if the value is `scalar`, else its index in `Tape.tensors`.
    @usableFromInline var slot: Int32

    /// The cases of ``Op`` an entry holds itself; `extended` stands for the others, kept in `Tape.extras`.
    @usableFromInline
    enum Kind: UInt8 {
        case leaf, constant, arithmetic, elementwise, matmul, extended
    }

    /// An entry for an operation encoded by ``Tape/encode(_:)``: kind, raw value of the operation, inputs.
    @inlinable @inline(__always)
    init(_ kind: Kind, _ code: UInt8, _ a: Int32, _ b: Int32, scalar: Scalar, slot: Int32) {
        (self.kind, self.code, self.a, self.b) = (kind, code, a, b)
        self.scalar = scalar
        self.partialA = 0
        self.partialB = 0
        self.hasPartials = false
        self.released = false
        self.slot = slot
    }

    /// A scalar node whose local partial derivatives were computed when it was recorded.
    @inlinable @inline(__always)
    init(_ kind: Kind, _ code: UInt8, _ a: Int32, _ b: Int32, scalar: Scalar, partialA: Scalar, partialB: Scalar) {
        (self.kind, self.code, self.a, self.b) = (kind, code, a, b)
        self.scalar = scalar
        self.partialA = partialA
        self.partialB = partialB
        self.hasPartials = true
        self.released = false
        self.slot = -1
    }

    /// The operation of an `.arithmetic` entry, from its stored raw value (checked).
    @inlinable var arithmeticOp: ArithmeticOp { ArithmeticOp(rawValue: code)! }
    /// The operation of an `.elementwise` entry, from its stored raw value (checked).
    @inlinable var elementwiseOp: ElementwiseOp { ElementwiseOp(rawValue: code)! }

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
