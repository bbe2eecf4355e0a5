// The LSTM over a whole sequence as one fused operation (what cuDNN and PyTorch's CPU kernel do): the forward
// loop keeps the gate activations and cell states it computes, and the plain backward pass runs
// backpropagation through time over them, with the weight gradients as one product over all steps instead of
// small products per step. The per-step composition (``lstm``'s recorded form) stays the reference: a recorded
// backward pass (createGraph) differentiates it, and tests compare the two.
//
// Everything runs on raw buffers laid out so that no step copies or transposes a tensor: each step is one
// product W·zₜ into the gate buffer (W = [W_ih W_hh], zₜ = [xₜ; hₜ₋₁] read in place with strides), the
// nonlinearities over contiguous runs (the vector kernels for Float), and the cell's update in one loop.

/// What the forward loop keeps for the backward pass, each step's values with the batch along the last axis.
final class LSTMTrace<S: TensorScalar>: @unchecked Sendable {
    /// The weights and the summed bias side by side, W = [W_ih  b_ih + b_hh  W_hh], `[4H, I + 1 + H]`.
    let weight: UnsafeMutablePointer<S>
    /// What W multiplies at each step, `[T·N, I + 1 + H]`: row t·N + r is [x_{r,t}  1  h_{r,t−1}].
    let inputs: UnsafeMutablePointer<S>
    /// Gate activations i, f, g, o, `[T, 4H, N]`.
    let gates: UnsafeMutablePointer<S>
    /// Cell states and their tanh, `[T, H, N]` each.
    let cells: UnsafeMutablePointer<S>, tanhCells: UnsafeMutablePointer<S>
    /// The current step's hidden state `[H, N]` (scratch).
    let hidden: UnsafeMutablePointer<S>

    init(_ n: Int, _ t: Int, _ inputSize: Int, _ h: Int) {
        weight = uninitializedBuffer(4 * h * (inputSize + 1 + h))
        inputs = zeroedBuffer(t * n * (inputSize + 1 + h))       // h = 0 at the first step
        gates = uninitializedBuffer(t * 4 * h * n)
        cells = uninitializedBuffer(t * h * n)
        tanhCells = uninitializedBuffer(t * h * n)
        hidden = uninitializedBuffer(h * n)
    }

    deinit {
        for buffer in [weight, inputs, gates, cells, tanhCells, hidden] { buffer.deallocate() }
    }
}

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
    let (g4, width, hn) = (4 * h, inputSize + 1 + h, h * n)
    let trace = LSTMTrace<S>(n, t, inputSize, h)
    return fusedRecurrence("lstm", [x, weightIH, weightHH, biasIH, biasHH], hiddenSize: h, forward: { xs, out in
        let (weight, z) = (trace.weight, trace.inputs)
        let bias = (xs[3] + xs[4]).scalars
        xs[1].withUnsafeBufferPointer { wih in
            xs[2].withUnsafeBufferPointer { whh in
                for j in 0..<g4 {
                    (weight + j * width).update(from: wih.baseAddress! + j * inputSize, count: inputSize)
                    weight[j * width + inputSize] = bias[j]
                    (weight + j * width + inputSize + 1).update(from: whh.baseAddress! + j * h, count: h)
                }
            }
        }
        xs[0].withUnsafeBufferPointer { x in
            for step in 0..<t {
                for r in 0..<n {
                    (z + (step * n + r) * width).update(from: x.baseAddress! + (r * t + step) * inputSize, count: inputSize)
                    z[(step * n + r) * width + inputSize] = 1
                }
            }
        }
        for step in 0..<t {
            let a = trace.gates + step * g4 * n, c = trace.cells + step * hn, tc = trace.tanhCells + step * hn
            // a = W·zₜ, zₜ read in place ((p, r) at z[(t·N + r)·width + p]); hₜ₋₁ = 0 at the first step. (Zeroed
            // here, not once: the forward computation may run again, as the faulty-rule search does.)
            a.update(repeating: 0, count: g4 * n)
            stridedGemm(weight, width, 1, z + step * n * width, 1, width, a, m: g4,
                        k: step == 0 ? inputSize + 1 : width, n: n)
            sigmoidKernel(a, into: a, count: 2 * hn)
            tanhKernel(a + 2 * hn, into: a + 2 * hn, count: hn)
            sigmoidKernel(a + 3 * hn, into: a + 3 * hn, count: hn)
            let (i, f, g, o) = (a, a + hn, a + 2 * hn, a + 3 * hn)
            if step == 0 {
                for k in 0..<hn { c[k] = i[k] * g[k] }
            } else {
                let previous = c - hn
                for k in 0..<hn { c[k] = f[k] * previous[k] + i[k] * g[k] }
            }
            tanhKernel(c, into: tc, count: hn)
            let hidden = trace.hidden
            for k in 0..<hn { hidden[k] = o[k] * tc[k] }
            // Into the output [N, T, H] and the next step's z (row (t + 1)·N + r, after x and the 1).
            transposeCopy(hidden, rows: h, columns: n, srcStride: n, into: out + step * h, dstStride: t * h)
            if step + 1 < t {
                transposeCopy(hidden, rows: h, columns: n, srcStride: n, into: z + (step + 1) * n * width + inputSize + 1,
                              dstStride: width)
            }
        }
    }, plain: { g in plainLSTMPullback(g, trace, n: n, t: t, inputSize: inputSize, h: h) }, recorded: recordedLSTMPullback)
}

