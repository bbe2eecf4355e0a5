import Foundation
import Testing
import NN

/// Seeded inputs in [-1, 1] for the gradient checks.
func seeded(_ shapes: [[Int]], seed: UInt64 = 3) -> [Tensor<Double>] {
    var rng = SeededGenerator(seed: seed)
    return shapes.map { Tensor<Double>.randomUniform(shape: $0, lowerBound: -1, upperBound: 1, using: &rng) }
}

/// A fixed, uneven weighting, so that a scalar made of an output depends on each element differently.
func weighted(_ y: Variable<Double>) -> Variable<Double> {
    (y * (Tensor<Double>.arange(0, Double(y.scalarCount)) * 0.37 + 0.5).reshaped(to: y.shape)).sum()
}

@Suite("Sequence layers: gradient checks in Double and hand-computed values")
struct SequenceLayerTests {
    @Test("lstm: gradients for the input, both weights and both biases match central differences (N 2, T 3, I 2, H 2)")
    func lstmGradients() {
        let report = checkGradients(of: { xs in
            weighted(lstm(xs[0], weightIH: xs[1], weightHH: xs[2], biasIH: xs[3], biasHH: xs[4]))
        }, at: seeded([[2, 3, 2], [8, 2], [8, 2], [8], [8]]))
        #expect(report.passed, "\(report)")
        let second = checkSecondOrderGradients(of: { xs in
            weighted(lstm(xs[0], weightIH: xs[1], weightHH: xs[2], biasIH: xs[3], biasHH: xs[4]))
        }, at: seeded([[1, 2, 1], [4, 1], [4, 1], [4], [4]]))
        #expect(second.passed, "\(second)")
    }

    @Test("gru: gradients for the input, both weights and both biases match central differences (N 2, T 3, I 2, H 2)")
    func gruGradients() {
        let report = checkGradients(of: { xs in
            weighted(gru(xs[0], weightIH: xs[1], weightHH: xs[2], biasIH: xs[3], biasHH: xs[4]))
        }, at: seeded([[2, 3, 2], [6, 2], [6, 2], [6], [6]]))
        #expect(report.passed, "\(report)")
        let second = checkSecondOrderGradients(of: { xs in
            weighted(gru(xs[0], weightIH: xs[1], weightHH: xs[2], biasIH: xs[3], biasHH: xs[4]))
        }, at: seeded([[1, 2, 1], [3, 1], [3, 1], [3], [3]]))
        #expect(second.passed, "\(second)")
    }

    @Test("layerNorm: gradients for input, weight and bias, first and second order")
    func layerNormGradients() {
        let f: ([Variable<Double>]) -> Variable<Double> = { xs in weighted(layerNorm(xs[0], weight: xs[1], bias: xs[2])) }
        let report = checkGradients(of: f, at: seeded([[2, 3, 4], [4], [4]]))
        #expect(report.passed, "\(report)")
        let second = checkSecondOrderGradients(of: f, at: seeded([[2, 3], [3], [3]]))
        #expect(second.passed, "\(second)")
    }

    @Test("multiHeadAttention: gradients for the input and all four projections, causal and not (N 2, T 3, E 4, 2 heads)",
          arguments: [false, true])
    func attentionGradients(causal: Bool) {
        let report = checkGradients(of: { xs in
            weighted(multiHeadAttention(xs[0], headCount: 2, inProjectionWeight: xs[1], inProjectionBias: xs[2],
                                        outProjectionWeight: xs[3], outProjectionBias: xs[4], causal: causal))
        }, at: seeded([[2, 3, 4], [12, 4], [12], [4, 4], [4]]))
        #expect(report.passed, "\(report)")
    }

    @Test("scaledDotProductAttention with more keys than queries (S 4, T 3, dᵥ 3): gradients for query, key and value, causal and not",
          arguments: [false, true])
    func attentionKeysAndQueries(causal: Bool) {
        let report = checkGradients(of: { xs in
            weighted(scaledDotProductAttention(query: xs[0], key: xs[1], value: xs[2], causal: causal))
        }, at: seeded([[2, 3, 2], [2, 4, 2], [2, 4, 3]]))
        #expect(report.passed, "\(report)")
    }

