// The LSTM over a whole sequence as one fused operation (what cuDNN and PyTorch's CPU kernel do): the forward
// loop keeps the gate activations and cell states it computes, and the plain backward pass runs
// backpropagation through time over them, with the weight gradient as one product over all steps
// ([4H, T·N]·[T·N, I + H]) instead of one small product per step. The per-step composition (``lstm``'s
// recorded form) stays the reference: a recorded backward pass (createGraph) differentiates it, and tests
// compare the two.

/// What the forward loop keeps for the backward pass.
final class LSTMTrace<S: TensorScalar>: @unchecked Sendable {
    /// [xₜ hₜ₋₁] for every step, `[T, N, I + H]`.
    var inputs: [S] = []
    /// Gate activations i, f, g, o, `[T, N, 4H]`.
    var gates: [S] = []
    /// Cell states, `[T, N, H]`.
    var cells: [S] = []
}

/// Every hidden state `[N, T, H]` of an LSTM over `x` `[N, T, I]`, as one operation (see
/// ``lstm(_:weightIH:weightHH:biasIH:biasHH:)`` for the equations).
func fusedLSTM<S>(_ x: Variable<S>, weightIH: Variable<S>, weightHH: Variable<S>, biasIH: Variable<S>,
                  biasHH: Variable<S>) -> Variable<S> {
    let (n, t, inputSize) = (x.shape[0], x.shape[1], x.shape[2])
    let h = weightHH.shape[1]
    let width = inputSize + h
    let trace = LSTMTrace<S>()
    return DifferentiableFunction<S>(name: "lstm", forward: { xs in
        let weight = concatenate([xs[1], xs[2]], alongAxis: 1)          // [4H, I + H]
        let weightT = weight.transposed()
        let bias = (xs[3] + xs[4]).scalars
        let steps = xs[0].transposed(permutation: [1, 0, 2]).scalars      // [T, N, I]
        var inputs = [S](repeating: 0, count: t * n * width)
        var gates = [S](repeating: 0, count: t * n * 4 * h)
        var cells = [S](repeating: 0, count: t * n * h)
        var hidden = [S](repeating: 0, count: t * n * h)
        for step in 0..<t {
            // z = [xₜ hₜ₋₁]
            for r in 0..<n {
                let z = (step * n + r) * width
                for k in 0..<inputSize { inputs[z + k] = steps[(step * n + r) * inputSize + k] }
                if step > 0 { for j in 0..<h { inputs[z + inputSize + j] = hidden[((step - 1) * n + r) * h + j] } }
            }
            let z = Tensor(shape: [n, width], scalars: Array(inputs[(step * n * width)..<((step + 1) * n * width)]))
            let pre = matmul(z, weightT).scalars                             // [N, 4H]
            pre.withUnsafeBufferPointer { pre in
                bias.withUnsafeBufferPointer { bias in
                    gates.withUnsafeMutableBufferPointer { gates in
                        cells.withUnsafeMutableBufferPointer { cells in
                            hidden.withUnsafeMutableBufferPointer { hidden in
                                for r in 0..<n {
                                    let a = (step * n + r) * 4 * h, p = r * 4 * h
                                    for j in 0..<(2 * h) { gates[a + j] = logistic(pre[p + j] + bias[j]) }
                                    for j in (2 * h)..<(3 * h) { gates[a + j] = cellTanh(pre[p + j] + bias[j]) }
                                    for j in (3 * h)..<(4 * h) { gates[a + j] = logistic(pre[p + j] + bias[j]) }
                                    for j in 0..<h {
                                        let k = (step * n + r) * h + j
                                        let previous = step > 0 ? cells[k - n * h] : 0
                                        cells[k] = gates[a + h + j] * previous + gates[a + j] * gates[a + 2 * h + j]
                                        hidden[k] = gates[a + 3 * h + j] * cellTanh(cells[k])
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        trace.inputs = inputs
        trace.gates = gates
        trace.cells = cells
        return Tensor(shape: [t, n, h], scalars: hidden).transposed(permutation: [1, 0, 2])
    }, pullback: { g, xs, _ in
        if g.requiresGrad || xs.contains(where: \.requiresGrad) {
            return recordedLSTMPullback(g, xs)
        }
        let weight = concatenate([xs[1].value, xs[2].value], alongAxis: 1)    // [4H, I + H]
        let upstream = g.value.transposed(permutation: [1, 0, 2]).scalars       // [T, N, H]
        let (inputs, gates, cells) = (trace.inputs, trace.gates, trace.cells)
        var dGates = [S](repeating: 0, count: t * n * 4 * h)
        var dx = [S](repeating: 0, count: t * n * inputSize)
        var dHidden = [S](repeating: 0, count: n * h), dCell = [S](repeating: 0, count: n * h)
        for step in stride(from: t - 1, through: 0, by: -1) {
            upstream.withUnsafeBufferPointer { upstream in
                gates.withUnsafeBufferPointer { gates in
                    cells.withUnsafeBufferPointer { cells in
                        dGates.withUnsafeMutableBufferPointer { dGates in
                            dHidden.withUnsafeMutableBufferPointer { dHidden in
                                dCell.withUnsafeMutableBufferPointer { dCell in
                                    for r in 0..<n {
                                        let a = (step * n + r) * 4 * h
                                        for j in 0..<h {
                                            let k = (step * n + r) * h + j, u = r * h + j
                                            let (i, f) = (gates[a + j], gates[a + h + j])
                                            let (gg, o) = (gates[a + 2 * h + j], gates[a + 3 * h + j])
                                            let tc = cellTanh(cells[k])
                                            let dh = upstream[k] + dHidden[u]
                                            let dc = dCell[u] + dh * o * (1 - tc * tc)
                                            let previous = step > 0 ? cells[k - n * h] : 0
                                            dGates[a + j] = dc * gg * i * (1 - i)
                                            dGates[a + h + j] = dc * previous * f * (1 - f)
                                            dGates[a + 2 * h + j] = dc * i * (1 - gg * gg)
                                            dGates[a + 3 * h + j] = dh * tc * o * (1 - o)
                                            dCell[u] = dc * f
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            let dStep = Tensor(shape: [n, 4 * h], scalars: Array(dGates[(step * n * 4 * h)..<((step + 1) * n * 4 * h)]))
            let dz = matmul(dStep, weight).scalars                            // [N, I + H]
            for r in 0..<n {
                for k in 0..<inputSize { dx[(step * n + r) * inputSize + k] = dz[r * width + k] }
                for j in 0..<h { dHidden[r * h + j] = dz[r * width + inputSize + j] }
            }
        }
        let allGates = Tensor(shape: [t * n, 4 * h], scalars: dGates)
        let dWeight = matmul(allGates.transposed(), Tensor(shape: [t * n, width], scalars: inputs))   // [4H, I + H]
        let dBias = allGates.sum(alongAxes: 0)
        let constant = { (value: Tensor<S>) in Variable(value, requiresGrad: false) }
        return [constant(Tensor(shape: [t, n, inputSize], scalars: dx).transposed(permutation: [1, 0, 2])),
                constant(dWeight[0..<(4 * h), 0..<inputSize]), constant(dWeight[0..<(4 * h), inputSize..<width]),
                constant(dBias), constant(dBias)]
    })(x, weightIH, weightHH, biasIH, biasHH)
}

/// The same backpropagation through time written with differentiable operations on the per-step composition,
/// for a recorded backward pass (createGraph): its results can be differentiated again.
func recordedLSTMPullback<S>(_ g: Variable<S>, _ xs: [Variable<S>]) -> [Variable<S>?] {
    let (n, t, inputSize) = (xs[0].shape[0], xs[0].shape[1], xs[0].shape[2])
    let h = xs[2].shape[1]
    let weight = concatenate([xs[1], xs[2]], alongAxis: 1)
    let steps = xs[0].transposed(permutation: [1, 0, 2])
    let zero = Variable(Tensor<S>.zeros(shape: [n, h]), requiresGrad: false)
    var (hidden, cell) = (zero, zero)
    var inputs: [Variable<S>] = [], gates: [Variable<S>] = [], cells: [Variable<S>] = []
    for step in 0..<t {
        let z = concatenate([steps[step], hidden], alongAxis: 1)
        let act = lstmGateActivations(linear(z, weight: weight, bias: xs[3] + xs[4]))
        cell = lstmCellState(act, cell)
        hidden = lstmCellOutput(act, cell)
        inputs.append(z)
        gates.append(act)
        cells.append(cell)
    }
    let upstream = g.transposed(permutation: [1, 0, 2])
    var (dHidden, dCell) = (zero, zero)
    var dWeight: Variable<S>? = nil, dBias: Variable<S>? = nil
    var dx: [Variable<S>] = []
    for step in stride(from: t - 1, through: 0, by: -1) {
        let act = gates[step]
        let (i, f) = (act[0..<n, 0..<h], act[0..<n, h..<(2 * h)])
        let (gg, o) = (act[0..<n, (2 * h)..<(3 * h)], act[0..<n, (3 * h)..<(4 * h)])
        let tc = tanh(cells[step])
        let dh = upstream[step] + dHidden
        let dc = dCell + dh * o * (1 - tc * tc)
        let previous = step > 0 ? cells[step - 1] : zero
        let dPre = concatenate([dc * gg * i * (1 - i), dc * previous * f * (1 - f), dc * i * (1 - gg * gg),
                                dh * tc * o * (1 - o)], alongAxis: 1)
        dCell = dc * f
        let dz = matmul(dPre, weight)
        dx.append(dz[0..<n, 0..<inputSize].reshaped(to: [n, 1, inputSize]))
        dHidden = dz[0..<n, inputSize..<(inputSize + h)]
        let w = matmul(dPre.transposed(), inputs[step]), b = dPre.sum(alongAxes: 0)
        dWeight = dWeight.map { $0 + w } ?? w
        dBias = dBias.map { $0 + b } ?? b
    }
    let width = inputSize + h
    return [concatenate(dx.reversed(), alongAxis: 1), dWeight![0..<(4 * h), 0..<inputSize],
            dWeight![0..<(4 * h), inputSize..<width], dBias, dBias]
}
