import Testing
import AutoDiff

/// One differentiable operation applied to inputs of given shapes: the unit of the gradient checks.
struct OpCase: Sendable, CustomTestStringConvertible {
    enum Domain: Sendable {
        /// Uniform in [-1, 1], kept away from 0 (so relu, abs and leakyRelu are differentiable there).
        case signed
        /// Uniform in [0.5, 2].
        case positive
        /// Uniform in [-0.6, 0.6], away from 0 (tan stays far from its poles).
        case small
    }

    let name: String
    let shapes: [[Int]]
    let domains: [Domain]
    let f: @Sendable ([Variable<Double>]) -> Variable<Double>

    init(_ name: String, _ shapes: [[Int]], _ domains: [Domain] = [],
         _ f: @escaping @Sendable ([Variable<Double>]) -> Variable<Double>) {
        self.name = name
        self.shapes = shapes
        self.domains = domains.isEmpty ? Array(repeating: .signed, count: shapes.count) : domains
        self.f = f
    }

    var testDescription: String { "\(name) \(shapes.map { "\($0)" }.joined(separator: " × "))" }

    /// Seeded inputs; distinct values, so maxima have no ties.
    func inputs(seed: UInt64 = 7) -> [Tensor<Double>] {
        var rng = SeededGenerator(seed: seed)
        return zip(shapes, domains).map { shape, domain in
            Tensor<Double>.randomUniform(shape: shape, lowerBound: 0, upperBound: 1, using: &rng).map { u in
                switch domain {
                case .signed: return (u < 0.5 ? -1 : 1) * (0.2 + 1.6 * abs(u - 0.5))
                case .positive: return 0.5 + 1.5 * u
                case .small: return (u < 0.5 ? -1 : 1) * (0.1 + abs(u - 0.5))
                }
            }
        }
    }
}

let unaryShapes: [[Int]] = [[4], [2, 3]]

