// The catalog of differentiable operations with seeded inputs where each is differentiable: what
// `gradcheck` checks when run without arguments, and what the test suite checks, first and second order.

#if !FUZZING
import AutoDiff
#endif

/// One differentiable operation applied to inputs of given shapes: the unit of the gradient checks.
public struct PrimitiveCheck: Sendable {
    /// Where an input's seeded values are drawn, so that the op is differentiable there.
    public enum Domain: Sendable {
        /// Uniform in [-1, 1], kept away from 0 (so relu, abs and leakyRelu are differentiable there).
        case signed
        /// Uniform in [0.5, 2].
        case positive
        /// Uniform in [-0.6, 0.6], away from 0 (tan stays far from its poles).
        case small
    }

    /// The operation as a user writes it (e.g. `matmul`, `x[1..<3]`).
    public let name: String
    /// The shape of each input.
    public let shapes: [[Int]]
    /// Where each input's values are drawn.
    public let domains: [Domain]
    /// The function checked.
    public let f: @Sendable ([Variable<Double>]) -> Variable<Double>

    /// A check of `f` on inputs of the given shapes, drawn from the given domains (signed by default).
    public init(_ name: String, _ shapes: [[Int]], _ domains: [Domain] = [],
         _ f: @escaping @Sendable ([Variable<Double>]) -> Variable<Double>) {
        self.name = name
        self.shapes = shapes
        self.domains = domains.isEmpty ? Array(repeating: .signed, count: shapes.count) : domains
        self.f = f
    }

    /// The input shapes, e.g. `[2, 3] × [3]`.
    public var shapeDescription: String { shapes.map { "\($0)" }.joined(separator: " × ") }

    /// Why the inputs avoid some points, if they do.
    public var domainNote: String {
        var notes: [String] = []
        if domains.contains(.signed) { notes.append("|x| ≥ 0.2, distinct (no kinks of relu/abs, no ties of max)") }
        if domains.contains(.positive) { notes.append("x in [0.5, 2] (log, sqrt, pow base, divisor)") }
        if domains.contains(.small) { notes.append("0.1 ≤ |x| ≤ 0.6 (far from the poles of tan)") }
        return notes.joined(separator: "; ")
    }

    /// Seeded inputs; distinct values, so maxima have no ties.
    public func inputs(seed: UInt64 = 7) -> [Tensor<Double>] {
        var rng = SeededGenerator(seed: seed)
        return zip(shapes, domains).map { shape, domain in
            Tensor<Double>.randomUniform(shape: shape, lowerBound: 0, upperBound: 1, using: &rng).map { u in
                switch domain {
                case .signed: return (u < 0.5 ? -1 : 1) * (0.2 + 1.6 * Swift.abs(u - 0.5))
                case .positive: return 0.5 + 1.5 * u
                case .small: return (u < 0.5 ? -1 : 1) * (0.1 + Swift.abs(u - 0.5))
                }
            }
        }
    }
}


extension PrimitiveCheck {
    /// Every differentiable operation of the library (primitives and the functions composed from them), over
    /// at least two ranks, with broadcasting for every binary op: what `gradcheck` and the test suite check.
    public static let all: [PrimitiveCheck] = makeAll()

