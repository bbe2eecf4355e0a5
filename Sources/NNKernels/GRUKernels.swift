// The fused GRU's loops on raw buffers (NN's `fusedGRU` records them as one operation; see
// `Sources/NN/Layers/GRUSequence.swift`): the forward loop, which keeps the gate activations, and
// backpropagation through time over them. They need no tape, so they compile beside AutoDiff.

import TensorCore
import TensorLinearAlgebra
import TensorMath

/// What the forward loop keeps for the backward pass, each step's values with the batch along the last axis.
package final class GRUTrace<S: TensorScalar>: @unchecked Sendable {
    /// [W_ih b_ih] `[3H, I + 1]` and [b_hh W_hh] `[3H, 1 + H]`.
    package let weightIH: UnsafeMutablePointer<S>, weightHH: UnsafeMutablePointer<S>
    /// What they multiply: rows t·N + r of `[T·N, I + 1]` are [x_{r,t} 1], of `[T·N, 1 + H]` [1 h_{r,t−1}].
    package let inputs: UnsafeMutablePointer<S>, states: UnsafeMutablePointer<S>
    /// Gate activations r, z, n, `[T, 3H, N]`, and U_n·h + b'_n, `[T, H, N]`.
    package let gates: UnsafeMutablePointer<S>, recurrentN: UnsafeMutablePointer<S>
    /// Scratch: a step's state product `[3H, N]`, and the previous and new hidden states `[H, N]`.
    package let recurrent: UnsafeMutablePointer<S>, previous: UnsafeMutablePointer<S>, hidden: UnsafeMutablePointer<S>

    package init(_ n: Int, _ t: Int, _ inputSize: Int, _ h: Int) {
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

/// The forward loop of the fused GRU (NN's `fusedGRU`): from the inputs' values `xs` (x, W_ih, W_hh, b_ih,
/// b_hh), every hidden state `[N, T, H]` into `out`, row-major, keeping in `trace` what the backward pass needs.
@_specialize(exported: true, where S == Float)
package func gruForward<S: TensorScalar>(_ xs: [Tensor<S>], _ trace: GRUTrace<S>, n: Int, t: Int, inputSize: Int, h: Int,
                                        into out: UnsafeMutablePointer<S>) {
    let (g3, widthI, widthH, hn) = (3 * h, inputSize + 1, 1 + h, h * n)
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
}

/// Backpropagation through time over the trace of ``gruForward(_:_:n:t:inputSize:h:into:)``, from the
/// last step to the first; with gₙ = U_n·h + b'_n and the pre-activations' gradients dGⁱ (of W_ih·x + b_ih)
/// and dGʰ (of U·h + b_hh):
///
/// ```
/// dâₙ = dh ⊙ (1 − z) ⊙ (1 − n²)    dâᵣ = dâₙ ⊙ gₙ ⊙ r(1 − r)    dâ_z = dh ⊙ (h₋₁ − n) ⊙ z(1 − z)
/// dGⁱ = [dâᵣ, dâ_z, dâₙ]   dGʰ = [dâᵣ, dâ_z, dâₙ ⊙ r]   dx = W_ihᵀ·dGⁱ   dh₋₁ = dh ⊙ z + W_hhᵀ·dGʰ
/// ```
/// then the weights' and biases' gradients as dGⁱ·[X 1] and dGʰ·[1 H₋₁] over all steps at once. The gradients of
/// x, W_ih, W_hh, b_ih and b_hh, in that order.
@_specialize(exported: true, where S == Float)
package func gruBackward<S: TensorScalar>(_ gradient: Tensor<S>, _ trace: GRUTrace<S>, n: Int, t: Int, inputSize: Int,
                         h: Int) -> [Tensor<S>] {
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
    func block(_ source: UnsafeMutablePointer<S>, _ width: Int, _ first: Int, _ count: Int) -> Tensor<S> {
        let scalars = [S](unsafeUninitializedCapacity: g3 * count) { out, initialized in
            for j in 0..<g3 { (out.baseAddress! + j * count).update(from: source + j * width + first, count: count) }
            initialized = g3 * count
        }
        return Tensor(shape: count == 1 ? [g3] : [g3, count], scalars: scalars)
    }
    return [Tensor(shape: [n, t, inputSize], scalars: dInputs),
            block(dWI, widthI, 0, inputSize), block(dWH, widthH, 1, h), block(dWI, widthI, inputSize, 1),
            block(dWH, widthH, 0, 1)]
}
