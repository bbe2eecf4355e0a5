// What the tape stores: the operation of a node (`Op`), the entry that encodes it, and a leaf's shared state.

/// One operation as the operations describe it: what it was and which earlier nodes it read.
///
/// Each op family's enum (``ArithmeticOp``, ``ElementwiseOp``, …) lives in its file under `Operations/`
/// beside the forward functions and its derivative rule; the backward sweep switches over this enum
/// exhaustively, so a missing rule is a compile error. The tape stores the common cases in the ``Entry``
/// itself (``Entry/Kind`` and the operation's raw value) and the others in a side table (`Tape.extras`):
/// ``Tape/encode(_:)`` is the encoder (a scalar node stores the same kind and raw value directly, so that no
/// `Op` is built per scalar operation: ``Tape/appendScalar(_:_:_:_:_:)``), ``Tape/op(_:)`` the decoder
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

/// What the tape keeps per node: the operation and its inputs, where its value is, and the value itself when it
/// is a scalar. Trivial (no references), so recording, sweeping and freeing a graph of scalar operations touches
/// no reference counts: 24 bytes for `Double`, 20 for `Float`.
///
/// A *scalar node* (``isScalarNode``: a rank-0 arithmetic or elementwise node recorded from rank-0 operands on an
/// arena) is differentiated by the backward sweep on plain scalars: its local partial derivatives (its rule at
/// g = 1, ``ArithmeticOp/partials(_:_:_:needB:)``) are computed there from the values its entry and its inputs'
/// entries hold, then `grad[a] += g · ∂y/∂a`, `grad[b] += g · ∂y/∂b`. Nothing but the value is stored per node
/// for them, so the sweep's own gradient buffer (8 bytes a node) and the entries fit in 32 bytes a node.
@usableFromInline
struct Entry<Scalar: TensorScalar> {
    /// The value of a rank-0 node (0 for the others).
    @usableFromInline var scalar: Scalar
    /// The inputs (leaf number for a leaf, side-table index for an extended op; -1 when unused).
    @usableFromInline var a: Int32
    @usableFromInline var b: Int32
    /// Which case of ``Op``, and the raw value of its ``ArithmeticOp`` or ``ElementwiseOp`` (0 otherwise).
    @usableFromInline var kind: Kind
    @usableFromInline var code: UInt8
    /// ``Flags/released``, ``Flags/scalarNode`` and ``Flags/reached``.
    @usableFromInline var flags: UInt8
    /// -1 if the value is `scalar`, else its index in `Tape.tensors`.
    @usableFromInline var slot: Int32

    /// The cases of ``Op`` an entry holds itself; `extended` stands for the others, kept in `Tape.extras`.
    @usableFromInline
    enum Kind: UInt8 {
        case leaf, constant, arithmetic, elementwise, matmul, extended
    }

    /// The bits of ``flags``.
    @usableFromInline
    enum Flags {
        /// Set when a backward pass without `retainGraph` went through this node.
        @inlinable static var released: UInt8 { 1 }
        /// A scalar node: differentiated from the stored values by its partials (see ``Entry``).
        @inlinable static var scalarNode: UInt8 { 2 }
        /// Set by a backward sweep on a node that received a gradient and not yet swept; cleared when swept.
        @inlinable static var reached: UInt8 { 4 }
    }

    /// An entry for an operation encoded by ``Tape/encode(_:)``: kind, raw value of the operation, inputs.
    @inlinable @inline(__always)
    init(_ kind: Kind, _ code: UInt8, _ a: Int32, _ b: Int32, scalar: Scalar, slot: Int32, flags: UInt8 = 0) {
        (self.kind, self.code, self.a, self.b) = (kind, code, a, b)
        self.scalar = scalar
        self.flags = flags
        self.slot = slot
    }

    /// The operation of an `.arithmetic` entry, from its stored raw value (checked).
    @inlinable var arithmeticOp: ArithmeticOp { ArithmeticOp(rawValue: code)! }
    /// The operation of an `.elementwise` entry, from its stored raw value (checked).
    @inlinable var elementwiseOp: ElementwiseOp { ElementwiseOp(rawValue: code)! }

    @inlinable var isLeaf: Bool { kind == .leaf }
    @inlinable var isConstant: Bool { kind == .constant }
    /// Whether a backward pass without `retainGraph` went through this node.
    @inlinable var released: Bool { flags & Flags.released != 0 }
    /// Whether this is a scalar node (see ``Entry``).
    @inlinable var isScalarNode: Bool { flags & Flags.scalarNode != 0 }
    /// Whether the running sweep gave this node a gradient it has not swept yet.
    @inlinable var reached: Bool { flags & Flags.reached != 0 }
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
        didSet {
            tapeID = 0
            scalarTapeID = 0
        }
    }
    @exclusivity(unchecked) @usableFromInline var grad: Tensor<Scalar>?
    /// The tape this leaf was last recorded on and its node there (a cache: one node per tape).
    @exclusivity(unchecked) @usableFromInline var tapeID: UInt64 = 0
    @exclusivity(unchecked) @usableFromInline var tapeIndex: Int32 = 0
    /// `tapeID` when the recorded value is a scalar (0 otherwise), and that scalar: what the inlined recording of
    /// scalar nodes reads (``Variable/inlineScalarOperand``), without looking into the tensor.
    @exclusivity(unchecked) @usableFromInline var scalarTapeID: UInt64 = 0
    @exclusivity(unchecked) @usableFromInline var recordedScalarBits: UInt64 = 0
    /// Functions registered by ``Variable/registerHook(_:)``, applied in order to each backward pass's gradient.
    @exclusivity(unchecked) @usableFromInline var hooks: [GradientHook<Scalar>] = []

    @inlinable init(_ value: Tensor<Scalar>) { self.value = value }
}
