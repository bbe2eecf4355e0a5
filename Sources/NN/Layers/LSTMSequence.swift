// The LSTM over a whole sequence as one fused operation (what cuDNN and PyTorch's CPU kernel do): the forward
// loop keeps the gate activations and cell states it computes, and the plain backward pass runs
// backpropagation through time over them, with the weight and input gradients as products over all steps
// instead of small products per step. The per-step composition (``lstm``'s
// recorded form) stays the reference: a recorded backward pass (createGraph) differentiates it, and tests
// compare the two.

/// What the forward loop keeps for the backward pass, each step's values with the batch along the last axis.
final class LSTMTrace<S: TensorScalar>: @unchecked Sendable {
    /// Gate activations i, f, g, o, `[T, 4H, N]`.
    var gates: [S] = []
    /// Cell states, `[T, H, N]`.
    var cells: [S] = []
    /// Hidden states, `[T, H, N]`.
    var hidden: [S] = []
}

/// Every hidden state `[N, T, H]` of an LSTM over `x` `[N, T, I]`, as one operation (see
/// ``lstm(_:weightIH:weightHH:biasIH:biasHH:)`` for the equations).
///
/// Values are kept with the batch along the last axis (`[4H, N]` per step), so that each step's product is
/// W_hh·hᵀ `[4H, H]·[H, N]`: many rows and the batch as columns suit the matrix kernel's tiles better than
/// `[N, H]·[H, 4H]` with N = 32 rows. The input projections of all steps are one product W_ih·Xᵀ, and so are the
/// weight and input gradients.
func fusedLSTM<S>(_ x: Variable<S>, weightIH: Variable<S>, weightHH: Variable<S>, biasIH: Variable<S>,
                  biasHH: Variable<S>) -> Variable<S> {
    let (n, t, inputSize) = (x.shape[0], x.shape[1], x.shape[2])
    let h = weightHH.shape[1]
    let trace = LSTMTrace<S>()
    return DifferentiableFunction<S>(name: "lstm", forward: { xs in
        // W_ih·Xᵀ for all steps: [4H, I]·[I, T·N], column t·N + r for step t of sequence r.
        let projected = matmul(xs[1], xs[0].transposed(permutation: [2, 1, 0]).reshaped(to: [inputSize, t * n])).scalars
        let bias = (xs[3] + xs[4]).scalars
        var gates = [S](repeating: 0, count: t * 4 * h * n)
        var cells = [S](repeating: 0, count: t * h * n)
        var hidden = [S](repeating: 0, count: t * h * n)
        for step in 0..<t {
            // W_hh·hᵀ [4H, N] (zeros at the first step, where h = 0).
            let recurrent = step == 0 ? [S](repeating: 0, count: 4 * h * n) : matmul(xs[2], Tensor(shape: [h, n], scalars:
                Array(hidden[((step - 1) * h * n)..<(step * h * n)]))).scalars
            projected.withUnsafeBufferPointer { projected in
                recurrent.withUnsafeBufferPointer { recurrent in
                    bias.withUnsafeBufferPointer { bias in
                        gates.withUnsafeMutableBufferPointer { gates in
                            let a = step * 4 * h * n
                            for j in 0..<(4 * h) {
                                let (row, b) = (j * t * n + step * n, bias[j])
                                if j / h == 2 {
                                    for r in 0..<n { gates[a + j * n + r] = cellTanh(projected[row + r] + recurrent[j * n + r] + b) }
                                } else {
                                    for r in 0..<n { gates[a + j * n + r] = logistic(projected[row + r] + recurrent[j * n + r] + b) }
                                }
                            }
                        }
                    }
                }
            }
            gates.withUnsafeBufferPointer { gates in
                cells.withUnsafeMutableBufferPointer { cells in
                    hidden.withUnsafeMutableBufferPointer { hidden in
                        let a = step * 4 * h * n, c = step * h * n
                        for k in 0..<(h * n) {
                            let previous = step > 0 ? cells[c - h * n + k] : 0
                            cells[c + k] = gates[a + h * n + k] * previous + gates[a + k] * gates[a + 2 * h * n + k]
                            hidden[c + k] = gates[a + 3 * h * n + k] * cellTanh(cells[c + k])
                        }
                    }
                }
            }
        }
        trace.gates = gates
        trace.cells = cells
        trace.hidden = hidden
        return Tensor(shape: [t, h, n], scalars: hidden).transposed(permutation: [2, 0, 1])
    }, pullback: { g, xs, _ in
        if g.requiresGrad || xs.contains(where: \.requiresGrad) {
            return recordedLSTMPullback(g, xs)
        }
        let weightHHT = xs[2].value.transposed()                                 // [H, 4H]
        let upstream = g.value.transposed(permutation: [1, 2, 0]).scalars       // [T, H, N]
        let (gates, cells, hidden) = (trace.gates, trace.cells, trace.hidden)
        var dGates = [S](repeating: 0, count: t * 4 * h * n)
        var dHidden = [S](repeating: 0, count: h * n), dCell = [S](repeating: 0, count: h * n)
        for step in stride(from: t - 1, through: 0, by: -1) {
            upstream.withUnsafeBufferPointer { upstream in
                gates.withUnsafeBufferPointer { gates in
                    cells.withUnsafeBufferPointer { cells in
                        dGates.withUnsafeMutableBufferPointer { dGates in
                            dHidden.withUnsafeBufferPointer { dHidden in
                                dCell.withUnsafeMutableBufferPointer { dCell in
                                    let a = step * 4 * h * n, c = step * h * n
                                    for k in 0..<(h * n) {
                                        let (i, f) = (gates[a + k], gates[a + h * n + k])
                                        let (gg, o) = (gates[a + 2 * h * n + k], gates[a + 3 * h * n + k])
                                        let tc = cellTanh(cells[c + k])
                                        let dh = upstream[c + k] + dHidden[k]
                                        let dc = dCell[k] + dh * o * (1 - tc * tc)
                                        let previous = step > 0 ? cells[c - h * n + k] : 0
                                        dGates[a + k] = dc * gg * i * (1 - i)
                                        dGates[a + h * n + k] = dc * previous * f * (1 - f)
                                        dGates[a + 2 * h * n + k] = dc * i * (1 - gg * gg)
                                        dGates[a + 3 * h * n + k] = dh * tc * o * (1 - o)
                                        dCell[k] = dc * f
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if step > 0 {
                let dStep = Tensor(shape: [4 * h, n], scalars: Array(dGates[(step * 4 * h * n)..<((step + 1) * 4 * h * n)]))
                dHidden = matmul(weightHHT, dStep).scalars                         // [H, N]
            }
        }
        // All steps at once: dG as [4H, T·N], column t·N + r.
        let dAll = Tensor(shape: [t, 4 * h, n], scalars: dGates).transposed(permutation: [1, 0, 2]).reshaped(to: [4 * h, t * n])
        let inputs = xs[0].value.transposed(permutation: [1, 0, 2]).reshaped(to: [t * n, inputSize])   // row t·N + r
        var previousHidden = [S](repeating: 0, count: t * n * h)                                      // row t·N + r: h_{t−1}
        for step in 1..<max(t, 1) {
            for j in 0..<h {
                for r in 0..<n { previousHidden[(step * n + r) * h + j] = hidden[((step - 1) * h + j) * n + r] }
            }
        }
        let dWeightIH = matmul(dAll, inputs)                                                          // [4H, I]
        let dWeightHH = matmul(dAll, Tensor(shape: [t * n, h], scalars: previousHidden))              // [4H, H]
        let dInputs = matmul(xs[1].value.transposed(), dAll)                                          // [I, T·N]
        let dBias = dAll.sum(alongAxes: 1)
        let constant = { (value: Tensor<S>) in Variable(value, requiresGrad: false) }
        return [constant(dInputs.reshaped(to: [inputSize, t, n]).transposed(permutation: [2, 1, 0])),
                constant(dWeightIH), constant(dWeightHH), constant(dBias), constant(dBias)]
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
