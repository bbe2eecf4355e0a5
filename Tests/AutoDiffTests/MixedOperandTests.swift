import Testing
import AutoDiff

/// Every two-operand operation takes a `Variable` with a `Tensor` or a plain scalar on either side.
@Suite("Variable with a Tensor or a scalar on either side")
struct MixedOperandTests {
    typealias V = Variable<Double>
    typealias T = Tensor<Double>

    /// One operation spelled in every combination of operand kinds (each closure compiles one overload).
    struct Spelling: CustomTestStringConvertible, Sendable {
        let name: String
        let vv: @Sendable (V, V) -> V
        let vt: @Sendable (V, T) -> V
        let tv: @Sendable (T, V) -> V
        let vs: @Sendable (V, Double) -> V
        let sv: @Sendable (Double, V) -> V
        let tt: @Sendable (T, T) -> T
        let ts: @Sendable (T, Double) -> T
        let st: @Sendable (Double, T) -> T
        var testDescription: String { name }
    }

    static let spellings: [Spelling] = [
        Spelling(name: "+", vv: { $0 + $1 }, vt: { $0 + $1 }, tv: { $0 + $1 }, vs: { $0 + $1 }, sv: { $0 + $1 },
                 tt: { $0 + $1 }, ts: { $0 + $1 }, st: { $0 + $1 }),
        Spelling(name: "-", vv: { $0 - $1 }, vt: { $0 - $1 }, tv: { $0 - $1 }, vs: { $0 - $1 }, sv: { $0 - $1 },
                 tt: { $0 - $1 }, ts: { $0 - $1 }, st: { $0 - $1 }),
        Spelling(name: "*", vv: { $0 * $1 }, vt: { $0 * $1 }, tv: { $0 * $1 }, vs: { $0 * $1 }, sv: { $0 * $1 },
                 tt: { $0 * $1 }, ts: { $0 * $1 }, st: { $0 * $1 }),
        Spelling(name: "/", vv: { $0 / $1 }, vt: { $0 / $1 }, tv: { $0 / $1 }, vs: { $0 / $1 }, sv: { $0 / $1 },
                 tt: { $0 / $1 }, ts: { $0 / $1 }, st: { $0 / $1 }),
        Spelling(name: "pow", vv: { pow($0, $1) }, vt: { pow($0, $1) }, tv: { pow($0, $1) }, vs: { pow($0, $1) },
                 sv: { pow($0, $1) }, tt: { pow($0, $1) }, ts: { pow($0, $1) }, st: { pow($0, $1) }),
        Spelling(name: "max", vv: { max($0, $1) }, vt: { max($0, $1) }, tv: { max($0, $1) }, vs: { max($0, $1) },
                 sv: { max($0, $1) }, tt: { max($0, $1) }, ts: { max($0, $1) }, st: { max($0, $1) }),
        Spelling(name: "min", vv: { min($0, $1) }, vt: { min($0, $1) }, tv: { min($0, $1) }, vs: { min($0, $1) },
                 sv: { min($0, $1) }, tt: { min($0, $1) }, ts: { min($0, $1) }, st: { min($0, $1) }),
    ]

    static let x = T([0.5, 1.5, 2.5])
    static let t = T([1.2, 0.8, 2.0])
    static let s = 1.1

    /// The gradient reaching the leaf `x` when `f` of it is summed with weights.
    static func gradient(_ f: (V) -> V) -> T {
        let leaf = V(x)
        (f(leaf) * T([1, 2, 3])).sum().backward()
        return leaf.grad!
    }

    @Test("values equal the Tensor operation's; gradients equal the all-Variable operation's and central differences",
          arguments: spellings)
    func everyCombination(_ op: Spelling) {
        let x = Self.x, t = Self.t, s = Self.s
        // Values.
        #expect(op.vt(V(x), t).value == op.tt(x, t))
        #expect(op.tv(t, V(x)).value == op.tt(t, x))
        #expect(op.vs(V(x), s).value == op.tt(x, T(s)))
        #expect(op.sv(s, V(x)).value == op.tt(T(s), x))
        #expect(op.ts(x, s) == op.tt(x, T(s)))
        #expect(op.st(s, x) == op.tt(T(s), x))
        // Gradients with respect to the variable operand, against the same operation with both operands variables.
        #expect(Self.gradient { op.vt($0, t) } == Self.gradient { op.vv($0, V(t)) })
        #expect(Self.gradient { op.tv(t, $0) } == Self.gradient { op.vv(V(t), $0) })
        #expect(Self.gradient { op.vs($0, s) } == Self.gradient { op.vv($0, V(T(s))) })
        #expect(Self.gradient { op.sv(s, $0) } == Self.gradient { op.vv(V(T(s)), $0) })
        // And against central differences.
        for f in [{ (v: V) in op.vt(v, t) }, { op.tv(t, $0) }, { op.vs($0, s) }, { op.sv(s, $0) }] {
            let report = checkGradients(of: { f($0[0]).sum() }, at: [x])
            #expect(report.passed, "\(op.name): \(report)")
        }
    }

    @Test("a constant on either side broadcasts, and compound assignment takes a tensor")
    func broadcastingAndCompound() {
        let v = V(T(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
        let row = T([1, 2, 3])
        var y = pow(row, v * 0.1) + max(row, v) - min(2.0, v) + 2 * v
        y += row
        y *= T([[1], [2]])
        y.sum().backward()
        #expect(y.shape == [2, 3])
        #expect(v.grad!.shape == [2, 3])
        let off = T([1.5, 2.5, 3.5])   // no ties with v (central differences see half a kink there)
        #expect(checkGradients(of: { xs in
            var z = pow(off, xs[0] * 0.1) + max(off, xs[0]) - min(2.5, xs[0])
            z -= off
            z /= T([[2], [4]])
            return z.sum()
        }, at: [v.value]).passed)
        // Float compiles the same spellings.
        let f = Variable(Tensor<Float>([1, 2]))
        #expect((2 - f / 2 + pow(2, f) + max(1.5, f)).value == Tensor<Float>([5, 7]))
    }

    @Test("at a tie, max and min give the gradient to the first operand")
    func ties() {
        let v = V(T([1, 2]))
        (max(2.0, v) + min(T([1, 5]), v)).sum().backward()
        // max(2, 1) = 2 and max(2, 2) (a tie) take the constant; min(1, 1) (a tie) the tensor, min(5, 2) the variable.
        #expect(v.grad! == T([0, 1]))
    }
}
