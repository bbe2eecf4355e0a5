// The LSTM cell's elementwise part as two fused operations: profiling the names workload showed the composed
// cell (four slices, three sigmoids, two tanh, five products and sums per step, each with its own tensor and
// backward rule, and the slices' gradients padded back to full width) taking most of an epoch. Each fused
// operation reads the gate pre-activations in place and writes one result. Their plain backward pass runs a
// loop; when the backward pass is recorded (createGraph), the pullback is written with Variable operations, so
// it is differentiable again. Tests check both against the composed cell and with central differences.

/// σ(x) = 1 / (1 + e⁻ˣ), computed without overflow (the same formula as AutoDiff's sigmoid).
@inlinable
func logistic<S: TensorScalar>(_ x: S) -> S {
    if x >= 0 { return 1 / (1 + S._exp(-x)) }
    let e = S._exp(x)
    return e / (1 + e)
}

/// tanh x for the cell. For `Float`, from one `exp`: glibc's `tanhf` (through `expm1f`) took a third of an
/// epoch of the names workload. Below |x| = 1/8 an odd Taylor polynomial (truncation error < 1e-11 relative),
/// above it (1 − e^−2|x|) / (1 + e^−2|x|) (a few ulps); `Double` keeps the library's `tanh`.
@inlinable
func cellTanh<S: TensorScalar>(_ x: S) -> S {
    guard S.self == Float.self else { return S._tanh(x) }
    let a = Swift.abs(x)
    if a < 0.125 {
        let x2 = x * x
        let c9: S = 62 / 2835, c7: S = -17 / 315, c5: S = 2 / 15, c3: S = -1 / 3
        let p: S = c3 + x2 * (c5 + x2 * (c7 + x2 * c9))
        return x + x * x2 * p
    }
    let e = S._exp(-2 * a)
    let t = (1 - e) / (1 + e)
    return x < 0 ? -t : t
}

/// The next cell state c' = σ(a_f) ⊙ c + σ(a_i) ⊙ tanh(a_g), from the gate pre-activations `gates` `[N, 4H]`
/// (i, f, g, o) and the cell state `cell` `[N, H]`.
///
/// ```
/// ∂a_i = g_c ⊙ tanh(a_g) ⊙ i(1 − i)   ∂a_f = g_c ⊙ c ⊙ f(1 − f)   ∂a_g = g_c ⊙ i ⊙ (1 − tanh²a_g)   ∂a_o = 0
/// ∂c = g_c ⊙ f
/// ```
func lstmCellState<S>(_ gates: Variable<S>, _ cell: Variable<S>) -> Variable<S> {
    DifferentiableFunction<S>(name: "lstmCellState", forward: { xs in
        cellKernel(xs[0], xs[1]) { a, h, c in
            logistic(a[h]) * c + logistic(a[0]) * cellTanh(a[2 * h])
        }
    }, pullback: { g, xs, _ in
        let (a, c) = (xs[0], xs[1])
        let (n, h) = (c.shape[0], c.shape[1])
        if !g.requiresGrad && !a.requiresGrad && !c.requiresGrad {
            var dc = [S](repeating: 0, count: n * h)
            let da = gateGradient(g.value, a.value, c.value) { a, gc, c, h, j, out in
                let (i, f, t) = (logistic(a[0]), logistic(a[h]), cellTanh(a[2 * h]))
                out[0] = gc * t * i * (1 - i)
                out[h] = gc * c * f * (1 - f)
                out[2 * h] = gc * i * (1 - t * t)
                dc[j] = gc * f
            }
            return [Variable(da, requiresGrad: false), Variable(Tensor(shape: [n, h], scalars: dc), requiresGrad: false)]
        }
        let (i, f, t) = (sigmoid(a[0..<n, 0..<h]), sigmoid(a[0..<n, h..<(2 * h)]), tanh(a[0..<n, (2 * h)..<(3 * h)]))
        let zero = Variable(Tensor<S>.zeros(shape: [n, h]), requiresGrad: false)
        return [concatenate([g * t * i * (1 - i), g * c * f * (1 - f), g * i * (1 - t * t), zero], alongAxis: 1), g * f]
    })(gates, cell)
}