    /// The list behind ``all``: run once, so not optimized (optimizing this one long function took 6 s of the
    /// release build; the checks' closures are compiled as usual).
    @_optimize(none)
    private static func makeAll() -> [PrimitiveCheck] {
    let unaryShapes: [[Int]] = [[], [4], [2, 3]]
    var cases: [PrimitiveCheck] = []
    // Binary arithmetic, with broadcasting.
    let binaryShapes: [[[Int]]] = [[[], []], [[3], [3]], [[2, 3], [3]], [[2, 1], [1, 3]], [[], [2, 2]], [[2, 3, 2], [2, 1, 2]]]
    for shapes in binaryShapes {
        cases.append(PrimitiveCheck("+", shapes) { $0[0] + $0[1] })
        cases.append(PrimitiveCheck("-", shapes) { $0[0] - $0[1] })
        cases.append(PrimitiveCheck("*", shapes) { $0[0] * $0[1] })
        cases.append(PrimitiveCheck("/", shapes, [.signed, .positive]) { $0[0] / $0[1] })
        cases.append(PrimitiveCheck("pow", shapes, [.positive, .signed]) { pow($0[0], $0[1]) })
        cases.append(PrimitiveCheck("max", shapes) { max($0[0], $0[1]) })
        cases.append(PrimitiveCheck("min", shapes) { min($0[0], $0[1]) })
    }
    // Mixed with constants and plain scalars.
    for shape in unaryShapes {
        cases.append(PrimitiveCheck("Variable + Tensor", [shape]) { $0[0] + Tensor<Double>(repeating: 0.5, shape: [shape.last ?? 1]) })
        cases.append(PrimitiveCheck("Scalar - Variable", [shape]) { 2 - $0[0] })
        cases.append(PrimitiveCheck("Tensor * Variable", [shape]) { Tensor<Double>(repeating: 1.5, shape: [1]) * $0[0] })
        cases.append(PrimitiveCheck("Scalar / Variable", [shape], [.positive]) { 3 / $0[0] })
        cases.append(PrimitiveCheck("pow(x, 3)", [shape]) { pow($0[0], 3) })
        cases.append(PrimitiveCheck("pow(2, x)", [shape]) { pow(2, $0[0]) })
        cases.append(PrimitiveCheck("max(x, 0.3)", [shape]) { max($0[0], 0.3) })
        cases.append(PrimitiveCheck("min(x, Tensor)", [shape]) { min($0[0], Tensor<Double>(repeating: -0.1, shape: shape)) })
        cases.append(PrimitiveCheck("pow(Tensor, x)", [shape]) { pow(Tensor<Double>(repeating: 1.5, shape: [1]), $0[0]) })
        cases.append(PrimitiveCheck("max(0.3, x)", [shape]) { max(0.3, $0[0]) })
        cases.append(PrimitiveCheck("min(Tensor, x)", [shape]) { min(Tensor<Double>(repeating: -0.1, shape: shape), $0[0]) })
    }
    // Elementwise functions.
    for shape in unaryShapes {
        cases.append(PrimitiveCheck("prefix -", [shape]) { -$0[0] })
        cases.append(PrimitiveCheck("exp", [shape]) { exp($0[0]) })
        cases.append(PrimitiveCheck("log", [shape], [.positive]) { log($0[0]) })
        cases.append(PrimitiveCheck("sqrt", [shape], [.positive]) { sqrt($0[0]) })
        cases.append(PrimitiveCheck("abs", [shape]) { abs($0[0]) })
        cases.append(PrimitiveCheck("sin", [shape]) { sin($0[0]) })
        cases.append(PrimitiveCheck("cos", [shape]) { cos($0[0]) })
        cases.append(PrimitiveCheck("tan", [shape], [.small]) { tan($0[0]) })
        cases.append(PrimitiveCheck("tanh", [shape]) { tanh($0[0]) })
        cases.append(PrimitiveCheck("sigmoid", [shape]) { sigmoid($0[0]) })
        cases.append(PrimitiveCheck("relu", [shape]) { relu($0[0]) })
        cases.append(PrimitiveCheck("leakyRelu", [shape]) { leakyRelu($0[0], alpha: 0.1) })
        cases.append(PrimitiveCheck("softplus", [shape]) { softplus($0[0]) })
        cases.append(PrimitiveCheck("gelu", [shape]) { gelu($0[0]) })
        cases.append(PrimitiveCheck("silu", [shape]) { silu($0[0]) })
        cases.append(PrimitiveCheck("log1p", [shape], [.small]) { log1p($0[0]) })
        cases.append(PrimitiveCheck("expm1", [shape]) { expm1($0[0]) })
    }
    // Linear algebra.
    let matmulShapes: [[[Int]]] = [[[2, 3], [3, 4]], [[3], [3, 2]], [[2, 3], [3]], [[2, 2, 3], [3, 2]], [[2, 2, 3], [1, 3, 2]]]
    for shapes in matmulShapes { cases.append(PrimitiveCheck("matmul", shapes) { matmul($0[0], $0[1]) }) }
    cases.append(PrimitiveCheck("matmul(Variable, Tensor)", [[2, 3]]) { matmul($0[0], Tensor<Double>.ones(shape: [3, 2])) })
    cases.append(PrimitiveCheck("linear", [[4, 3], [2, 3], [2]]) { linear($0[0], weight: $0[1], bias: $0[2]) })
    cases.append(PrimitiveCheck("linear", [[3], [2, 3]]) { linear($0[0], weight: $0[1]) })
    cases.append(PrimitiveCheck("transposed", [[2, 3]]) { $0[0].transposed() })
    cases.append(PrimitiveCheck("transposed", [[2, 3, 4]]) { $0[0].transposed() })
    cases.append(PrimitiveCheck("transposed(permutation:)", [[2, 3, 4]]) { $0[0].transposed(permutation: [1, 2, 0]) })
    // Shapes.
    cases.append(PrimitiveCheck("reshaped(to:)", [[2, 3]]) { $0[0].reshaped(to: [3, 2]) })
    cases.append(PrimitiveCheck("reshaped(to:)", [[2, 3, 2]]) { $0[0].reshaped(to: [-1]) })
    cases.append(PrimitiveCheck("broadcasted(to:)", [[3]]) { $0[0].broadcasted(to: [2, 3]) })
    cases.append(PrimitiveCheck("broadcasted(to:)", [[2, 1]]) { $0[0].broadcasted(to: [2, 2, 3]) })
    cases.append(PrimitiveCheck("expandingShape(at:)", [[2, 3]]) { $0[0].expandingShape(at: 1) })
    cases.append(PrimitiveCheck("squeezingShape(at:)", [[2, 1, 3]]) { $0[0].squeezingShape() })
    // Reductions.
    cases.append(PrimitiveCheck("sum()", [[4]]) { $0[0].sum() })
    cases.append(PrimitiveCheck("sum()", [[2, 3]]) { $0[0].sum() })
    cases.append(PrimitiveCheck("sum(alongAxes:)", [[2, 3]]) { $0[0].sum(alongAxes: 0) })
    cases.append(PrimitiveCheck("sum(alongAxes:keepingDimensions:)", [[2, 3]]) { $0[0].sum(alongAxes: -1, keepingDimensions: true) })
    cases.append(PrimitiveCheck("sum(alongAxes:)", [[2, 3, 2]]) { $0[0].sum(alongAxes: 0, 2) })
    cases.append(PrimitiveCheck("mean()", [[4]]) { $0[0].mean() })
    cases.append(PrimitiveCheck("mean()", [[2, 3]]) { $0[0].mean() })
    cases.append(PrimitiveCheck("mean(alongAxes:)", [[2, 3]]) { $0[0].mean(alongAxes: 1) })
    cases.append(PrimitiveCheck("mean(alongAxes:)", [[2, 3, 2]]) { $0[0].mean(alongAxes: [0, 1], keepingDimensions: true) })
    cases.append(PrimitiveCheck("max(alongAxes:)", [[4]]) { $0[0].max(alongAxes: 0) })
    cases.append(PrimitiveCheck("max(alongAxes:)", [[2, 3]]) { $0[0].max(alongAxes: 1) })
    cases.append(PrimitiveCheck("max(alongAxes:)", [[2, 3, 2]]) { $0[0].max(alongAxes: 0, 2) })
    cases.append(PrimitiveCheck("logSumExp", [[4]]) { logSumExp($0[0], alongAxes: 0) })
    cases.append(PrimitiveCheck("logSumExp", [[2, 3]]) { logSumExp($0[0], alongAxes: 1, keepingDimensions: true) })
    cases.append(PrimitiveCheck("softmax", [[4]]) { softmax($0[0]) })
    cases.append(PrimitiveCheck("softmax", [[2, 3]]) { softmax($0[0], alongAxis: 0) })
    cases.append(PrimitiveCheck("logSoftmax", [[4]]) { logSoftmax($0[0]) })
    cases.append(PrimitiveCheck("logSoftmax", [[2, 3]]) { logSoftmax($0[0], alongAxis: 1) })
    // Indexing.
    cases.append(PrimitiveCheck("x[1..<3]", [[4]]) { $0[0][1..<3] })
    cases.append(PrimitiveCheck("x[1..<3, 0..<2]", [[3, 4]]) { $0[0][1..<3, 0..<2] })
    cases.append(PrimitiveCheck("x[1...]", [[3, 2]]) { $0[0][1...] })
    cases.append(PrimitiveCheck("x[2]", [[3, 2]]) { $0[0][2] })
    cases.append(PrimitiveCheck("x[2, 1]", [[3, 2]]) { $0[0][2, 1] })
    cases.append(PrimitiveCheck("x[1, 0]", [[2, 3, 2]]) { $0[0][1, 0] })
    cases.append(PrimitiveCheck("gathering(atIndices:alongAxis:)", [[4]]) { $0[0].gathering(atIndices: [2, 0, 2], alongAxis: 0) })
    cases.append(PrimitiveCheck("gathering(atIndices:alongAxis:)", [[3, 2]]) { $0[0].gathering(atIndices: [1, 1, 0], alongAxis: 1) })
    cases.append(PrimitiveCheck("concatenate", [[2], [3]]) { concatenate([$0[0], $0[1]], alongAxis: 0) })
    cases.append(PrimitiveCheck("concatenate", [[2, 2], [2, 3]]) { concatenate([$0[0], $0[1]], alongAxis: 1) })
    cases.append(PrimitiveCheck("select", [[4], [4]]) { select(Tensor<Bool>([true, false, false, true]), $0[0], $0[1]) })
    cases.append(PrimitiveCheck("select", [[2, 3], [3]]) {
        select(Tensor<Bool>(shape: [2, 1], scalars: [true, false]), $0[0], $0[1])
    })
    // Convolution and pooling (NCHW; varied strides, paddings, kernel sizes, dilations and groups).
    cases.append(PrimitiveCheck("conv2d", [[2, 2, 4, 4], [3, 2, 3, 3], [3]]) { conv2d($0[0], filter: $0[1], bias: $0[2], padding: 1) })
    cases.append(PrimitiveCheck("conv2d", [[1, 2, 5, 5], [2, 2, 2, 2]]) { conv2d($0[0], filter: $0[1], stride: 3) })
    cases.append(PrimitiveCheck("conv2d", [[1, 1, 4, 5], [2, 1, 3, 2], [2]]) {
        conv2d($0[0], filter: $0[1], bias: $0[2], stride: 2, padding: 3)
    })
    cases.append(PrimitiveCheck("conv2d", [[2, 3, 3, 3], [2, 3, 1, 1], [2]]) { conv2d($0[0], filter: $0[1], bias: $0[2]) })
    cases.append(PrimitiveCheck("conv2d", [[2, 2, 3, 3], [4, 2, 3, 3]]) { conv2d($0[0], filter: $0[1]) })
    cases.append(PrimitiveCheck("conv2d", [[1, 4, 4, 4], [4, 1, 3, 3], [4]]) {
        conv2d($0[0], filter: $0[1], bias: $0[2], padding: 1, groups: 4)
    })
    cases.append(PrimitiveCheck("conv2d", [[1, 4, 3, 3], [6, 2, 2, 2]]) { conv2d($0[0], filter: $0[1], groups: 2) })
    cases.append(PrimitiveCheck("conv2d", [[1, 2, 5, 5], [2, 2, 2, 2]]) { conv2d($0[0], filter: $0[1], padding: 1, dilation: 2) })
    cases.append(PrimitiveCheck("conv1d", [[2, 3, 6], [4, 3, 3], [4]]) { conv1d($0[0], filter: $0[1], bias: $0[2], stride: 2, padding: 1) })
    cases.append(PrimitiveCheck("conv1d", [[1, 4, 5], [4, 1, 2]]) {
        conv1d($0[0], filter: $0[1], padding: 1, dilation: 2, groups: 4)
    })
    cases.append(PrimitiveCheck("maxPool2d", [[2, 2, 4, 4]]) { maxPool2d($0[0], kernelSize: 2) })
    cases.append(PrimitiveCheck("maxPool2d", [[1, 2, 5, 5]]) { maxPool2d($0[0], kernelSize: 3, stride: 2, padding: 1) })
    cases.append(PrimitiveCheck("maxPool2d", [[1, 1, 4, 3]]) { maxPool2d($0[0], kernelSize: 2, stride: 1) })
    cases.append(PrimitiveCheck("avgPool2d", [[2, 2, 4, 4]]) { avgPool2d($0[0], kernelSize: 2) })
    cases.append(PrimitiveCheck("avgPool2d", [[1, 2, 5, 5]]) { avgPool2d($0[0], kernelSize: 3, stride: 2, padding: 1) })
    cases.append(PrimitiveCheck("avgPool2d", [[1, 1, 5, 6]]) { avgPool2d($0[0], kernelSize: 2, stride: 3) })
    // Attention (composed: matmul, transposed, select, softmax); query, key and value stacked along axis 0.
    cases.append(PrimitiveCheck("scaledDotProductAttention", [[3, 2, 3, 2]]) {
        scaledDotProductAttention(query: $0[0][0], key: $0[0][1], value: $0[0][2])
    })
    cases.append(PrimitiveCheck("scaledDotProductAttention causal", [[3, 1, 2, 3, 2]]) {
        scaledDotProductAttention(query: $0[0][0], key: $0[0][1], value: $0[0][2], causal: true)
    })
    return cases
    }
}
