import NN

/// Chapter 3: forward and backward through one layer, the tape against the textbook's hand-derived formulas.
func layerChapter(_ context: Context) throws {
    context.say("""
    One layer ŷ = σ(z) with z = x·Wᵀ + b, and the loss L = mean((ŷ − y)²) over a batch of N samples
    and K outputs. The textbook derives by hand:
      δ = ∂L/∂z = (2 / NK)·(ŷ − y) ⊙ σ'(z),   σ'(z) = ŷ(1 − ŷ)
      ∂L/∂W = δᵀ·x,   ∂L/∂b = Σ over the batch of δ
    The tape computes the same by applying each operation's rule in reverse.
    """)
    var rng = SeededGenerator(seed: context.seed)
    let x = Tensor<Double>.randomNormal(shape: [4, 3], using: &rng)
    let y = Tensor<Double>([[0, 1], [1, 0], [1, 1], [0, 0]])
    let W = Variable(Tensor<Double>.randomNormal(shape: [2, 3], using: &rng))
    let b = Variable(Tensor<Double>([0.1, -0.2]))
    let yHat = sigmoid(matmul(x, W.transposed()) + b)
    let loss = ((yHat - y) * (yHat - y)).mean()
    loss.backward()
    let p = yHat.value
    let delta = (p - y) * p * (1 - p) * (2.0 / 8)
    let dW = matmul(delta.transposed(), x)
    let db = delta.sum(alongAxes: 0)
    func maxDifference(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
        zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
    }
    context.say("  loss = \(format(loss.scalar, 6))")
    context.say("  ∂L/∂W by hand:\n\(dW.description.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))")
    context.say("  ∂L/∂W from the tape:\n\(W.grad!.description.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))")
    context.say("  largest difference: W \(maxDifference(dW, W.grad!)), b \(maxDifference(db, b.grad!))")
    let report = checkGradients(of: { vs in
        let out = sigmoid(matmul(x, vs[0].transposed()) + vs[1])
        return ((out - y) * (out - y)).mean()
    }, at: [W.value, b.value])
    context.say("  and against finite differences: \(report)")
}
