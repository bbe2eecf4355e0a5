import NN
import TourDocument

/// Chapter 3: forward and backward through one layer, the tape against the textbook's hand-derived formulas.
@_optimize(none) package func layerChapter(_ context: Context) throws {
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
    @_optimize(none) func layerLoss(_ vs: [Variable<Double>]) -> Variable<Double> {
        let out = sigmoid(matmul(x, vs[0].transposed()) + vs[1])
        return ((out - y) * (out - y)).mean()
    }
    let report = checkGradients(of: layerLoss, at: [W.value, b.value])
    context.say("  and against finite differences: \(report)")

    context.say("""

    The textbook then writes a Neuron and a NeuralNetwork class with forward() and a hand-derived backward().
    Here the classes keep only forward(); backward comes from the tape, so any layer sizes or activations work.
    """)
    let network = NeuralNetwork(sizes: [2, 4, 1], using: &rng)
    let inputs = Tensor<Double>([[0, 0], [0, 1], [1, 0], [1, 1]]), targets = Tensor<Double>([[0], [1], [1], [1]])
    for step in 1...300 {
        let loss = network.train(inputs, targets, learningRate: 1)
        if step % 100 == 0 { context.say("  step \(step)  loss \(format(loss, 6))") }
    }
    context.say("  OR learned: \(network.forward(inputs).value.scalars.map { format($0, 3) })")

    context.say("""

    Initialization matters: in a deep network the spread of the activations is multiplied at every layer.
    Ten tanh layers of 100 units, on the same input, with three initial weight scales:
    """)
    let input = Tensor<Double>.randomNormal(shape: [64, 100], using: &rng)
    for (name, initializer) in [("normal σ = 1", Initializer.normal(mean: 0, standardDeviation: 1)),
                                ("normal σ = 0.01", Initializer.normal(mean: 0, standardDeviation: 0.01)),
                                ("Xavier", Initializer.xavierNormal)] {
        var h = input
        var spreads: [String] = []
        for _ in 0..<10 {
            var generator = rng
            let w = Tensor<Double>(initializer.tensor(shape: [100, 100], fans: (100, 100), using: &generator))
            rng = generator
            h = tanh(matmul(h, w))
            let mean = h.mean().scalar
            spreads.append(format(((h - mean) * (h - mean)).mean().scalar.squareRoot(), 3))
        }
        context.say("  \(name.padding(toLength: 16, withPad: " ", startingAt: 0)) spread by layer: \(spreads.joined(separator: " "))")
    }
    context.say("  Too large saturates tanh (spread near 1: gradients vanish); too small shrinks the signal to 0;")
    context.say("  Xavier (σ = √(2 / (fan in + fan out))) keeps it alive through all ten layers.")
}

/// The textbook's neuron: z = Σ wᵢxᵢ + b, then an activation. Only the forward pass is written.
struct Neuron {
    let weights: Variable<Double>
    let bias: Variable<Double>

    @_optimize(none) init(inputs: Int, using generator: inout SeededGenerator) {
        weights = Variable(Tensor<Double>.randomNormal(shape: [inputs], using: &generator))
        bias = Variable(Tensor<Double>(0))
    }

    /// The neuron's output for a batch `x` of shape [samples, inputs].
    @_optimize(none) func forward(_ x: Variable<Double>) -> Variable<Double> {
        sigmoid(matmul(x, weights) + bias)
    }
}

/// The textbook's network of neurons, layer by layer; `train` runs forward, then the tape's backward, then
/// a gradient-descent step: no hand-derived backward pass.
final class NeuralNetwork {
    let layers: [[Neuron]]

    @_optimize(none) init(sizes: [Int], using generator: inout SeededGenerator) {
        layers = (1..<sizes.count).map { l in (0..<sizes[l]).map { _ in Neuron(inputs: sizes[l - 1], using: &generator) } }
    }

    @_optimize(none) func forward(_ x: Tensor<Double>) -> Variable<Double> {
        var h = Variable(x, requiresGrad: false)
        for layer in layers {
            let outputs = layer.map { $0.forward(h).reshaped(to: [-1, 1]) }
            h = concatenate(outputs, alongAxis: 1)
        }
        return h
    }

    /// One step of gradient descent on the mean squared error; returns the loss before the step.
    @_optimize(none) func train(_ x: Tensor<Double>, _ y: Tensor<Double>, learningRate: Double) -> Double {
        let prediction = forward(x)
        let loss = ((prediction - y) * (prediction - y)).mean()
        let parameters = layers.flatMap { $0.flatMap { [$0.weights, $0.bias] } }
        for p in parameters { p.zeroGrad() }
        loss.backward()
        @_optimize(none) func step() {
            for p in parameters { p.value = p.value - p.grad! * learningRate }
        }
        withoutGradients(step)
        return loss.scalar
    }
}
