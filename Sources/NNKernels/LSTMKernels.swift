// The fused LSTM's loops on raw buffers (NN's `fusedLSTM` records them as one operation; see
// `Sources/NN/Layers/LSTMSequence.swift`): the forward loop, which keeps the gate activations and cell states,
// and backpropagation through time over them. They need no tape, so they compile beside AutoDiff.

import TensorCore
import TensorLinearAlgebra
import TensorMath

/// What the forward loop keeps for the backward pass, each step's values with the batch along the last axis.
package final class LSTMTrace<S: TensorScalar>: @unchecked Sendable {
    /// The weights and the summed bias side by side, W = [W_ih  b_ih + b_hh  W_hh], `[4H, I + 1 + H]`.
    package let weight: UnsafeMutablePointer<S>
    /// What W multiplies at each step, `[T·N, I + 1 + H]`: row t·N + r is [x_{r,t}  1  h_{r,t−1}].
    package let inputs: UnsafeMutablePointer<S>
    /// Gate activations i, f, g, o, `[T, 4H, N]`.
    package let gates: UnsafeMutablePointer<S>
    /// Cell states and their tanh, `[T, H, N]` each.
    package let cells: UnsafeMutablePointer<S>, tanhCells: UnsafeMutablePointer<S>
    /// The current step's hidden state `[H, N]` (scratch).
    package let hidden: UnsafeMutablePointer<S>

    package init(_ n: Int, _ t: Int, _ inputSize: Int, _ h: Int) {
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

/// The forward loop of the fused LSTM (NN's `fusedLSTM`): from the inputs' values `xs` (x, W_ih, W_hh, b_ih,
/// b_hh), every hidden state `[N, T, H]` into `out`, row-major, keeping in `trace` what the backward pass needs.
@_specialize(exported: true, where S == Float)
package func lstmForward<S: TensorScalar>(_ xs: [Tensor<S>], _ trace: LSTMTrace<S>, n: Int, t: Int, inputSize: Int, h: Int,
                                        into out: UnsafeMutablePointer<S>) {
    let (g4, width, hn) = (4 * h, inputSize + 1 + h, h * n)
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
}

/// Backpropagation through time over the trace of ``lstmForward(_:_:n:t:inputSize:h:into:)``: from the
/// last step to the first, the gates' gradients dGₜ `[4H, N]` (kept in dG `[4H, T·N]`, column t·N + r) and
/// dzₜ = Wᵀ·dGₜ (the gradients of xₜ and hₜ₋₁); then dW = dG·Z, whose bias column is Σ dG. The gradients of x, W_ih, W_hh and the bias (both biases
/// get it), in that order.
///
/// ```
/// dc = dc' + dh ⊙ o ⊙ (1 − tanh²c)      di = dc ⊙ g ⊙ i(1 − i)     df = dc ⊙ c₋₁ ⊙ f(1 − f)
/// dg = dc ⊙ i ⊙ (1 − g²)               do = dh ⊙ tanh c ⊙ o(1 − o)   dc₋₁ = dc ⊙ f
/// ```
@_specialize(exported: true, where S == Float)
package func lstmBackward<S: TensorScalar>(_ gradient: Tensor<S>, _ trace: LSTMTrace<S>, n: Int, t: Int, inputSize: Int,
                          h: Int) -> [Tensor<S>] {
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
    return [Tensor(shape: [n, t, inputSize], scalars: dInputs), Tensor(shape: [g4, inputSize], scalars: dWeightIH),
            Tensor(shape: [g4, h], scalars: dWeightHH), Tensor(shape: [g4], scalars: dBias)]
}
