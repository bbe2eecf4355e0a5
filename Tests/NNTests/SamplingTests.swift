import Foundation
import Testing
import NN

@Suite("Sampling from sequence models")
struct SamplingTests {
    @Test("sampleIndex draws with softmax probabilities; temperature 0 is greedy; the same seed gives the same draws")
    func frequencies() {
        let logits = Tensor<Float>([0.1, 0.2, 0.7].map { Float(Foundation.log($0)) })
        var rng = SeededGenerator(seed: 5)
        var counts = [0, 0, 0]
        for _ in 0..<6000 { counts[sampleIndex(logits: logits, using: &rng)] += 1 }
        for (count, p) in zip(counts, [0.1, 0.2, 0.7]) { #expect(abs(Double(count) / 6000 - p) < 0.02, "\(counts)") }
        #expect(sampleIndex(logits: logits, temperature: 0, using: &rng) == 2)
        // A low temperature sharpens towards the most likely index, a high one flattens.
        var cold = 0, hot = 0
        for _ in 0..<2000 {
            if sampleIndex(logits: logits, temperature: 0.25, using: &rng) == 2 { cold += 1 }
            if sampleIndex(logits: logits, temperature: 4, using: &rng) == 2 { hot += 1 }
        }
        #expect(cold > 1900 && hot < 900, "cold \(cold), hot \(hot)")
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9)
        #expect((0..<50).map { _ in sampleIndex(logits: logits, using: &a) } == (0..<50).map { _ in sampleIndex(logits: logits, using: &b) })
    }

    @Test("sampleSequence stops at the stop index or after maxNewCount, and returns only the new indices")
    func sequence() {
        var rng = SeededGenerator(seed: 1)
        // Next index = last + 1 (mod 4), almost surely.
        let next: ([Int]) -> Tensor<Float> = { s in Tensor((0..<4).map { $0 == (s.last! + 1) % 4 ? 20 : 0 }) }
        #expect(sampleSequence(prompt: [0], maxNewCount: 10, stopIndex: 0, using: &rng, logits: next) == [1, 2, 3])
        #expect(sampleSequence(prompt: [2], maxNewCount: 3, using: &rng, logits: next) == [3, 0, 1])
    }

    @Test("Layer.sample feeds the sequence (or its last window) to a model of indices and reads the last position")
    func layerSample() {
        // An embedding that is the identity and a Dense that maps one-hot k to a large logit at k + 1.
        var shift = [Float](repeating: 0, count: 16)
        for k in 0..<4 { shift[((k + 1) % 4) * 4 + k] = 20 }
        let model = Sequential {
            Embedding(weight: Tensor<Float>.identity(4))
            Dense(weight: Tensor(shape: [4, 4], scalars: shift), bias: .zeros(shape: [4]))
        }
        var rng = SeededGenerator(seed: 3)
        #expect(model.sample(prompt: [0], maxNewCount: 10, stopIndex: 0, using: &rng) == [1, 2, 3])
        #expect(model.sample(prompt: [1], maxNewCount: 5, temperature: 0, using: &rng) == [2, 3, 0, 1, 2])
        // A fixed-window model: [1, 2] indices → [1, classes] logits; only the last index of the window counts.
        var last = [Float](repeating: 0, count: 32)
        for k in 0..<4 { last[((k + 1) % 4) * 8 + 4 + k] = 20 }
        let window = Sequential {
            Embedding(weight: Tensor<Float>.identity(4))
            Flatten()
            Dense(weight: Tensor(shape: [4, 8], scalars: last), bias: .zeros(shape: [4]))
        }
        #expect(window.sample(prompt: [0, 0], maxNewCount: 4, temperature: 0, window: 2, using: &rng) == [1, 2, 3, 0])
    }
}