/// Every differentiable primitive of API.md (and the composites built on them), over at least two ranks,
/// with broadcasting for every binary op.
let opCases: [OpCase] = {
    var cases: [OpCase] = []
    // Binary arithmetic, with broadcasting.
    let binaryShapes: [[[Int]]] = [[[3], [3]], [[2, 3], [3]], [[2, 1], [1, 3]], [[], [2, 2]], [[2, 3, 2], [2, 1, 2]]]
    for shapes in binaryShapes {
        cases.append(OpCase("+", shapes) { $0[0] + $0[1] })
        cases.append(OpCase("-", shapes) { $0[0] - $0[1] })
        cases.append(OpCase("*", shapes) { $0[0] * $0[1] })
        cases.append(OpCase("/", shapes, [.signed, .positive]) { $0[0] / $0[1] })
        cases.append(OpCase("pow", shapes, [.positive, .signed]) { pow($0[0], $0[1]) })
        cases.append(OpCase("max", shapes) { max($0[0], $0[1]) })
        cases.append(OpCase("min", shapes) { min($0[0], $0[1]) })
    }
    // Mixed with constants and plain scalars.
    for shape in unaryShapes {
        cases.append(OpCase("Variable + Tensor", [shape]) { $0[0] + Tensor<Double>(repeating: 0.5, shape: [shape.last!]) })
        cases.append(OpCase("Scalar - Variable", [shape]) { 2 - $0[0] })
        cases.append(OpCase("Tensor * Variable", [shape]) { Tensor<Double>(repeating: 1.5, shape: [1]) * $0[0] })
        cases.append(OpCase("Scalar / Variable", [shape], [.positive]) { 3 / $0[0] })
        cases.append(OpCase("pow(x, 3)", [shape]) { pow($0[0], 3) })
        cases.append(OpCase("pow(2, x)", [shape]) { pow(2, $0[0]) })
        cases.append(OpCase("max(x, 0.3)", [shape]) { max($0[0], 0.3) })
        cases.append(OpCase("min(x, Tensor)", [shape]) { min($0[0], Tensor<Double>(repeating: -0.1, shape: shape)) })
    }
    // Elementwise functions.
    for shape in unaryShapes {
        cases.append(OpCase("prefix -", [shape]) { -$0[0] })
        cases.append(OpCase("exp", [shape]) { exp($0[0]) })
        cases.append(OpCase("log", [shape], [.positive]) { log($0[0]) })
        cases.append(OpCase("sqrt", [shape], [.positive]) { sqrt($0[0]) })
        cases.append(OpCase("abs", [shape]) { abs($0[0]) })
        cases.append(OpCase("sin", [shape]) { sin($0[0]) })
        cases.append(OpCase("cos", [shape]) { cos($0[0]) })
        cases.append(OpCase("tan", [shape], [.small]) { tan($0[0]) })
        cases.append(OpCase("tanh", [shape]) { tanh($0[0]) })
        cases.append(OpCase("sigmoid", [shape]) { sigmoid($0[0]) })
        cases.append(OpCase("relu", [shape]) { relu($0[0]) })
        cases.append(OpCase("leakyRelu", [shape]) { leakyRelu($0[0], alpha: 0.1) })
        cases.append(OpCase("softplus", [shape]) { softplus($0[0]) })
    }
    // Linear algebra.
    let matmulShapes: [[[Int]]] = [[[2, 3], [3, 4]], [[3], [3, 2]], [[2, 3], [3]], [[2, 2, 3], [3, 2]], [[2, 2, 3], [1, 3, 2]]]
    for shapes in matmulShapes { cases.append(OpCase("matmul", shapes) { matmul($0[0], $0[1]) }) }
    cases.append(OpCase("matmul(Variable, Tensor)", [[2, 3]]) { matmul($0[0], Tensor<Double>.ones(shape: [3, 2])) })
    cases.append(OpCase("transposed", [[2, 3]]) { $0[0].transposed() })
    cases.append(OpCase("transposed", [[2, 3, 4]]) { $0[0].transposed() })
    cases.append(OpCase("transposed(permutation:)", [[2, 3, 4]]) { $0[0].transposed(permutation: [1, 2, 0]) })
    // Shapes.
    cases.append(OpCase("reshaped(to:)", [[2, 3]]) { $0[0].reshaped(to: [3, 2]) })
    cases.append(OpCase("reshaped(to:)", [[2, 3, 2]]) { $0[0].reshaped(to: [-1]) })
    cases.append(OpCase("broadcasted(to:)", [[3]]) { $0[0].broadcasted(to: [2, 3]) })
    cases.append(OpCase("broadcasted(to:)", [[2, 1]]) { $0[0].broadcasted(to: [2, 2, 3]) })
    cases.append(OpCase("expandingShape(at:)", [[2, 3]]) { $0[0].expandingShape(at: 1) })
    cases.append(OpCase("squeezingShape(at:)", [[2, 1, 3]]) { $0[0].squeezingShape() })
    // Reductions.
    cases.append(OpCase("sum()", [[4]]) { $0[0].sum() })
    cases.append(OpCase("sum()", [[2, 3]]) { $0[0].sum() })
    cases.append(OpCase("sum(alongAxes:)", [[2, 3]]) { $0[0].sum(alongAxes: 0) })
    cases.append(OpCase("sum(alongAxes:keepingDimensions:)", [[2, 3]]) { $0[0].sum(alongAxes: -1, keepingDimensions: true) })
    cases.append(OpCase("sum(alongAxes:)", [[2, 3, 2]]) { $0[0].sum(alongAxes: 0, 2) })
    cases.append(OpCase("mean()", [[4]]) { $0[0].mean() })
    cases.append(OpCase("mean()", [[2, 3]]) { $0[0].mean() })
    cases.append(OpCase("mean(alongAxes:)", [[2, 3]]) { $0[0].mean(alongAxes: 1) })
    cases.append(OpCase("mean(alongAxes:)", [[2, 3, 2]]) { $0[0].mean(alongAxes: [0, 1], keepingDimensions: true) })
    cases.append(OpCase("max(alongAxes:)", [[4]]) { $0[0].max(alongAxes: 0) })
    cases.append(OpCase("max(alongAxes:)", [[2, 3]]) { $0[0].max(alongAxes: 1) })
    cases.append(OpCase("max(alongAxes:)", [[2, 3, 2]]) { $0[0].max(alongAxes: 0, 2) })
    cases.append(OpCase("logSumExp", [[4]]) { logSumExp($0[0], alongAxes: 0) })
    cases.append(OpCase("logSumExp", [[2, 3]]) { logSumExp($0[0], alongAxes: 1, keepingDimensions: true) })
    cases.append(OpCase("softmax", [[4]]) { softmax($0[0]) })
    cases.append(OpCase("softmax", [[2, 3]]) { softmax($0[0], alongAxis: 0) })
    cases.append(OpCase("logSoftmax", [[4]]) { logSoftmax($0[0]) })
    cases.append(OpCase("logSoftmax", [[2, 3]]) { logSoftmax($0[0], alongAxis: 1) })
    // Indexing.
    cases.append(OpCase("x[1..<3]", [[4]]) { $0[0][1..<3] })
    cases.append(OpCase("x[1..<3, 0..<2]", [[3, 4]]) { $0[0][1..<3, 0..<2] })
    cases.append(OpCase("x[1...]", [[3, 2]]) { $0[0][1...] })
    cases.append(OpCase("x[2]", [[3, 2]]) { $0[0][2] })
    cases.append(OpCase("gathering(atIndices:alongAxis:)", [[4]]) { $0[0].gathering(atIndices: [2, 0, 2], alongAxis: 0) })
    cases.append(OpCase("gathering(atIndices:alongAxis:)", [[3, 2]]) { $0[0].gathering(atIndices: [1, 1, 0], alongAxis: 1) })
    cases.append(OpCase("concatenate", [[2], [3]]) { concatenate([$0[0], $0[1]], alongAxis: 0) })
    cases.append(OpCase("concatenate", [[2, 2], [2, 3]]) { concatenate([$0[0], $0[1]], alongAxis: 1) })
    cases.append(OpCase("select", [[4], [4]]) { select(Tensor<Bool>([true, false, false, true]), $0[0], $0[1]) })
    cases.append(OpCase("select", [[2, 3], [3]]) {
        select(Tensor<Bool>(shape: [2, 1], scalars: [true, false]), $0[0], $0[1])
    })
    // A user-defined operation (the custom-derivative API).
    cases.append(OpCase("DifferentiableFunction", [[3]]) { cube($0[0]) })
    cases.append(OpCase("DifferentiableFunction", [[2, 2]]) { cube($0[0]) })
    return cases
}()

/// x³ as a user-defined operation with its own pullback, written with differentiable operations.
let cube = DifferentiableFunction<Double>(name: "cube", forward: { xs in xs[0] * xs[0] * xs[0] },
                                          pullback: { g, xs, _ in [g * 3 * xs[0] * xs[0]] })

@Suite("Gradient checks of every operation")
struct OpGradientTests {
    @Test("first order: tape gradients match central differences", arguments: opCases)
    func firstOrder(_ op: OpCase) {
        let report = checkGradients(of: op.f, at: op.inputs())
        #expect(report.passed, "\(report)")
    }

    @Test("second order: derivatives of the recorded backward pass match differences of the gradient", arguments: opCases)
    func secondOrder(_ op: OpCase) {
        // A fixed, non-uniform weighting makes the scalar depend on every output element differently.
        let f = op.f
        let report = checkSecondOrderGradients(of: { xs in
            let y = f(xs)
            let weights = Tensor<Double>.arange(y.scalarCount, start: 0.5, step: 0.25).reshaped(to: y.shape)
            return (y * y * weights).sum()
        }, at: op.inputs())
        #expect(report.passed, "\(report)")
    }
}
