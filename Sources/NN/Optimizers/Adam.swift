internal import CKernels
/// Adam, as in PyTorch's `torch.optim.Adam` (weight decay added to the gradient, "L2"):
///
/// ```
/// g ← ∇θ + λθ
/// m ← β₁m + (1 − β₁)g        v ← β₂v + (1 − β₂)g²
/// θ ← θ − η · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
/// ```
///
/// A moment smaller in magnitude than the smallest normal `Float` (about 1.2·10⁻³⁸) is set to 0. The moments
/// of a parameter whose gradient stays 0 (a weight of a pixel that is blank in every image) decay towards
/// that range, where subnormal arithmetic is some 100× slower on x86; the update changes by less than
/// 10⁻³⁸·η. (XLA flushes subnormals on the CPU too; PyTorch by default does not.)
///
/// Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, <https://arxiv.org/abs/1412.6980>.
public class Adam: Optimizer {
    public let parameters: [Variable<Float>]
    public var learningRate: Float
    /// The decay rate of the first-moment (mean) estimate, β₁.
    public let beta1: Float
    /// The decay rate of the second-moment estimate, β₂.
    public let beta2: Float
    /// The term ε added to the denominator for numerical stability.
    public let epsilon: Float
    /// The L2 weight decay λ added to the gradient.
    public let weightDecay: Float
    /// The number of steps taken.
    public private(set) var stepCount = 0
    private var m: Slots
    private var v: Slots

    /// An optimizer for `parameters` (PyTorch's defaults).
    public init(parameters: [Variable<Float>], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        m = Slots(count: parameters.count)
        v = Slots(count: parameters.count)
    }

    /// An optimizer for the parameters of `model`.
    public convenience init(for model: some Layer, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                            epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.init(parameters: model.parameters, learningRate: learningRate, beta1: beta1, beta2: beta2,
                  epsilon: epsilon, weightDecay: weightDecay)
    }

    /// Weight decay applied directly to the parameters before the step (AdamW); 0 for Adam.
    var decoupledDecay: Float { 0 }

    public func step() {
        stepCount += 1
        let t = Float(stepCount)
        let correction1 = 1 - pow(beta1, t), correction2 = 1 - pow(beta2, t)
        let (b1, b2, eta, eps, wd, dd) = (beta1, beta2, learningRate, epsilon, weightDecay, decoupledDecay)
        for (i, p) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            // One pass over the elements, updating the moments in place (no temporary tensors):
            // the same arithmetic, in the same order, as the formulas above.
            var mi = m.values[i] ?? .zeros(like: g)
            var vi = v.values[i] ?? .zeros(like: g)
            m.values[i] = nil
            v.values[i] = nil
            p.updateValue { theta in
                theta.withUnsafeMutableBufferPointer { th in
                    mi.withUnsafeMutableBufferPointer { mb in
                        vi.withUnsafeMutableBufferPointer { vb in
                            g.withUnsafeBufferPointer { gb in
                                var start = 0
                                if wd == 0 && dd == 0 {
                                    // The common case: sixteen (AVX-512, in C), then four elements at a time, with
                                    // the same operations as the loop below, so the same bits; the loop does the rest.
                                    let vectorEnd = th.count / 4 * 4
                                    let thp = UnsafeMutableRawPointer(th.baseAddress!), mp = UnsafeMutableRawPointer(mb.baseAddress!)
                                    let vp = UnsafeMutableRawPointer(vb.baseAddress!), gp = UnsafeRawPointer(gb.baseAddress!)
                                    let b1v = SIMD4<Float>(repeating: b1), b2v = SIMD4<Float>(repeating: b2)
                                    let ob1 = SIMD4<Float>(repeating: 1 - b1), ob2 = SIMD4<Float>(repeating: 1 - b2)
                                    let etav = SIMD4<Float>(repeating: eta), epsv = SIMD4<Float>(repeating: eps)
                                    let c1 = SIMD4<Float>(repeating: correction1), c2 = SIMD4<Float>(repeating: correction2)
                                    let tiny = SIMD4<Float>(repeating: .leastNormalMagnitude)
                                    start = autodiff_adam_update(th.baseAddress, mb.baseAddress, vb.baseAddress, gb.baseAddress,
                                                                 th.count, b1, b2, eta, eps, correction1, correction2)
                                    while start < vectorEnd {
                                        let offset = start * 4
                                        let gk = gp.loadUnaligned(fromByteOffset: offset, as: SIMD4<Float>.self)
                                        var mk = mp.loadUnaligned(fromByteOffset: offset, as: SIMD4<Float>.self) * b1v + gk * ob1
                                        var vk = vp.loadUnaligned(fromByteOffset: offset, as: SIMD4<Float>.self) * b2v + gk * gk * ob2
                                        mk.replace(with: 0, where: (mk .< tiny) .& (mk .> -tiny))
                                        vk.replace(with: 0, where: (vk .< tiny) .& (vk .> -tiny))
                                        mp.storeBytes(of: mk, toByteOffset: offset, as: SIMD4<Float>.self)
                                        vp.storeBytes(of: vk, toByteOffset: offset, as: SIMD4<Float>.self)
                                        let t = thp.loadUnaligned(fromByteOffset: offset, as: SIMD4<Float>.self)
                                        let step = etav * (mk / c1) / ((vk / c2).squareRoot() + epsv)
                                        thp.storeBytes(of: t - step, toByteOffset: offset, as: SIMD4<Float>.self)
                                        start += 4
                                    }
                                }
                                for k in start..<th.count {
                                    let original = th[k]
                                    var gk = gb[k]
                                    if wd != 0 { gk = gk + original * wd }
                                    var value = original
                                    if dd != 0 { value = value * (1 - eta * dd) }
                                    var mk = mb[k] * b1 + gk * (1 - b1)
                                    var vk = vb[k] * b2 + gk * gk * (1 - b2)
                                    if Swift.abs(mk) < .leastNormalMagnitude { mk = 0 }
                                    if Swift.abs(vk) < .leastNormalMagnitude { vk = 0 }
                                    mb[k] = mk
                                    vb[k] = vk
                                    th[k] = value - eta * (mk / correction1) / ((vk / correction2).squareRoot() + eps)
                                }
                            }
                        }
                    }
                }
            }
            m.values[i] = mi
            v.values[i] = vi
        }
    }
}

/// AdamW: Adam with weight decay decoupled from the gradient (θ ← θ − ηλθ before the Adam step), as in
/// PyTorch's `torch.optim.AdamW` (default λ = 0.01).
///
/// Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019, <https://arxiv.org/abs/1711.05101>.
public final class AdamW: Adam {
    private let decay: Float

    /// An optimizer for `parameters` (PyTorch's defaults).
    public init(parameters: [Variable<Float>], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, decoupledWeightDecay: Float = 0.01) {
        decay = decoupledWeightDecay
        super.init(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon)
    }

    /// An optimizer for the parameters of `model`.
    public convenience init(for model: some Layer, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                            epsilon: Float = 1e-8, decoupledWeightDecay: Float = 0.01) {
        self.init(parameters: model.parameters, learningRate: learningRate, beta1: beta1, beta2: beta2,
                  epsilon: epsilon, decoupledWeightDecay: decoupledWeightDecay)
    }

    override var decoupledDecay: Float { decay }
}

func pow(_ x: Float, _ y: Float) -> Float { Float._pow(x, y) }
