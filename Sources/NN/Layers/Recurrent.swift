// Recurrent layers: an LSTM and a GRU over [N, T, features], composed from AutoDiff operations (linear,
// slicing, sigmoid, tanh), with PyTorch's parameter names, layouts and equations.

/// An LSTM over a batch of sequences, PyTorch's `torch.nn.LSTM` (one layer, `batch_first=True`, zero
/// initial state): `x` is `[N, T, I]`, the result every hidden state `[N, T, H]`.
///
/// With W = `weightIH` `[4H, I]`, U = `weightHH` `[4H, H]` (rows: the gates i, f, g, o) and the biases `[4H]`:
/// ```
/// i = σ(Wᵢx + bᵢ + Uᵢh + b'ᵢ)   f = σ(…)   g = tanh(…)   o = σ(…)
/// c ← f ⊙ c + i ⊙ g              h ← o ⊙ tanh c
/// ```
/// Each step is one product [xₜ h]·[W U]ᵀ + (b + b') and the cell's three fused elementwise operations
/// (`lstmGateActivations`, `lstmCellState`, `lstmCellOutput`, checked against the composed cell). Gradients come from the tape
/// (backpropagation through time).
///
/// - Complexity: O(N·T·4H·(I + H)).
@_specialize(exported: true, where S == Float)
public func lstm<S>(_ x: Variable<S>, weightIH: Variable<S>, weightHH: Variable<S>, biasIH: Variable<S>,
                    biasHH: Variable<S>) -> Variable<S> {
    lstm(x, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH, fused: true)
}

/// The LSTM as one fused operation (`fused`), or composed step by step from the cell's operations.
func lstm<S>(_ x: Variable<S>, weightIH: Variable<S>, weightHH: Variable<S>, biasIH: Variable<S>,
             biasHH: Variable<S>, fused: Bool) -> Variable<S> {
    if fused { return fusedLSTM(x, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH) }
    let (n, t) = (x.shape[0], x.shape[1])
    let h = weightHH.shape[1]
    let weight = concatenate([weightIH, weightHH], alongAxis: 1)      // [4H, I + H]
    let bias = biasIH + biasHH
    let steps = x.transposed(permutation: [1, 0, 2])                  // [T, N, I]
    var hidden = Variable(Tensor<S>.zeros(shape: [n, h]), requiresGrad: false)
    var cell = hidden
    var outputs: [Variable<S>] = []
    outputs.reserveCapacity(t)
    for step in 0..<t {
        let gates = lstmGateActivations(linear(concatenate([steps[step], hidden], alongAxis: 1), weight: weight, bias: bias))
        cell = lstmCellState(gates, cell)
        hidden = lstmCellOutput(gates, cell)
        outputs.append(hidden)
    }
    return stackTimeSteps(outputs, batch: n, size: h)
}

/// A GRU over a batch of sequences, PyTorch's `torch.nn.GRU` (one layer, `batch_first=True`, zero initial
/// state): `x` is `[N, T, I]`, the result every hidden state `[N, T, H]`.
///
/// With W = `weightIH` `[3H, I]`, U = `weightHH` `[3H, H]` (rows: the gates r, z, n) and the biases `[3H]`:
/// ```
/// r = σ(Wᵣx + bᵣ + Uᵣh + b'ᵣ)   z = σ(W_z x + b_z + U_z h + b'_z)
/// n = tanh(Wₙx + bₙ + r ⊙ (Uₙh + b'ₙ))
/// h ← (1 − z) ⊙ n + z ⊙ h
/// ```
///
/// It runs as one fused operation over the whole sequence (`GRUSequence.swift`), checked against the GRU
/// composed step by step from `linear`, slices, `sigmoid` and `tanh`; gradients come from its rule
/// (backpropagation through time).
///
/// - Complexity: O(N·T·3H·(I + H)).
@_specialize(exported: true, where S == Float)
public func gru<S>(_ x: Variable<S>, weightIH: Variable<S>, weightHH: Variable<S>, biasIH: Variable<S>,
                   biasHH: Variable<S>) -> Variable<S> {
    gru(x, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH, fused: true)
}

