import Testing
import AutoDiff
import GradCheckCore

/// How the backward sweep differentiates a node, chosen by how its operands entered the graph. Each
/// arithmetic and elementwise rule is written once; these are the paths that run it.
enum Regime: String, CaseIterable, CustomTestStringConvertible {
    /// Inputs are leaves: a rank-0 operation of rank-0 operands is a scalar node whose partials (the rule at
    /// g = 1 on plain scalars) the backward sweep computes from the values stored when it was recorded.
    case scalarNodes = "scalar nodes (partials from stored values)"
    /// Inputs come out of a tensor graph (`(leaf * 1)[0]` of a leaf with one more axis: `leaf * 1` is a tensor
    /// node, so its element is a rank-0 node of a tensor graph, not a scalar node): a rank-0 operation on them is
    /// a node of that graph too, differentiated by its rule on plain scalars at backward time.
    case rank0InTensorGraph = "rank-0 nodes of a tensor graph"
    /// The same graph as `scalarNodes`, swept while a gradient is kept (`retainGrad()`): every node then runs
    /// its rule on tensors.
    case tensorRules = "every rule on tensors"
    /// A recorded backward pass (`createGraph`): every rule runs on variables.
    case recorded = "recorded backward pass"

    var testDescription: String { rawValue }

    /// The gradients of Σ y·w (w fixed, non-uniform) for y = `op.f` at its seeded inputs, one per input.
    func gradients(_ op: PrimitiveCheck) -> [Tensor<Double>] {
        let xs = op.inputs()
        let leaves = xs.map { self == .rank0InTensorGraph ? Variable($0.expandingShape(at: 0)) : Variable($0) }
        let y = op.f(self == .rank0InTensorGraph ? leaves.map { ($0 * 1)[0] } : leaves)
        let weights = (Tensor<Double>.arange(0, Double(y.scalarCount)) * 0.25 + 0.5).reshaped(to: y.shape)
        let loss = (y * weights).sum()
        switch self {
        case .recorded:
            return AutoDiff.gradients(of: loss, withRespectTo: leaves, createGraph: true).map(\.value)
        case .tensorRules:
            loss.retainGrad()
            loss.backward()
        case .scalarNodes, .rank0InTensorGraph:
            loss.backward()
        }
        return zip(leaves, xs).map { leaf, x in
            guard let g = leaf.grad else { return .zeros(like: x) }
            return self == .rank0InTensorGraph ? g[0] : g
        }
    }
}

@Suite("One rule, every path")
struct RegimeTests {
    @Test("every catalog case gives the scalar-node gradients in every other regime",
          arguments: PrimitiveCheck.all, Regime.allCases.filter { $0 != .scalarNodes })
    func sameGradients(_ op: PrimitiveCheck, _ regime: Regime) {
        let expected = Regime.scalarNodes.gradients(op)
        let actual = regime.gradients(op)
        for (k, (e, a)) in zip(expected, actual).enumerated() {
            #expect(e.shape == a.shape, "input \(k): shapes \(e.shape) and \(a.shape)")
            guard e.shape == a.shape else { continue }
            for (u, v) in zip(e.scalars, a.scalars) {
                #expect(Swift.abs(u - v) <= 1e-13 * Swift.max(1, Swift.abs(u)),
                        "input \(k): \(u) (scalar nodes) vs \(v) (\(regime.rawValue))")
            }
        }
    }
}