/// The hidden state h = σ(a_o) ⊙ tanh(c), from the gate pre-activations `gates` `[N, 4H]` and the new cell
/// state `cell` `[N, H]`.
///
/// ```
/// ∂a_o = g_h ⊙ tanh(c) ⊙ o(1 − o)   ∂a_i = ∂a_f = ∂a_g = 0   ∂c = g_h ⊙ o ⊙ (1 − tanh²c)
/// ```
func lstmCellOutput<S>(_ gates: Variable<S>, _ cell: Variable<S>) -> Variable<S> {
    DifferentiableFunction<S>(name: "lstmCellOutput", forward: { xs in
        cellKernel(xs[0], xs[1]) { a, h, c in logistic(a[3 * h]) * cellTanh(c) }
    }, pullback: { g, xs, _ in
        let (a, c) = (xs[0], xs[1])
        let (n, h) = (c.shape[0], c.shape[1])
        if !g.requiresGrad && !a.requiresGrad && !c.requiresGrad {
            var dc = [S](repeating: 0, count: n * h)
            let da = gateGradient(g.value, a.value, c.value) { a, gh, c, h, j, out in
                let (o, t) = (logistic(a[3 * h]), cellTanh(c))
                out[3 * h] = gh * t * o * (1 - o)
                dc[j] = gh * o * (1 - t * t)
            }
            return [Variable(da, requiresGrad: false), Variable(Tensor(shape: [n, h], scalars: dc), requiresGrad: false)]
        }
        let o = sigmoid(a[0..<n, (3 * h)..<(4 * h)]), t = tanh(c)
        let zero = Variable(Tensor<S>.zeros(shape: [n, 3 * h]), requiresGrad: false)
        return [concatenate([zero, g * t * o * (1 - o)], alongAxis: 1), g * o * (1 - t * t)]
    })(gates, cell)
}

/// `[N, H]` values of `element(gates row + j, H, c[n, j])`, where the gates row `[4H]` is offset to unit j.
@inline(__always)
func cellKernel<S: TensorScalar>(_ gates: Tensor<S>, _ cell: Tensor<S>,
                                 _ element: (UnsafePointer<S>, Int, S) -> S) -> Tensor<S> {
    let (n, h) = (cell.shape[0], cell.shape[1])
    var out = [S](repeating: 0, count: n * h)
    gates.withUnsafeBufferPointer { a in
        cell.withUnsafeBufferPointer { c in
            out.withUnsafeMutableBufferPointer { y in
                for r in 0..<n {
                    for j in 0..<h { y[r * h + j] = element(a.baseAddress! + r * 4 * h + j, h, c[r * h + j]) }
                }
            }
        }
    }
    return Tensor(shape: [n, h], scalars: out)
}

/// The `[N, 4H]` gradient of the gates: zeros, with `element` writing unit j's entries (offsets 0, H, 2H, 3H
/// from `out`) given the gates row at unit j, the output gradient, the cell value, H and the flat index.
@inline(__always)
func gateGradient<S: TensorScalar>(_ g: Tensor<S>, _ gates: Tensor<S>, _ cell: Tensor<S>,
                                   _ element: (UnsafePointer<S>, S, S, Int, Int, UnsafeMutablePointer<S>) -> Void) -> Tensor<S> {
    let (n, h) = (cell.shape[0], cell.shape[1])
    var out = [S](repeating: 0, count: n * 4 * h)
    gates.withUnsafeBufferPointer { a in
        g.withUnsafeBufferPointer { gy in
            cell.withUnsafeBufferPointer { c in
                out.withUnsafeMutableBufferPointer { d in
                    for r in 0..<n {
                        for j in 0..<h {
                            let k = r * h + j
                            element(a.baseAddress! + r * 4 * h + j, gy[k], c[k], h, k, d.baseAddress! + r * 4 * h + j)
                        }
                    }
                }
            }
        }
    }
    return Tensor(shape: [n, 4 * h], scalars: out)
}
