// The GRU over a whole sequence as one fused operation, built like the LSTM's (`LSTMSequence.swift`): composed
// step by step, a GRU epoch of the names workload took 2.4× the fused LSTM's. The forward loop keeps the gate
// activations; the plain backward pass runs backpropagation through time on raw buffers, with the weight and
// bias gradients as one product over all steps; a recorded backward pass (createGraph) is written with
// differentiable operations. The per-step composition (``gru``'s `fused: false`) stays the reference.
//
// The n gate needs U_n·h + b'_n on its own (r multiplies it), so each step has two products: the input's
// [W_ih b_ih]·[xₜ; 1] and the state's [b_hh W_hh]·[1; hₜ₋₁], each `[3H, N]` with the batch as columns.

/// What the forward loop keeps for the backward pass, each step's values with the batch along the last axis.
final class GRUTrace<S: TensorScalar>: @unchecked Sendable {
    /// [W_ih b_ih] `[3H, I + 1]` and [b_hh W_hh] `[3H, 1 + H]`.
    let weightIH: UnsafeMutablePointer<S>, weightHH: UnsafeMutablePointer<S>
    /// What they multiply: rows t·N + r of `[T·N, I + 1]` are [x_{r,t} 1], of `[T·N, 1 + H]` [1 h_{r,t−1}].
    let inputs: UnsafeMutablePointer<S>, states: UnsafeMutablePointer<S>
    /// Gate activations r, z, n, `[T, 3H, N]`, and U_n·h + b'_n, `[T, H, N]`.
    let gates: UnsafeMutablePointer<S>, recurrentN: UnsafeMutablePointer<S>
    /// Scratch: a step's state product `[3H, N]`, and the previous and new hidden states `[H, N]`.
    let recurrent: UnsafeMutablePointer<S>, previous: UnsafeMutablePointer<S>, hidden: UnsafeMutablePointer<S>

    init(_ n: Int, _ t: Int, _ inputSize: Int, _ h: Int) {
        weightIH = uninitializedBuffer(3 * h * (inputSize + 1))
        weightHH = uninitializedBuffer(3 * h * (1 + h))
        inputs = uninitializedBuffer(t * n * (inputSize + 1))
        states = zeroedBuffer(t * n * (1 + h))                   // h = 0 at the first step
        gates = uninitializedBuffer(t * 3 * h * n)
        recurrentN = uninitializedBuffer(t * h * n)
        recurrent = uninitializedBuffer(3 * h * n)
        previous = zeroedBuffer(h * n)
        hidden = uninitializedBuffer(h * n)
    }

    deinit {
        for buffer in [weightIH, weightHH, inputs, states, gates, recurrentN, recurrent, previous, hidden] {
            buffer.deallocate()
        }
    }
}