/// The GRU as one fused operation (`fused`), or composed step by step.
func gru<S>(_ x: Variable<S>, weightIH: Variable<S>, weightHH: Variable<S>, biasIH: Variable<S>,
            biasHH: Variable<S>, fused: Bool) -> Variable<S> {
    if fused { return fusedGRU(x, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH) }
    let (n, t) = (x.shape[0], x.shape[1])
    let h = weightHH.shape[1]
    let steps = x.transposed(permutation: [1, 0, 2])                  // [T, N, I]
    var hidden: Variable<S>? = nil
    var outputs: [Variable<S>] = []
    outputs.reserveCapacity(t)
    for step in 0..<t {
        let input = linear(steps[step], weight: weightIH, bias: biasIH)
        // U·h + b' (just b' while h is still 0).
        let recurrent = hidden.map { linear($0, weight: weightHH, bias: biasHH) } ?? biasHH.reshaped(to: [1, 3 * h])
        let rows = recurrent.shape[0]
        let r = sigmoid(input[0..<n, 0..<h] + recurrent[0..<rows, 0..<h])
        let z = sigmoid(input[0..<n, h..<(2 * h)] + recurrent[0..<rows, h..<(2 * h)])
        let candidate = tanh(input[0..<n, (2 * h)..<(3 * h)] + r * recurrent[0..<rows, (2 * h)..<(3 * h)])
        let next = hidden.map { candidate + z * ($0 - candidate) } ?? (1 - z) * candidate
        hidden = next
        outputs.append(next)
    }
    return stackTimeSteps(outputs, batch: n, size: h)
}

/// A recurrent layer over a whole sequence as one operation on x `[N, T, I]` and the four parameters, giving
/// every hidden state `[N, T, H]`: `forward` writes them (row-major) from the inputs' values; the plain backward
/// pass runs `plain` on the output's gradient, and a recorded one (createGraph) runs `recorded`, written with
/// differentiable operations.
func fusedRecurrence<S>(_ name: String, _ inputs: [Variable<S>], hiddenSize h: Int,
                        forward: @escaping @Sendable ([Tensor<S>], UnsafeMutablePointer<S>) -> Void,
                        plain: @escaping @Sendable (Tensor<S>) -> [Variable<S>?],
                        recorded: @escaping @Sendable (Variable<S>, [Variable<S>]) -> [Variable<S>?]) -> Variable<S> {
    let (n, t) = (inputs[0].shape[0], inputs[0].shape[1])
    return DifferentiableFunction<S>(name: name, forward: { xs in
        let output = [S](unsafeUninitializedCapacity: n * t * h) { out, initialized in
            forward(xs, out.baseAddress!)
            initialized = n * t * h
        }
        return Tensor(shape: [n, t, h], scalars: output)
    }, pullback: { g, xs, _ in
        g.requiresGrad || xs.contains(where: \.requiresGrad) ? recorded(g, xs) : plain(g.value)
    })(inputs)
}

/// `T` states `[N, H]` as one `[N, T, H]` tensor.
func stackTimeSteps<S>(_ states: [Variable<S>], batch n: Int, size h: Int) -> Variable<S> {
    concatenate(states, alongAxis: 0).reshaped(to: [states.count, n, h]).transposed(permutation: [1, 0, 2])
}

/// Stops unless `input` is `[N, T, inputSize]`.
func requireSequence(_ layer: String, _ input: Variable<Float>, features: Int, file: StaticString, line: UInt) {
    guard input.rank == 3, input.shape[2] == features else {
        layerError(layer, "expects input of shape [N, T, \(features)] (batch, time, features), got \(input.shape)",
                   fix: input.rank == 2 ? "add the batch axis: x.reshaped(to: [1, \(input.shape[0]), \(input.shape[1])])"
                       : "pass sequences [batch, time, \(features)], or make the layer take \(input.shape.last ?? 0) features",
                   file: file, line: line)
    }
}

/// The parameters of a recurrent layer with `gates` gates, in PyTorch's layouts and order (`weight_ih_l0`
/// `[gates·H, I]`, `weight_hh_l0` `[gates·H, H]`, `bias_ih_l0`, `bias_hh_l0`), each drawn uniformly in ±1/√H.
func recurrentParameters(gates: Int, inputSize: Int, hiddenSize: Int, generator: inout SeededGenerator)
    -> (Variable<Float>, Variable<Float>, Variable<Float>, Variable<Float>) {
    let bound = 1 / Float(hiddenSize).squareRoot()
    func draw(_ shape: [Int]) -> Variable<Float> {
        Variable(.randomUniform(shape: shape, lowerBound: -bound, upperBound: bound, using: &generator))
    }
    return (draw([gates * hiddenSize, inputSize]), draw([gates * hiddenSize, hiddenSize]),
            draw([gates * hiddenSize]), draw([gates * hiddenSize]))
}

