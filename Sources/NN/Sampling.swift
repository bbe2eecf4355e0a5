import Foundation

// Drawing from a model of sequences: one index from logits, or a whole continuation, seeded.

/// Draws a class index from `logits` `[classes]` with probabilities softmax(logits / temperature).
///
/// `temperature` 1 samples the model's own distribution; below 1 sharpens it (towards the most likely
/// index), above 1 flattens it; 0 takes the most likely index (greedy, no draw). The draw is one uniform
/// number from `generator`, so the same seed gives the same index.
public func sampleIndex(logits: Tensor<Float>, temperature: Float = 1, using generator: inout SeededGenerator,
                        file: StaticString = #fileID, line: UInt = #line) -> Int {
    guard logits.rank == 1, logits.scalarCount > 0, temperature >= 0, temperature.isFinite else {
        fatalError("sampleIndex(logits:temperature:using:): logits of shape \(logits.shape), temperature \(temperature). " +
                   "Fix: pass one row of logits [classes] and a temperature ≥ 0", file: file, line: line)
    }
    let z = logits.scalars
    let best = z.indices.max { z[$0] < z[$1] }!
    if temperature == 0 { return best }
    // Probabilities relative to the largest logit (so nothing overflows), summed in Double.
    let weights = z.map { Foundation.exp(Double($0 - z[best]) / Double(temperature)) }
    var u = generator.nextUniform() * weights.reduce(0, +)
    for (i, w) in weights.enumerated() {
        u -= w
        if u < 0 { return i }
    }
    return best
}

/// Continues `prompt` one index at a time: `logits` maps the sequence so far to the logits of the next index
/// (`[classes]`), and each next index is drawn with ``sampleIndex(logits:temperature:using:file:line:)``.
/// Stops after `maxNewCount` indices or when `stopIndex` is drawn; returns the new indices (without the
/// prompt, without the stop index).
///
/// ```swift
/// var rng = SeededGenerator(seed: 1)
/// let name = sampleSequence(prompt: [0], maxNewCount: 20, stopIndex: 0, using: &rng) { sequence in
///     bigramLogits[sequence.last!]          // any model: a table, an MLP over a window, an LSTM, …
/// }
/// ```
public func sampleSequence(prompt: [Int], maxNewCount: Int, stopIndex: Int? = nil, temperature: Float = 1,
                           using generator: inout SeededGenerator, logits: ([Int]) -> Tensor<Float>) -> [Int] {
    var sequence = prompt
    var new: [Int] = []
    while new.count < maxNewCount {
        let next = sampleIndex(logits: logits(sequence), temperature: temperature, using: &generator)
        if next == stopIndex { break }
        sequence.append(next)
        new.append(next)
    }
    return new
}

extension Layer {
    /// Continues `prompt` with this model, which maps indices `[1, T]` (as `Float`, like ``Embedding``'s input)
    /// to logits `[1, T, classes]` (a sequence model: the last position predicts the next index) or
    /// `[1, classes]` (a model over a fixed window). Only the last `window` indices are fed when `window` is
    /// given (the prompt must hold at least that many). Runs in evaluation mode and records nothing; see
    /// ``sampleSequence(prompt:maxNewCount:stopIndex:temperature:using:logits:)``.
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 7)
    /// let letters = model.sample(prompt: [0], maxNewCount: 12, stopIndex: 0, temperature: 0.8, using: &rng)
    /// ```
    public func sample(prompt: [Int], maxNewCount: Int, stopIndex: Int? = nil, temperature: Float = 1, window: Int? = nil,
                       using generator: inout SeededGenerator) -> [Int] {
        precondition(!prompt.isEmpty && prompt.count >= (window ?? 1),
                     "sample(prompt:…): the prompt needs at least \(window ?? 1) indices; got \(prompt.count)")
        return withMode(training: false) {
            withoutGradients {
                sampleSequence(prompt: prompt, maxNewCount: maxNewCount, stopIndex: stopIndex, temperature: temperature,
                               using: &generator) { sequence in
                    let fed = window.map { Array(sequence.suffix($0)) } ?? sequence
                    let y = self(Tensor<Float>(shape: [1, fed.count], scalars: fed.map(Float.init))).value
                    let classes = y.shape[y.rank - 1]
                    return y.reshaped(to: [-1, classes])[y.scalarCount / classes - 1]
                }
            }
        }
    }
}