    @Test("lstm by hand: one unit, two steps")
    func lstmByHand() {
        // H = 1, I = 1; weights chosen so each gate's pre-activation is easy to write down.
        let w = Variable(Tensor<Double>(shape: [4, 1], scalars: [0.5, -0.3, 0.8, 0.2]))
        let u = Variable(Tensor<Double>(shape: [4, 1], scalars: [0.1, 0.4, -0.6, 0.7]))
        let b = Variable(Tensor<Double>([0.05, 0.1, -0.05, 0.0]))
        let b2 = Variable(Tensor<Double>([0.0, 0.1, 0.05, -0.1]))
        let y = lstm(Variable(Tensor<Double>(shape: [1, 2, 1], scalars: [1.0, -2.0])), weightIH: w, weightHH: u, biasIH: b, biasHH: b2)
        func sigma(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
        var (h, c) = (0.0, 0.0)
        var expected: [Double] = []
        for x in [1.0, -2.0] {
            let pre = (0..<4).map { k in w.value.scalars[k] * x + u.value.scalars[k] * h + b.value.scalars[k] + b2.value.scalars[k] }
            c = sigma(pre[1]) * c + sigma(pre[0]) * Foundation.tanh(pre[2])
            h = sigma(pre[3]) * Foundation.tanh(c)
            expected.append(h)
        }
        #expect(y.shape == [1, 2, 1])
        #expect(zip(y.value.scalars, expected).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
    }

    @Test("gru by hand: one unit, two steps (PyTorch's equations: r multiplies Uₙh + b'ₙ)")
    func gruByHand() {
        let w = Tensor<Double>(shape: [3, 1], scalars: [0.5, -0.3, 0.8]), u = Tensor<Double>(shape: [3, 1], scalars: [0.1, 0.4, -0.6])
        let b = Tensor<Double>([0.05, 0.1, -0.05]), b2 = Tensor<Double>([0.2, 0.1, 0.3])
        let y = gru(Variable(Tensor<Double>(shape: [1, 2, 1], scalars: [1.0, -2.0])), weightIH: Variable(w), weightHH: Variable(u),
                    biasIH: Variable(b), biasHH: Variable(b2))
        func sigma(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
        var h = 0.0
        var expected: [Double] = []
        for x in [1.0, -2.0] {
            let r = sigma(w.scalars[0] * x + b.scalars[0] + u.scalars[0] * h + b2.scalars[0])
            let z = sigma(w.scalars[1] * x + b.scalars[1] + u.scalars[1] * h + b2.scalars[1])
            let n = Foundation.tanh(w.scalars[2] * x + b.scalars[2] + r * (u.scalars[2] * h + b2.scalars[2]))
            h = (1 - z) * n + z * h
            expected.append(h)
        }
        #expect(zip(y.value.scalars, expected).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
    }

    @Test("layerNorm by hand: [1, 2, 3] normalizes to ±√1.5 and 0")
    func layerNormByHand() {
        let y = layerNorm(Variable(Tensor<Double>([[1, 2, 3]])), weight: nil, bias: nil, epsilon: 0)
        let s = 1.5.squareRoot()
        #expect(zip(y.value.scalars, [-s, 0, s]).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
        let layer = LayerNorm(size: 3)
        #expect(layer.namedParameters.map(\.name) == ["weight", "bias"])
        #expect(layer(Tensor<Float>([[1, 2, 3], [5, 5, 6]])).shape == [2, 3])
    }

    @Test("causal attention by hand: the first position sees only itself; the last averages with softmax weights")
    func attentionByHand() {
        let q = Tensor<Double>(shape: [1, 2, 1], scalars: [1, 2]), k = Tensor<Double>(shape: [1, 2, 1], scalars: [0.5, -1])
        let v = Tensor<Double>(shape: [1, 2, 2], scalars: [1, 2, 3, 4])
        let y = scaledDotProductAttention(query: q, key: k, value: v, causal: true)
        // Row 0: only key 0 → v[0]. Row 1: scores 2·0.5 = 1 and 2·(−1) = −2 (d = 1).
        let a = 1 / (1 + Foundation.exp(-3.0))
        let expected = [1, 2, a * 1 + (1 - a) * 3, a * 2 + (1 - a) * 4]
        #expect(zip(y.scalars, expected).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
        // Without the mask, row 0 mixes both keys.
        let open = scaledDotProductAttention(query: q, key: k, value: v)
        #expect(Swift.abs(open.scalars[0] - 1) > 0.1)
        // Masked scores hold no infinity and get no gradient: key 1's only use is masked for query 0, so
        // changing query 0 leaves key 1's gradient unchanged, and every gradient is finite.
        let key = Variable(k), query = Variable(q)
        (scaledDotProductAttention(query: query, key: key, value: Variable(v), causal: true) * Tensor<Double>([[[1, 0], [0, 0]]])).sum().backward()
        #expect(key.grad == Tensor<Double>(shape: [1, 2, 1], scalars: [0, 0]))
        #expect(query.grad!.scalars.allSatisfy { $0.isFinite })
        // Anomaly detection finds no NaN or infinity, forward or backward, in causal attention.
        #expect(throws: Never.self) {
            try withAnomalyDetection {
                scaledDotProductAttention(query: Variable(q), key: Variable(k), value: Variable(v), causal: true).sum().backward()
            }
        }
    }

    @Test("Embedding looks up rows; a row used twice receives the sum of its gradients")
    func embedding() {
        let layer = Embedding(weight: Tensor<Float>(shape: [3, 2], scalars: [0, 1, 10, 11, 20, 21]))
        let y = layer(Tensor<Float>([[2, 0], [2, 1]]))
        #expect(y.shape == [2, 2, 2])
        #expect(y.value.scalars == [20, 21, 0, 1, 20, 21, 10, 11])
        y.sum().backward()
        #expect(layer.weight.grad == Tensor<Float>(shape: [3, 2], scalars: [1, 1, 1, 1, 2, 2]))
        #expect(Embedding(vocabularySize: 28, embeddingSize: 16).namedParameters.map(\.parameter.shape) == [[28, 16]])
    }

    @Test("Dense maps [N, T, H] to [N, T, out], each position like a row of [N·T, H]")
    func denseOnSequences() {
        let dense = Dense(inputSize: 3, outputSize: 2)
        var rng = SeededGenerator(seed: 1)
        let x = Tensor<Float>.randomNormal(shape: [2, 4, 3], using: &rng)
        let y = dense(x)
        #expect(y.shape == [2, 4, 2])
        #expect(y.value.reshaped(to: [8, 2]) == dense(x.reshaped(to: [8, 3])).value)
    }

    @Test("softmaxCrossEntropy over [N, T, classes] with N·T labels equals the loss over [N·T, classes]")
    func sequenceCrossEntropy() {
        var rng = SeededGenerator(seed: 2)
        let logits = Variable(Tensor<Double>.randomNormal(shape: [2, 3, 4], using: &rng))
        let labels = [0, 3, 1, 2, 2, 0]
        let a = softmaxCrossEntropy(logits: logits, labels: labels)
        let b = softmaxCrossEntropy(logits: logits.reshaped(to: [6, 4]), labels: labels)
        #expect(a.value == b.value)
        #expect(softmaxCrossEntropy(logits: logits, labels: labels, reduction: .none).shape == [6])
        #expect(checkGradients(of: { softmaxCrossEntropy(logits: $0[0], labels: labels) }, at: [logits.value]).passed)
    }

    @Test("layers report their shapes and PyTorch's parameter names")
    func shapesAndNames() {
        let lstm = LSTM(inputSize: 3, hiddenSize: 5), gru = GRU(inputSize: 3, hiddenSize: 5)
        let x = Tensor<Float>.ones(shape: [2, 4, 3])
        #expect(lstm(x).shape == [2, 4, 5] && gru(x).shape == [2, 4, 5])
        #expect(lstm.namedParameters.map(\.name) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"])
        #expect(lstm.namedParameters.map(\.parameter.shape) == [[20, 3], [20, 5], [20], [20]])
        #expect(gru.namedParameters.map(\.parameter.shape) == [[15, 3], [15, 5], [15], [15]])
        let attention = MultiHeadAttention(embeddingSize: 8, headCount: 2, causal: true)
        #expect(attention(Tensor<Float>.ones(shape: [2, 3, 8])).shape == [2, 3, 8])
        #expect(attention.namedParameters.map(\.name) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
        #expect(attention.namedParameters.map(\.parameter.shape) == [[24, 8], [24], [8, 8], [8]])
        let model = Sequential {
            Embedding(vocabularySize: 5, embeddingSize: 3)
            LSTM(inputSize: 3, hiddenSize: 4)
            Dense(inputSize: 4, outputSize: 5)
        }
        #expect(model.namedParameters.map(\.name) == ["0.weight", "1.weight_ih_l0", "1.weight_hh_l0", "1.bias_ih_l0",
                                                      "1.bias_hh_l0", "2.weight", "2.bias"])
        #expect(model(Tensor<Float>([[0, 4, 2]])).shape == [1, 3, 5])
    }
}