/// A long short-term memory layer (Hochreiter & Schmidhuber 1997), PyTorch's `nn.LSTM(I, H, batch_first=True)`:
/// `[N, T, inputSize]` → every hidden state `[N, T, hiddenSize]`, starting from zero state.
///
/// Parameters, with PyTorch's names and layouts: `weight_ih_l0` `[4H, I]`, `weight_hh_l0` `[4H, H]`,
/// `bias_ih_l0` `[4H]`, `bias_hh_l0` `[4H]`, the rows in gate order i, f, g, o; all drawn uniformly in
/// ±1/√H, as PyTorch does. See ``lstm(_:weightIH:weightHH:biasIH:biasHH:)`` for the equations.
public struct LSTM: CallerLocatingLayer {
    /// Input-to-hidden weights `[4H, I]`.
    public let weightIH: Variable<Float>
    /// Hidden-to-hidden weights `[4H, H]`.
    public let weightHH: Variable<Float>
    /// Input-to-hidden bias `[4H]`.
    public let biasIH: Variable<Float>
    /// Hidden-to-hidden bias `[4H]`.
    public let biasHH: Variable<Float>

    /// A layer with parameters drawn uniformly in ±1/√hiddenSize from `generator`.
    public init(inputSize: Int, hiddenSize: Int, generator: inout SeededGenerator) {
        (weightIH, weightHH, biasIH, biasHH) =
            recurrentParameters(gates: 4, inputSize: inputSize, hiddenSize: hiddenSize, generator: &generator)
    }

    /// A layer initialized from the current thread's default generator (see `withRandomSeed`).
    public init(inputSize: Int, hiddenSize: Int) {
        self = withDefaultGenerator { LSTM(inputSize: inputSize, hiddenSize: hiddenSize, generator: &$0) }
    }

    /// The number of input features I.
    public var inputSize: Int { weightIH.shape[1] }
    /// The size H of the hidden state.
    public var hiddenSize: Int { weightHH.shape[1] }

    /// Every hidden state `[N, T, H]` for sequences `[N, T, I]`.
    public func callAsFunction(_ input: Variable<Float>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Float> {
        requireSequence("LSTM(inputSize: \(inputSize), hiddenSize: \(hiddenSize))", input, features: inputSize, file: file, line: line)
        return lstm(input, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH)
    }

    /// The four weights and biases under PyTorch's `nn.LSTM` names (`weight_ih_l0`, …).
    public var namedParameters: [(name: String, parameter: Variable<Float>)] {
        [("weight_ih_l0", weightIH), ("weight_hh_l0", weightHH), ("bias_ih_l0", biasIH), ("bias_hh_l0", biasHH)]
    }
}

/// A gated recurrent unit layer (Cho et al. 2014), PyTorch's `nn.GRU(I, H, batch_first=True)`:
/// `[N, T, inputSize]` → every hidden state `[N, T, hiddenSize]`, starting from zero state.
///
/// Parameters, with PyTorch's names and layouts: `weight_ih_l0` `[3H, I]`, `weight_hh_l0` `[3H, H]`,
/// `bias_ih_l0` `[3H]`, `bias_hh_l0` `[3H]`, the rows in gate order r, z, n; all drawn uniformly in ±1/√H.
/// See ``gru(_:weightIH:weightHH:biasIH:biasHH:)`` for the equations.
public struct GRU: CallerLocatingLayer {
    /// Input-to-hidden weights `[3H, I]`.
    public let weightIH: Variable<Float>
    /// Hidden-to-hidden weights `[3H, H]`.
    public let weightHH: Variable<Float>
    /// Input-to-hidden bias `[3H]`.
    public let biasIH: Variable<Float>
    /// Hidden-to-hidden bias `[3H]`.
    public let biasHH: Variable<Float>

    /// A layer with parameters drawn uniformly in ±1/√hiddenSize from `generator`.
    public init(inputSize: Int, hiddenSize: Int, generator: inout SeededGenerator) {
        (weightIH, weightHH, biasIH, biasHH) =
            recurrentParameters(gates: 3, inputSize: inputSize, hiddenSize: hiddenSize, generator: &generator)
    }

    /// A layer initialized from the current thread's default generator (see `withRandomSeed`).
    public init(inputSize: Int, hiddenSize: Int) {
        self = withDefaultGenerator { GRU(inputSize: inputSize, hiddenSize: hiddenSize, generator: &$0) }
    }

    /// The number of input features I.
    public var inputSize: Int { weightIH.shape[1] }
    /// The size H of the hidden state.
    public var hiddenSize: Int { weightHH.shape[1] }

    /// Every hidden state `[N, T, H]` for sequences `[N, T, I]`.
    public func callAsFunction(_ input: Variable<Float>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Float> {
        requireSequence("GRU(inputSize: \(inputSize), hiddenSize: \(hiddenSize))", input, features: inputSize, file: file, line: line)
        return gru(input, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH)
    }

    /// The four weights and biases under PyTorch's `nn.GRU` names (`weight_ih_l0`, …).
    public var namedParameters: [(name: String, parameter: Variable<Float>)] {
        [("weight_ih_l0", weightIH), ("weight_hh_l0", weightHH), ("bias_ih_l0", biasIH), ("bias_hh_l0", biasHH)]
    }
}
