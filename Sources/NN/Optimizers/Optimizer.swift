/// Updates parameters from their gradients. The loop every optimizer supports:
///
/// ```swift
/// optimizer.zeroGrad()
/// let loss = softmaxCrossEntropy(logits: model(x), labels: labels)
/// loss.backward()
/// optimizer.step()
/// ```
///
/// Parameters whose gradient is nil (not reached by the last backward pass) are left alone, as in PyTorch.
/// The library's optimizers are written on ``OptimizerBase``, each as its update rule.
public protocol Optimizer: AnyObject {
    /// The parameters it updates.
    var parameters: [Variable<Float>] { get }
    /// The step size; schedules and callbacks change it between epochs.
    var learningRate: Float { get set }
    /// Applies one update to every parameter that has a gradient.
    func step()
}

extension Optimizer {
    /// Sets every parameter's gradient back to nil.
    public func zeroGrad() {
        for p in parameters { p.zeroGrad() }
    }
}

/// Scales all gradients so that their global L2 norm is at most `maxNorm` (PyTorch's `clip_grad_norm_`);
/// returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Variable<Float>], maxNorm: Float) -> Float {
    var total: Float = 0
    for p in parameters { if let g = p.grad { total += (g * g).sum().scalar } }
    let norm = total.squareRoot()
    let scale = maxNorm / (norm + 1e-6)
    if scale < 1 {
        for p in parameters { if let g = p.grad { p.grad = g * scale } }
    }
    return norm
}
