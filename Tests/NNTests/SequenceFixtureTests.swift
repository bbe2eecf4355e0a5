import Foundation
import Testing
import NN

/// PyTorch's outputs and gradients for the sequence layers (written by Fixtures/sequence_layers.py with
/// PyTorch's modules and the reference safetensors package).
let sequenceFixtures: [String: Tensor<Float>] = {
    let url = repositoryRoot.appendingPathComponent("Tests/NNTests/Fixtures/sequence-layers.safetensors")
    return (try? SafeTensors.decode(Data(contentsOf: url))) ?? [:]
}()

/// Whether every element agrees within 1e-5 absolute + 1e-4 relative.
func matchesPyTorch(_ ours: Tensor<Float>?, _ name: String) -> Bool {
    guard let ours, let theirs = sequenceFixtures[name], ours.shape == theirs.shape else { return false }
    return zip(ours.scalars, theirs.scalars).allSatisfy { abs($0 - $1) <= 1e-5 + 1e-4 * abs($1) }
}

/// Loads the layer's parameters from the fixture under `prefix`, by the layer's own (PyTorch) names; runs
/// it on the fixture's input; backpropagates sum(y · seed); and compares output and gradients with PyTorch's.
func checkAgainstPyTorch(_ layer: some CallerLocatingLayer, _ prefix: String, inputRequiresGrad: Bool = true) throws {
    for (name, p) in layer.namedParameters {
        let value = try #require(sequenceFixtures["\(prefix).\(name)"], "the fixture has no \(prefix).\(name)")
        #expect(value.shape == p.shape, "\(prefix).\(name)")
        p.value = value
    }
    let x = Variable(try #require(sequenceFixtures["\(prefix).input"]), requiresGrad: inputRequiresGrad)
    let y = layer(x)
    #expect(matchesPyTorch(y.value, "\(prefix).output"), "\(prefix) output")
    (y * sequenceFixtures["\(prefix).seed"]!).sum().backward()
    for (name, p) in layer.namedParameters {
        #expect(matchesPyTorch(p.grad, "\(prefix).grad.\(name)"), "\(prefix) gradient of \(name)")
    }
    if inputRequiresGrad { #expect(matchesPyTorch(x.grad, "\(prefix).grad.input"), "\(prefix) gradient of the input") }
}

@Suite("Sequence layers against PyTorch (outputs and gradients, 1e-5 absolute / 1e-4 relative)")
struct SequenceFixtureTests {
    @Test("Embedding matches nn.Embedding") func embedding() throws {
        try checkAgainstPyTorch(Embedding(vocabularySize: 7, embeddingSize: 3), "embedding", inputRequiresGrad: false)
    }
    @Test("LSTM matches nn.LSTM(batch_first=True)") func lstm() throws {
        try checkAgainstPyTorch(LSTM(inputSize: 3, hiddenSize: 4), "lstm")
    }
    @Test("GRU matches nn.GRU(batch_first=True)") func gru() throws {
        try checkAgainstPyTorch(GRU(inputSize: 3, hiddenSize: 4), "gru")
    }
    @Test("LayerNorm matches nn.LayerNorm") func layerNorm() throws {
        try checkAgainstPyTorch(LayerNorm(size: 6), "layernorm")
    }
    @Test("MultiHeadAttention matches nn.MultiheadAttention, causal and not", arguments: [true, false])
    func attention(causal: Bool) throws {
        try checkAgainstPyTorch(MultiHeadAttention(embeddingSize: 8, headCount: 2, causal: causal), causal ? "attention" : "attention_open")
    }

    @Test("scaledDotProductAttention matches F.scaled_dot_product_attention(is_causal=True)")
    func sdpa() throws {
        let q = Variable(try #require(sequenceFixtures["sdpa.query"]))
        let k = Variable(sequenceFixtures["sdpa.key"]!), v = Variable(sequenceFixtures["sdpa.value"]!)
        let y = scaledDotProductAttention(query: q, key: k, value: v, causal: true)
        #expect(matchesPyTorch(y.value, "sdpa.output"))
        (y * sequenceFixtures["sdpa.seed"]!).sum().backward()
        #expect(matchesPyTorch(q.grad, "sdpa.grad.query"))
        #expect(matchesPyTorch(k.grad, "sdpa.grad.key"))
        #expect(matchesPyTorch(v.grad, "sdpa.grad.value"))
    }

    @Test("a Sequential of an embedding and an LSTM loads parameters PyTorch's names from a safetensors file")
    func parameterFile() throws {
        let model = Sequential {
            Embedding(vocabularySize: 7, embeddingSize: 3)
            LSTM(inputSize: 3, hiddenSize: 4)
        }
        var tensors: [(name: String, tensor: Tensor<Float>)] = [("0.weight", sequenceFixtures["embedding.weight"]!)]
        for name in ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"] {
            tensors.append(("1.\(name)", sequenceFixtures["lstm.\(name)"]!))
        }
        let url = temporaryFile("sequence.safetensors")
        try SafeTensors.encode(tensors).write(to: url)
        try model.loadParameters(from: url)
        try? FileManager.default.removeItem(at: url)
        #expect(model.parameters[1].value == sequenceFixtures["lstm.weight_ih_l0"]!)
    }
}
