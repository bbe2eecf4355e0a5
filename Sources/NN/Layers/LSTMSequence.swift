// The LSTM over a whole sequence as one fused operation (what cuDNN and PyTorch's CPU kernel do): the forward
// loop keeps the gate activations and cell states it computes, and the plain backward pass runs
// backpropagation through time over them, with the weight gradients as one product over all steps instead of
// small products per step. The per-step composition (``lstm``'s recorded form) stays the reference: a recorded
// backward pass (createGraph) differentiates it, and tests compare the two.
//
// Everything runs on raw buffers laid out so that no step copies or transposes a tensor: each step is one
// product W·zₜ into the gate buffer (W = [W_ih W_hh], zₜ = [xₜ; hₜ₋₁] read in place with strides), the
// nonlinearities over contiguous runs (the vector kernels for Float), and the cell's update in one loop.

import NNKernels

/// Every hidden state `[N, T, H]` of an LSTM over `x` `[N, T, I]`, as one operation (see
/// ``lstm(_:weightIH:weightHH:biasIH:biasHH:)`` for the equations).
///
/// Values are kept with the batch along the last axis (`[4H, N]` per step), so that each step's product is
/// W·zₜ `[4H, I + 1 + H]·[I + 1 + H, N]` (the bias as a column of W against a row of ones in zₜ): many rows and
/// the batch as columns suit the matrix kernel's tiles better than `[N, ·]·[·, 4H]` with N = 32 rows. The
/// gradients of the weights and the bias are one product over all steps, dG·Z `[4H, T·N]·[T·N, I + 1 + H]`.
func fusedLSTM<S>(_ x: Variable<S>, weightIH: Variable<S>, weightHH: Variable<S>, biasIH: Variable<S>,
                  biasHH: Variable<S>) -> Variable<S> {
    let (n, t, inputSize) = (x.shape[0], x.shape[1], x.shape[2])
    let h = weightHH.shape[1]
    let trace = LSTMTrace<S>(n, t, inputSize, h)
    return fusedRecurrence("lstm", [x, weightIH, weightHH, biasIH, biasHH], hiddenSize: h, forward: { xs, out in
        lstmForward(xs, trace, n: n, t: t, inputSize: inputSize, h: h, into: out)
    }, plain: { g in
        let d = lstmBackward(g, trace, n: n, t: t, inputSize: inputSize, h: h).map { Variable($0, requiresGrad: false) }
        return [d[0], d[1], d[2], d[3], d[3]]
    }, recorded: recordedLSTMPullback)
}

/// The same backpropagation through time written with differentiable operations on the per-step composition,
/// for a recorded backward pass (createGraph): its results can be differentiated again.
@_optimize(none) func recordedLSTMPullback<S>(_ g: Variable<S>, _ xs: [Variable<S>]) -> [Variable<S>?] {
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
        // One typed term per gate: as a single array literal the four products took the type checker seconds
        // (and failed outright when NN was compiled as one module with AutoDiff, as Scripts/fuzz.sh does).
        let dInputGate: Variable<S> = dc * gg * i * (1 - i)
        let dForgetGate: Variable<S> = dc * previous * f * (1 - f)
        let dCellGate: Variable<S> = dc * i * (1 - gg * gg)
        let dOutputGate: Variable<S> = dh * tc * o * (1 - o)
        let dPre = concatenate([dInputGate, dForgetGate, dCellGate, dOutputGate], alongAxis: 1)
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
