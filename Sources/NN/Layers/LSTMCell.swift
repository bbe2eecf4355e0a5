// The LSTM cell's elementwise part as three fused operations: profiling the names workload showed the composed
// cell (four slices, three sigmoids, two tanh, five products and sums per step, each with its own tensor and
// backward rule, and the slices' gradients padded back to full width) taking most of an epoch. The gate
// activations are one operation whose rule needs no exponential (it uses its result); the cell and hidden
// states read the activations in place and write one result each. Their plain backward pass runs a
// loop; when the backward pass is recorded (createGraph), the pullback is written with Variable operations, so
// it is differentiable again. Tests check both against the composed cell and with central differences.

import NNKernels

/// The gate activations [σ(a_i), σ(a_f), tanh(a_g), σ(a_o)] of the pre-activations `gates` `[N, 4H]`.
///
/// ```
/// ∂a = g ⊙ y(1 − y) for i, f, o    ∂a = g ⊙ (1 − y²) for g      (from the result y: no exponential)
/// ```
func lstmGateActivations<S>(_ gates: Variable<S>) -> Variable<S> {
    let (n, h4) = (gates.shape[0], gates.shape[1])
    let h = h4 / 4
    return DifferentiableFunction<S>(name: "lstmGateActivations", forward: { xs in
        gateMap(xs[0], xs[0], h) { a, _, isTanh in isTanh ? cellTanh(a) : logistic(a) }
    }, pullback: { g, _, y in
        if !g.requiresGrad && !y.requiresGrad {
            return [Variable(gateMap(y.value, g.value, h) { y, g, isTanh in g * (isTanh ? 1 - y * y : y * (1 - y)) },
                             requiresGrad: false)]
        }
        let sigmoidSlope = y * (1 - y), tanhSlope = 1 - y * y
        let slope = concatenate([sigmoidSlope[0..<n, 0..<(2 * h)], tanhSlope[0..<n, (2 * h)..<(3 * h)],
                                 sigmoidSlope[0..<n, (3 * h)..<h4]], alongAxis: 1)
        return [g * slope]
    })(gates)
}

/// The next cell state c' = f ⊙ c + i ⊙ g from the gate activations `act` `[N, 4H]` (i, f, g, o) and the cell
/// state `cell` `[N, H]`.
///
/// ```
/// ∂i = g_c ⊙ g   ∂f = g_c ⊙ c   ∂g = g_c ⊙ i   ∂o = 0   ∂c = g_c ⊙ f
/// ```
func lstmCellState<S>(_ act: Variable<S>, _ cell: Variable<S>) -> Variable<S> {
    let (n, h) = (cell.shape[0], cell.shape[1])
    return DifferentiableFunction<S>(name: "lstmCellState", forward: { xs in
        units(xs[0], xs[1]) { a, c in a[h] * c + a[0] * a[2 * h] }
    }, pullback: { g, xs, _ in
        let (act, c) = (xs[0], xs[1])
        if !g.requiresGrad && !act.requiresGrad && !c.requiresGrad {
            let (da, dc) = unitGradients(g.value, act.value, c.value) { a, gc, c, d in
                d[0] = gc * a[2 * h]
                d[h] = gc * c
                d[2 * h] = gc * a[0]
                return gc * a[h]
            }
            return [Variable(da, requiresGrad: false), Variable(dc, requiresGrad: false)]
        }
        let (i, f, gg) = (act[0..<n, 0..<h], act[0..<n, h..<(2 * h)], act[0..<n, (2 * h)..<(3 * h)])
        let zero = Variable(Tensor<S>.zeros(shape: [n, h]), requiresGrad: false)
        return [concatenate([g * gg, g * c, g * i, zero], alongAxis: 1), g * f]
    })(act, cell)
}

