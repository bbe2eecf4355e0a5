// The GRU over a whole sequence as one fused operation, built like the LSTM's (`LSTMSequence.swift`): composed
// step by step, a GRU epoch of the names workload took 2.4× the fused LSTM's. The forward loop keeps the gate
// activations; the plain backward pass runs backpropagation through time on raw buffers, with the weight and
// bias gradients as one product over all steps; a recorded backward pass (createGraph) is written with
// differentiable operations. The per-step composition (``gru``'s `fused: false`) stays the reference.
//
// The n gate needs U_n·h + b'_n on its own (r multiplies it), so each step has two products: the input's
// [W_ih b_ih]·[xₜ; 1] and the state's [b_hh W_hh]·[1; hₜ₋₁], each `[3H, N]` with the batch as columns.

import NNKernels

/// Every hidden state `[N, T, H]` of a GRU over `x` `[N, T, I]`, as one operation (see
/// ``gru(_:weightIH:weightHH:biasIH:biasHH:)`` for the equations).
func fusedGRU<S>(_ x: Variable<S>, weightIH: Variable<S>, weightHH: Variable<S>, biasIH: Variable<S>,
                 biasHH: Variable<S>) -> Variable<S> {
    let (n, t, inputSize) = (x.shape[0], x.shape[1], x.shape[2])
    let h = weightHH.shape[1]
    let trace = GRUTrace<S>(n, t, inputSize, h)
    return fusedRecurrence("gru", [x, weightIH, weightHH, biasIH, biasHH], hiddenSize: h, forward: { xs, out in
        gruForward(xs, trace, n: n, t: t, inputSize: inputSize, h: h, into: out)
    }, plain: { g in
        gruBackward(g, trace, n: n, t: t, inputSize: inputSize, h: h).map { Variable($0, requiresGrad: false) }
    }, recorded: recordedGRUPullback)
}

/// The same backpropagation through time written with differentiable operations on the per-step composition,
/// for a recorded backward pass (createGraph): its results can be differentiated again.
@_optimize(none) func recordedGRUPullback<S>(_ g: Variable<S>, _ xs: [Variable<S>]) -> [Variable<S>?] {
    let (n, t, inputSize) = (xs[0].shape[0], xs[0].shape[1], xs[0].shape[2])
    let h = xs[2].shape[1]
    let steps = xs[0].transposed(permutation: [1, 0, 2])
    let zero = Variable(Tensor<S>.zeros(shape: [n, h]), requiresGrad: false)
    var hidden = zero
    var states: [(previous: Variable<S>, r: Variable<S>, z: Variable<S>, g: Variable<S>, gn: Variable<S>)] = []
    for step in 0..<t {
        let input = linear(steps[step], weight: xs[1], bias: xs[3]), state = linear(hidden, weight: xs[2], bias: xs[4])
        let r = sigmoid(input[0..<n, 0..<h] + state[0..<n, 0..<h])
        let z = sigmoid(input[0..<n, h..<(2 * h)] + state[0..<n, h..<(2 * h)])
        let gn = state[0..<n, (2 * h)..<(3 * h)]
        let g = tanh(input[0..<n, (2 * h)..<(3 * h)] + r * gn)
        states.append((hidden, r, z, g, gn))
        hidden = g + z * (hidden - g)
    }
    let upstream = g.transposed(permutation: [1, 0, 2])
    var carry = zero
    var dWeightIH: Variable<S>? = nil, dWeightHH: Variable<S>? = nil, dBiasIH: Variable<S>? = nil, dBiasHH: Variable<S>? = nil
    var dx: [Variable<S>] = []
    func add(_ total: inout Variable<S>?, _ term: Variable<S>) { total = total.map { $0 + term } ?? term }
    for step in stride(from: t - 1, through: 0, by: -1) {
        let (previous, r, z, gate, gn) = states[step]
        let dh = upstream[step] + carry
        let dg = dh * (1 - z) * (1 - gate * gate)
        let dr = dg * gn * r * (1 - r), dz = dh * (previous - gate) * z * (1 - z)
        let dInput = concatenate([dr, dz, dg], alongAxis: 1), dState = concatenate([dr, dz, dg * r], alongAxis: 1)
        dx.append(matmul(dInput, xs[1]).reshaped(to: [n, 1, inputSize]))
        carry = dh * z + matmul(dState, xs[2])
        add(&dWeightIH, matmul(dInput.transposed(), steps[step]))
        add(&dWeightHH, matmul(dState.transposed(), previous))
        add(&dBiasIH, dInput.sum(alongAxes: 0))
        add(&dBiasHH, dState.sum(alongAxes: 0))
    }
    return [concatenate(dx.reversed(), alongAxis: 1), dWeightIH, dWeightHH, dBiasIH, dBiasHH]
}
