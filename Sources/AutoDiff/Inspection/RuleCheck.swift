import Foundation

// When a gradient check of a composite function fails, which derivative rule is wrong? Each recorded
// operation's own rule is checked by finite differences at the values it saw, in tape order; the first that
// disagrees is the one to fix (the later ones only received a wrong gradient).

/// The first operation of a failing composite whose own derivative rule disagrees with finite differences at
/// the values it saw: found by ``checkGradients(of:at:epsilon:absoluteTolerance:relativeTolerance:)``.
public struct FaultyRule: Sendable, CustomStringConvertible {
    /// The operation (`"log"`, `"matmul"`, a custom function's name).
    public let operation: String
    /// Its node on the tape (tape order).
    public let node: Int
    /// Where it was recorded in the caller's code (`#fileID` style), when known.
    public let file: String?
    /// The line of ``file``.
    public let line: Int?
    /// Which of the operation's inputs (its position among them) got a wrong derivative.
    public let input: Int
    /// The element of that input (multi-index).
    public let element: [Int]
    /// The element of the operation's output (multi-index; empty for a scalar).
    public let outputElement: [Int]
    /// The derivative the rule gave.
    public let analytical: Double
    /// The derivative by central differences of the operation alone.
    public let numerical: Double
    /// The shapes of the operation's inputs.
    public let inputShapes: [[Int]]

    /// One line: the operation, where it was recorded, and the element where its rule and finite differences disagree.
    public var description: String {
        let place = file.map { " (recorded at \($0):\(line ?? 0))" } ?? ""
        return "the derivative rule of \(operation)\(place) disagrees with finite differences at the values it saw: " +
            "output \(outputElement), input \(input) element \(element): rule \(formatNumber(analytical)), " +
            "numerical \(formatNumber(numerical)); inputs of shapes \(inputShapes.map { "\($0)" }.joined(separator: ", "))"
    }
}

/// Records `f` at `inputs` with the places of its operations kept, and checks each operation's rule alone;
/// returns the first that disagrees.
@_optimize(none) func locateFaultyRule(_ f: ([Variable<Double>]) -> Variable<Double>, _ inputs: [Tensor<Double>],
                      _ epsilon: Double, _ atol: Double, _ rtol: Double) -> FaultyRule? {
    withFreshTape(Double.self) {
        let context = ThreadContext.current
        context.activeWatch.placeScopes += 1
        defer {
            context.watch?.placeScopes -= 1
            context.releaseWatchIfIdle()
        }
        let y = f(inputs.map { Variable($0) })
        guard let tape = y.liveTape else { return nil }
        var needed = [Bool](repeating: false, count: Int(y.index) + 1)
        needed[Int(y.index)] = true
        for i in stride(from: Int(y.index), through: 0, by: -1) where needed[i] {
            for j in tape.inputs(of: i) { needed[Int(j)] = true }
        }
        for i in 0...Int(y.index) where needed[i] && !tape.entries[i].isLeaf && !tape.entries[i].isConstant {
            if let fault = tape.checkRule(i, epsilon, atol, rtol) { return fault }
        }
        return nil
    }
}

extension Tape {
    /// Node `i`'s value recomputed from input values `xs` (nil for an operation this cannot recompute).
    @_optimize(none) func recompute(_ i: Int, _ xs: [Tensor<Scalar>]) -> Tensor<Scalar>? {
        let out = shape(Int32(i))
        switch op(i) {
        case .arithmetic(let f, _, _):
            switch f {
            case .add: return xs[0] + xs[1]
            case .subtract: return xs[0] - xs[1]
            case .multiply: return xs[0] * xs[1]
            case .divide: return xs[0] / xs[1]
            case .power: return pow(xs[0], xs[1])
            }
        case .elementwise(let f, _):
            let x = xs[0]
            switch f {
            case .negate: return -x
            case .exp: return exp(x)
            case .log: return log(x)
            case .sqrt: return sqrt(x)
            case .abs: return abs(x)
            case .sin: return sin(x)
            case .cos: return cos(x)
            case .tan: return tan(x)
            case .tanh: return tanh(x)
            case .sigmoid: return sigmoid(x)
            case .relu: return relu(x)
            case .softplus: return softplus(x)
            case .gelu: return gelu(x)
            case .silu: return silu(x)
            case .log1p: return log1p(x)
            case .expm1: return expm1(x)
            case .normalCDF: return Tensor._normalCDF(x)
            }
        case .leakyRelu(_, let alpha): return leakyRelu(xs[0], alpha: alpha)
        case .reduction(.sum(let axes, let keep), _): return xs[0].reduce(alongAxes: axes, keep: keep, initial: 0, +)
        case .reduction(.max(let axes, let keep), _): return xs[0].max(alongAxes: axes, keepingDimensions: keep)
        case .matmul: return Tensor._matmul(xs[0], xs[1])
        case .matmulTransposingRight: return Tensor._matmul(xs[0], transposeA: false, xs[1], transposeB: true)
        case .shape(.reshape, _): return xs[0].reshaped(to: out)
        case .shape(.broadcast, _): return xs[0].broadcasted(to: out)
        case .shape(.permute(let p), _): return xs[0].transposed(permutation: p)
        case .indexing(.slice(let bounds), _): return xs[0].slice(bounds)
        case .indexing(.pad(let bounds), _): return xs[0].padded(into: out, at: bounds)
        case .indexing(.gather(let indices, let axis), _): return xs[0].gathering(atIndices: indices, alongAxis: axis)
        case .indexing(.scatterAdd(let indices, let axis), _): return xs[0].scatterAdding(atIndices: indices, alongAxis: axis, into: out)
        case .concatenate(_, let axis): return concatenate(xs, alongAxis: axis)
        case .select(let mask, _, _): return select(mask, xs[0], xs[1])
        case .custom(let rule, _): return rule.forward(xs)
        case .convolution(let f, _):
            switch f {
            case .convolution(let geometry, _): return xs[0].convolved(geometry, filter: xs[1], bias: xs.count > 2 ? xs[2] : nil).value
            case .unfold(let geometry): return xs[0].unfolded(geometry)
            case .fold(let geometry): return xs[0].folded(geometry)
            case .maxPool(let geometry, _): return xs[0].maxPooled(geometry).value
            case .averagePool(let geometry): return xs[0].averagePooled(geometry)
            }
        default: return nil   // leaves, constants, and operations added later without a recomputation here
        }
    }

