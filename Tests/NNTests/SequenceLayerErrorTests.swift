import Testing
import NN

/// Sequence layers given an input they cannot take stop with a message naming the layer, its place, the
/// shapes and the caller's line (inside an exit test, #line is the line of its `#expect(processExitsWith:)`).
@Suite("Sequence layer error messages")
struct SequenceLayerErrorTests {
    static func stderr(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test("an LSTM inside a Sequential given [N, T, 5] where it expects 3 features")
    func lstmFeatures() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let model = Sequential {
                LSTM(inputSize: 3, hiddenSize: 4)
                Dense(inputSize: 4, outputSize: 2)
            }
            _ = model(Tensor<Float>.ones(shape: [2, 6, 5]))
        }
        let text = Self.stderr(result)
        #expect(text.contains("LSTM(inputSize: 3, hiddenSize: 4) (layer 0 of the Sequential)"))
        #expect(text.contains("expects input of shape [N, T, 3] (batch, time, features), got [2, 6, 5]"))
        #expect(text.contains("SequenceLayerErrorTests.swift:14"))
        #expect(text.contains("Fix:"))
    }

    @Test("a GRU given one sequence without its batch axis is told to add it")
    func gruRank() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = GRU(inputSize: 3, hiddenSize: 4)(Tensor<Float>.ones(shape: [6, 3]))
        }
        let text = Self.stderr(result)
        #expect(text.contains("GRU(inputSize: 3, hiddenSize: 4): expects input of shape [N, T, 3]"))
        #expect(text.contains("x.reshaped(to: [1, 6, 3])"))
        #expect(text.contains("SequenceLayerErrorTests.swift:30"))
    }

    @Test("an Embedding given an index outside its vocabulary or a fraction")
    func embeddingIndex() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Embedding(vocabularySize: 5, embeddingSize: 2)(Tensor<Float>([[1, 7]]))
        }
        let text = Self.stderr(result)
        #expect(text.contains("Embedding(vocabularySize: 5, embeddingSize: 2): input element 1 is 7.0, which is not a whole number in 0..<5"))
        #expect(text.contains("SequenceLayerErrorTests.swift:41"))
        await #expect(processExitsWith: .failure) {
            _ = Embedding(vocabularySize: 5, embeddingSize: 2)(Tensor<Float>([[1.5]]))
        }
    }

    @Test("LayerNorm and MultiHeadAttention name the size they expect")
    func normAndAttention() async {
        let norm = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = LayerNorm(size: 4)(Tensor<Float>.ones(shape: [2, 3]))
        }
        #expect(Self.stderr(norm).contains("LayerNorm(size: 4): normalizes a last axis of 4 elements, got input of shape [2, 3]"))
        let attention = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = MultiHeadAttention(embeddingSize: 8, headCount: 2, causal: true)(Tensor<Float>.ones(shape: [2, 3, 4]))
        }
        let text = Self.stderr(attention)
        #expect(text.contains("MultiHeadAttention(embeddingSize: 8, headCount: 2): expects input of shape [N, T, 8]"))
        #expect(text.contains("SequenceLayerErrorTests.swift:58"))
    }

    @Test("scaledDotProductAttention with keys of another width names the three shapes")
    func sdpaShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let q = Variable(Tensor<Float>.ones(shape: [1, 2, 3, 4]))
            _ = scaledDotProductAttention(query: q, key: Variable(Tensor<Float>.ones(shape: [1, 2, 3, 5])),
                                          value: q, causal: true)
        }
        let text = Self.stderr(result)
        #expect(text.contains("scaledDotProductAttention: query [1, 2, 3, 4], key [1, 2, 3, 5] and value [1, 2, 3, 4] do not fit"))
        #expect(text.contains("SequenceLayerErrorTests.swift:68"))
    }
}