/// Every hidden state `[N, T, H]` of a GRU over `x` `[N, T, I]`, as one operation (see
/// ``gru(_:weightIH:weightHH:biasIH:biasHH:)`` for the equations).
func fusedGRU<S>(_ x: Variable<S>, weightIH: Variable<S>, weightHH: Variable<S>, biasIH: Variable<S>,
                 biasHH: Variable<S>) -> Variable<S> {
    let (n, t, inputSize) = (x.shape[0], x.shape[1], x.shape[2])
    let h = weightHH.shape[1]
    let (g3, widthI, widthH, hn) = (3 * h, inputSize + 1, 1 + h, h * n)
    let trace = GRUTrace<S>(n, t, inputSize, h)
    return fusedRecurrence("gru", [x, weightIH, weightHH, biasIH, biasHH], hiddenSize: h, forward: { xs, out in
        let (wi, wh, xin, hin) = (trace.weightIH, trace.weightHH, trace.inputs, trace.states)
        xs[1].withUnsafeBufferPointer { w in
            xs[3].withUnsafeBufferPointer { b in
                for j in 0..<g3 {
                    (wi + j * widthI).update(from: w.baseAddress! + j * inputSize, count: inputSize)
                    wi[j * widthI + inputSize] = b[j]
                }
            }
        }
        xs[2].withUnsafeBufferPointer { w in
            xs[4].withUnsafeBufferPointer { b in
                for j in 0..<g3 {
                    wh[j * widthH] = b[j]
                    (wh + j * widthH + 1).update(from: w.baseAddress! + j * h, count: h)
                }
            }
        }
        xs[0].withUnsafeBufferPointer { x in
            for step in 0..<t {
                for r in 0..<n {
                    (xin + (step * n + r) * widthI).update(from: x.baseAddress! + (r * t + step) * inputSize, count: inputSize)
                    xin[(step * n + r) * widthI + inputSize] = 1
                    hin[(step * n + r) * widthH] = 1
                }
            }
        }
        let (rec, previous, hidden) = (trace.recurrent, trace.previous, trace.hidden)
        previous.update(repeating: 0, count: hn)
        for step in 0..<t {
            let a = trace.gates + step * g3 * n
            // a = [W_ih b_ih]·[xₜ; 1], rec = [b_hh W_hh]·[1; hₜ₋₁] (just b_hh at the first step, where h = 0),
            // both zeroed first (the products accumulate, and the forward computation may run again).
            a.update(repeating: 0, count: g3 * n)
            stridedGemm(wi, widthI, 1, xin + step * n * widthI, 1, widthI, a, m: g3, k: widthI, n: n)
            rec.update(repeating: 0, count: g3 * n)
            stridedGemm(wh, widthH, 1, hin + step * n * widthH, 1, widthH, rec, m: g3, k: step == 0 ? 1 : widthH, n: n)
            for k in 0..<(2 * hn) { a[k] += rec[k] }
            sigmoidKernel(a, into: a, count: 2 * hn)
            let (r, z, g, ghn) = (a, a + hn, a + 2 * hn, rec + 2 * hn)
            (trace.recurrentN + step * hn).update(from: ghn, count: hn)
            for k in 0..<hn { g[k] += r[k] * ghn[k] }
            tanhKernel(g, into: g, count: hn)
            for k in 0..<hn { hidden[k] = g[k] + z[k] * (previous[k] - g[k]) }
            transposeCopy(hidden, rows: h, columns: n, srcStride: n, into: out + step * h, dstStride: t * h)
            if step + 1 < t {
                transposeCopy(hidden, rows: h, columns: n, srcStride: n, into: hin + (step + 1) * n * widthH + 1,
                              dstStride: widthH)
            }
            previous.update(from: hidden, count: hn)
        }
    }, plain: { g in plainGRUPullback(g, trace, n: n, t: t, inputSize: inputSize, h: h) }, recorded: recordedGRUPullback)
}