/// The hidden state h = o ⊙ tanh(c) from the gate activations `act` `[N, 4H]` and the new cell state `cell`.
///
/// ```
/// ∂o = g_h ⊙ tanh c   ∂i = ∂f = ∂g = 0   ∂c = g_h ⊙ o ⊙ (1 − tanh²c)
/// ```
func lstmCellOutput<S>(_ act: Variable<S>, _ cell: Variable<S>) -> Variable<S> {
    let (n, h) = (cell.shape[0], cell.shape[1])
    return DifferentiableFunction<S>(name: "lstmCellOutput", forward: { xs in
        units(xs[0], xs[1]) { a, c in a[3 * h] * cellTanh(c) }
    }, pullback: { g, xs, _ in
        let (act, c) = (xs[0], xs[1])
        if !g.requiresGrad && !act.requiresGrad && !c.requiresGrad {
            let (da, dc) = unitGradients(g.value, act.value, c.value) { a, gh, c, d in
                let t = cellTanh(c)
                d[3 * h] = gh * t
                return gh * a[3 * h] * (1 - t * t)
            }
            return [Variable(da, requiresGrad: false), Variable(dc, requiresGrad: false)]
        }
        let o = act[0..<n, (3 * h)..<(4 * h)], t = tanh(c)
        let zero = Variable(Tensor<S>.zeros(shape: [n, 3 * h]), requiresGrad: false)
        return [concatenate([zero, g * t], alongAxis: 1), g * o * (1 - t * t)]
    })(act, cell)
}

/// `[N, 4H]` values `element(x, y, isTanh)` of two `[N, 4H]` tensors, element by element; `isTanh` is true
/// in the third block of H columns (the g gate).
@inline(__always)
func gateMap<S: TensorScalar>(_ x: Tensor<S>, _ y: Tensor<S>, _ h: Int, _ element: (S, S, Bool) -> S) -> Tensor<S> {
    let count = x.scalarCount
    let out = [S](unsafeUninitializedCapacity: count) { z, initialized in
        x.withUnsafeBufferPointer { a in
            y.withUnsafeBufferPointer { b in
                var k = 0
                while k < count {
                    for block in 0..<4 {
                        let isTanh = block == 2
                        for _ in 0..<h {
                            z[k] = element(a[k], b[k], isTanh)
                            k += 1
                        }
                    }
                }
            }
        }
        initialized = count
    }
    return Tensor(shape: x.shape, scalars: out)
}

/// `[N, H]` values `element(act row at unit j, c[n, j])`: the activations row `[4H]` is offset to unit j.
@inline(__always)
func units<S: TensorScalar>(_ act: Tensor<S>, _ cell: Tensor<S>, _ element: (UnsafePointer<S>, S) -> S) -> Tensor<S> {
    let (n, h) = (cell.shape[0], cell.shape[1])
    let out = [S](unsafeUninitializedCapacity: n * h) { y, initialized in
        act.withUnsafeBufferPointer { a in
            cell.withUnsafeBufferPointer { c in
                for r in 0..<n {
                    for j in 0..<h { y[r * h + j] = element(a.baseAddress! + r * 4 * h + j, c[r * h + j]) }
                }
            }
        }
        initialized = n * h
    }
    return Tensor(shape: [n, h], scalars: out)
}

/// The gradients of a unit-wise operation: `[N, 4H]` for the activations (zeros where `element` writes
/// nothing; it writes unit j's entries at offsets 0, H, 2H, 3H of its last argument) and `[N, H]` for the
/// cell (what `element` returns), given the activations row at unit j, the output gradient and the cell value.
@inline(__always)
func unitGradients<S: TensorScalar>(_ g: Tensor<S>, _ act: Tensor<S>, _ cell: Tensor<S>,
                                    _ element: (UnsafePointer<S>, S, S, UnsafeMutablePointer<S>) -> S) -> (Tensor<S>, Tensor<S>) {
    let (n, h) = (cell.shape[0], cell.shape[1])
    var da = [S](repeating: 0, count: n * 4 * h)
    let dc = [S](unsafeUninitializedCapacity: n * h) { dcBuffer, initialized in
        act.withUnsafeBufferPointer { a in
            g.withUnsafeBufferPointer { gy in
                cell.withUnsafeBufferPointer { c in
                    da.withUnsafeMutableBufferPointer { d in
                        for r in 0..<n {
                            for j in 0..<h {
                                let k = r * h + j
                                dcBuffer[k] = element(a.baseAddress! + r * 4 * h + j, gy[k], c[k], d.baseAddress! + r * 4 * h + j)
                            }
                        }
                    }
                }
            }
        }
        initialized = n * h
    }
    return (Tensor(shape: [n, 4 * h], scalars: da), Tensor(shape: [n, h], scalars: dc))
}