    /// Checks node `i`'s rule alone: its vector–Jacobian products for each output element against central
    /// differences of its recomputed value in each input element, at the recorded input values.
    @_optimize(none) func checkRule(_ i: Int, _ epsilon: Double, _ atol: Double, _ rtol: Double) -> FaultyRule? {
        let nodes = inputs(of: i)
        let xs = nodes.map { value($0) }
        let y = value(Int32(i))
        guard let again = recompute(i, xs), again.shape == y.shape else { return nil }
        let work = y.scalarCount * xs.reduce(0) { $0 + $1.scalarCount }
        if work > 1_000_000 { return nil }   // too large to check element by element
        let saved = context.gradientsEnabled
        context.gradientsEnabled = false
        defer { context.gradientsEnabled = saved }

        // The rule's rows: for each output element o, the contribution to each input position.
        var rows: [[Tensor<Scalar>?]] = []
        for o in 0..<y.scalarCount {
            var seed = Tensor<Scalar>.zeros(shape: y.shape)
            seed.withUnsafeMutableBufferPointer { $0[o] = 1 }
            var parts = [Tensor<Scalar>?](repeating: nil, count: nodes.count)
            var cursor = 0
            applyRule(i, seed) { j, contribution in
                while cursor < nodes.count && nodes[cursor] != j { cursor += 1 }
                guard cursor < nodes.count else { return }
                if var c = contribution {
                    let target = shape(j)
                    if c.shape != target { c = target.isEmpty ? c.sum() : c.summedToShape(target) }
                    parts[cursor] = c
                }
                cursor += 1
            }
            rows.append(parts)
        }
        var worst: FaultyRule?
        var worstError = 0.0
        let ys = y.scalars
        for (p, x) in xs.enumerated() where needsGradient(nodes[p]) {
            for e in 0..<x.scalarCount {
                var plus = xs, minus = xs
                plus[p].withUnsafeMutableBufferPointer { $0[e] += Scalar(epsilon) }
                minus[p].withUnsafeMutableBufferPointer { $0[e] -= Scalar(epsilon) }
                guard let fp = recompute(i, plus)?.scalars, let fm = recompute(i, minus)?.scalars else { return nil }
                for o in 0..<y.scalarCount {
                    let numerical = (Double(fp[o]) - Double(fm[o])) / (2 * epsilon)
                    let analytical = rows[o][p].map { Double($0.scalars[e]) } ?? 0
                    let error = Swift.abs(analytical - numerical)
                    if error <= atol + rtol * Swift.abs(numerical) || !(numerical.isFinite) { continue }
                    // At a kink (relu at 0, a tie for a window's maximum) the one-sided slopes differ and the
                    // central difference is their mean: a rule giving either slope (or one between) is right.
                    let right = (Double(fp[o]) - Double(ys[o])) / epsilon, left = (Double(ys[o]) - Double(fm[o])) / epsilon
                    let slack = atol + rtol * Swift.abs(numerical)
                    if analytical >= Swift.min(left, right) - slack && analytical <= Swift.max(left, right) + slack { continue }
                    if worst == nil || error > worstError {
                        worstError = error
                        let place = sites[Int32(i)]
                        worst = FaultyRule(operation: operationName(i), node: i, file: place.map { "\($0.file)" },
                                           line: place.map { Int($0.line) }, input: p, element: multiIndex(e, x.shape),
                                           outputElement: multiIndex(o, y.shape), analytical: analytical, numerical: numerical,
                                           inputShapes: xs.map(\.shape))
                    }
                }
            }
        }
        return worst
    }
}