/// Backpropagation through time over the trace of ``fusedLSTM(_:weightIH:weightHH:biasIH:biasHH:)``: from the
/// last step to the first, the gates' gradients dGₜ `[4H, N]` (kept in dG `[4H, T·N]`, column t·N + r) and
/// dzₜ = Wᵀ·dGₜ (the gradients of xₜ and hₜ₋₁); then dW = dG·Z, whose bias column is Σ dG.
///
/// ```
/// dc = dc' + dh ⊙ o ⊙ (1 − tanh²c)      di = dc ⊙ g ⊙ i(1 − i)     df = dc ⊙ c₋₁ ⊙ f(1 − f)
/// dg = dc ⊙ i ⊙ (1 − g²)               do = dh ⊙ tanh c ⊙ o(1 − o)   dc₋₁ = dc ⊙ f
/// ```
func plainLSTMPullback<S>(_ gradient: Tensor<S>, _ trace: LSTMTrace<S>, n: Int, t: Int, inputSize: Int,
                          h: Int) -> [Variable<S>?] {
    let (g4, width, columns, hn) = (4 * h, inputSize + 1 + h, t * n, h * n)
    let weightT: UnsafeMutablePointer<S> = uninitializedBuffer(width * g4)       // Wᵀ [I + 1 + H, 4H]
    let dAll: UnsafeMutablePointer<S> = uninitializedBuffer(g4 * columns)       // every column written
    let dStep: UnsafeMutablePointer<S> = uninitializedBuffer(g4 * n)            // dGₜ [4H, N]
    let dz: UnsafeMutablePointer<S> = zeroedBuffer(width * n), dh: UnsafeMutablePointer<S> = zeroedBuffer(hn)
    let dc: UnsafeMutablePointer<S> = zeroedBuffer(hn), zeros: UnsafeMutablePointer<S> = zeroedBuffer(hn)
    defer { for buffer in [weightT, dAll, dStep, dz, dh, dc, zeros] { buffer.deallocate() } }
    transposeCopy(trace.weight, rows: g4, columns: width, srcStride: width, into: weightT, dstStride: g4)
    var dInputs = [S](repeating: 0, count: n * t * inputSize)
    gradient.withUnsafeBufferPointer { upstream in
        dInputs.withUnsafeMutableBufferPointer { dx in
            for step in stride(from: t - 1, through: 0, by: -1) {
                // dh = ∂L/∂hₜ from the output and from step t + 1 (dz's last H rows, zero at the last step).
                let dhNext = dz + (inputSize + 1) * n
                transposeCopy(upstream.baseAddress! + step * h, rows: n, columns: h, srcStride: t * h, into: dh, dstStride: n)
                for k in 0..<hn { dh[k] += dhNext[k] }
                let a = trace.gates + step * g4 * n, c = trace.cells + step * hn, tc = trace.tanhCells + step * hn
                let (i, f, g, o) = (a, a + hn, a + 2 * hn, a + 3 * hn)
                let previous = step > 0 ? c - hn : zeros
                let (di, df, dg, d0) = (dStep, dStep + hn, dStep + 2 * hn, dStep + 3 * hn)
                // One loop per result (each vectorizes); dc holds dc' on entry and dc₋₁ on exit.
                for k in 0..<hn { dc[k] += dh[k] * o[k] * (1 - tc[k] * tc[k]) }
                for k in 0..<hn { di[k] = dc[k] * g[k] * i[k] * (1 - i[k]) }
                for k in 0..<hn { df[k] = dc[k] * previous[k] * f[k] * (1 - f[k]) }
                for k in 0..<hn { dg[k] = dc[k] * i[k] * (1 - g[k] * g[k]) }
                for k in 0..<hn { d0[k] = dh[k] * tc[k] * o[k] * (1 - o[k]) }
                for k in 0..<hn { dc[k] *= f[k] }
                for j in 0..<g4 { (dAll + j * columns + step * n).update(from: dStep + j * n, count: n) }
                // dzₜ = Wᵀ·dGₜ [I + 1 + H, N]: its first I rows are dxₜᵀ, its last H rows dhₜ₋₁.
                dz.update(repeating: 0, count: width * n)
                stridedGemm(weightT, g4, 1, dStep, n, 1, dz, m: step > 0 ? width : inputSize, k: g4, n: n)
                transposeCopy(dz, rows: inputSize, columns: n, srcStride: n, into: dx.baseAddress! + step * inputSize,
                              dstStride: t * inputSize)
            }
        }
    }
    // dW = dG·Z [4H, I + 1 + H] (Z's rows of the first step hold h = 0), split into W_ih's columns, the bias
    // column and W_hh's columns.
    let dWeight: UnsafeMutablePointer<S> = zeroedBuffer(g4 * width)
    defer { dWeight.deallocate() }
    stridedGemm(dAll, columns, 1, trace.inputs, width, 1, dWeight, m: g4, k: columns, n: width)
    // Columns [first, first + count) of dW, `[4H, count]`.
    func dWeightColumns(_ first: Int, _ count: Int) -> [S] {
        [S](unsafeUninitializedCapacity: g4 * count) { out, initialized in
            for j in 0..<g4 { (out.baseAddress! + j * count).update(from: dWeight + j * width + first, count: count) }
            initialized = g4 * count
        }
    }
    let (dWeightIH, dBias, dWeightHH) = (dWeightColumns(0, inputSize), dWeightColumns(inputSize, 1),
                                         dWeightColumns(inputSize + 1, h))
    let constant = { (shape: [Int], scalars: [S]) in Variable(Tensor(shape: shape, scalars: scalars), requiresGrad: false) }
    let bias = constant([g4], dBias)
    return [constant([n, t, inputSize], dInputs), constant([g4, inputSize], dWeightIH), constant([g4, h], dWeightHH),
            bias, bias]
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