/// Backpropagation through time over the trace of ``fusedGRU(_:weightIH:weightHH:biasIH:biasHH:)``, from the
/// last step to the first; with gₙ = U_n·h + b'_n and the pre-activations' gradients dGⁱ (of W_ih·x + b_ih)
/// and dGʰ (of U·h + b_hh):
///
/// ```
/// dâₙ = dh ⊙ (1 − z) ⊙ (1 − n²)    dâᵣ = dâₙ ⊙ gₙ ⊙ r(1 − r)    dâ_z = dh ⊙ (h₋₁ − n) ⊙ z(1 − z)
/// dGⁱ = [dâᵣ, dâ_z, dâₙ]   dGʰ = [dâᵣ, dâ_z, dâₙ ⊙ r]   dx = W_ihᵀ·dGⁱ   dh₋₁ = dh ⊙ z + W_hhᵀ·dGʰ
/// ```
/// then the weights' and biases' gradients as dGⁱ·[X 1] and dGʰ·[1 H₋₁] over all steps at once.
func plainGRUPullback<S>(_ gradient: Tensor<S>, _ trace: GRUTrace<S>, n: Int, t: Int, inputSize: Int,
                         h: Int) -> [Variable<S>?] {
    let (g3, widthI, widthH, columns, hn) = (3 * h, inputSize + 1, 1 + h, t * n, h * n)
    let wiT: UnsafeMutablePointer<S> = uninitializedBuffer(widthI * g3), whT: UnsafeMutablePointer<S> = uninitializedBuffer(widthH * g3)
    let dInputAll: UnsafeMutablePointer<S> = uninitializedBuffer(g3 * columns)     // dGⁱ [3H, T·N], every column written
    let dStateAll: UnsafeMutablePointer<S> = uninitializedBuffer(g3 * columns)     // dGʰ
    let dInput: UnsafeMutablePointer<S> = uninitializedBuffer(g3 * n), dState: UnsafeMutablePointer<S> = uninitializedBuffer(g3 * n)
    let dx: UnsafeMutablePointer<S> = uninitializedBuffer(inputSize * n), dhProduct: UnsafeMutablePointer<S> = uninitializedBuffer(hn)
    let dh: UnsafeMutablePointer<S> = uninitializedBuffer(hn), carry: UnsafeMutablePointer<S> = zeroedBuffer(hn)
    let previous: UnsafeMutablePointer<S> = uninitializedBuffer(hn)
    defer { for buffer in [wiT, whT, dInputAll, dStateAll, dInput, dState, dx, dhProduct, dh, carry, previous] { buffer.deallocate() } }
    transposeCopy(trace.weightIH, rows: g3, columns: widthI, srcStride: widthI, into: wiT, dstStride: g3)
    transposeCopy(trace.weightHH, rows: g3, columns: widthH, srcStride: widthH, into: whT, dstStride: g3)
    var dInputs = [S](repeating: 0, count: n * t * inputSize)
    gradient.withUnsafeBufferPointer { upstream in
        dInputs.withUnsafeMutableBufferPointer { dInputs in
            for step in stride(from: t - 1, through: 0, by: -1) {
                // dh = ∂L/∂hₜ from the output and from step t + 1; h₋₁ from the state rows (zeros at the first step).
                transposeCopy(upstream.baseAddress! + step * h, rows: n, columns: h, srcStride: t * h, into: dh, dstStride: n)
                for k in 0..<hn { dh[k] += carry[k] }
                transposeCopy(trace.states + step * n * widthH + 1, rows: n, columns: h, srcStride: widthH, into: previous,
                              dstStride: n)
                let a = trace.gates + step * g3 * n, gn = trace.recurrentN + step * hn
                let (r, z, g) = (a, a + hn, a + 2 * hn)
                let (dr, dz, dg) = (dInput, dInput + hn, dInput + 2 * hn)
                // One loop per result (each vectorizes).
                for k in 0..<hn { dg[k] = dh[k] * (1 - z[k]) * (1 - g[k] * g[k]) }
                for k in 0..<hn { dr[k] = dg[k] * gn[k] * r[k] * (1 - r[k]) }
                for k in 0..<hn { dz[k] = dh[k] * (previous[k] - g[k]) * z[k] * (1 - z[k]) }
                dState.update(from: dInput, count: 2 * hn)
                for k in 0..<hn { dState[2 * hn + k] = dg[k] * r[k] }
                for k in 0..<hn { carry[k] = dh[k] * z[k] }
                for j in 0..<g3 {
                    (dInputAll + j * columns + step * n).update(from: dInput + j * n, count: n)
                    (dStateAll + j * columns + step * n).update(from: dState + j * n, count: n)
                }
                // dxₜᵀ = W_ihᵀ·dGⁱₜ [I, N]; dhₜ₋₁ += W_hhᵀ·dGʰₜ [H, N] (Wᵀ's rows after the bias row).
                dx.update(repeating: 0, count: inputSize * n)
                stridedGemm(wiT, g3, 1, dInput, n, 1, dx, m: inputSize, k: g3, n: n)
                transposeCopy(dx, rows: inputSize, columns: n, srcStride: n, into: dInputs.baseAddress! + step * inputSize,
                              dstStride: t * inputSize)
                if step > 0 {
                    dhProduct.update(repeating: 0, count: hn)
                    stridedGemm(whT + g3, g3, 1, dState, n, 1, dhProduct, m: h, k: g3, n: n)
                    for k in 0..<hn { carry[k] += dhProduct[k] }
                }
            }
        }
    }
    // [dW_ih db_ih] = dGⁱ·[X 1] and [db_hh dW_hh] = dGʰ·[1 H₋₁] (the state rows of the first step hold h = 0).
    let dWI: UnsafeMutablePointer<S> = zeroedBuffer(g3 * widthI), dWH: UnsafeMutablePointer<S> = zeroedBuffer(g3 * widthH)
    defer { dWI.deallocate(); dWH.deallocate() }
    stridedGemm(dInputAll, columns, 1, trace.inputs, widthI, 1, dWI, m: g3, k: columns, n: widthI)
    stridedGemm(dStateAll, columns, 1, trace.states, widthH, 1, dWH, m: g3, k: columns, n: widthH)
    func block(_ source: UnsafeMutablePointer<S>, _ width: Int, _ first: Int, _ count: Int) -> Variable<S> {
        let scalars = [S](unsafeUninitializedCapacity: g3 * count) { out, initialized in
            for j in 0..<g3 { (out.baseAddress! + j * count).update(from: source + j * width + first, count: count) }
            initialized = g3 * count
        }
        return Variable(Tensor(shape: count == 1 ? [g3] : [g3, count], scalars: scalars), requiresGrad: false)
    }
    return [Variable(Tensor(shape: [n, t, inputSize], scalars: dInputs), requiresGrad: false),
            block(dWI, widthI, 0, inputSize), block(dWH, widthH, 1, h), block(dWI, widthI, inputSize, 1),
            block(dWH, widthH, 0, 1)]
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
