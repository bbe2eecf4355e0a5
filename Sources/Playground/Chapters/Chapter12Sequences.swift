import Foundation
import NN
import TourDocument

/// Chapter 12: a character-level model of first names, from counting bigrams to a small transformer
/// (Bengio et al. 2003; Karpathy's makemore), each judged by its loss on held-out names and by the names it
/// makes up.
@_optimize(none) package func sequencesChapter(_ context: Context) throws {
    let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Data/first-names.txt")
    let names = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
    var rng = SeededGenerator(seed: context.seed)
    let shuffled = names.shuffled(using: &rng)
    let validationCount = names.count / 10
    let validation = shuffled.prefix(validationCount).map(Names.encode)
    // --quick (tests in a debug build): 600 training names and one epoch per model.
    let train = shuffled.dropFirst(validationCount).prefix(context.quick ? 600 : names.count).map(Names.encode)
    let epochs = context.quick ? 1 : 12
    let predicted = validation.reduce(0) { $0 + $1.count + 1 }
    context.say("""
    \(names.count) US first names (1990 census, public domain; see Data/README.md), split with a seeded shuffle
    into \(train.count) for training and \(validation.count) held out. The vocabulary is the 26 letters and one
    boundary token "." that starts and ends every name, so "emma" is read as . e m m a . and a model predicts
    each next character from the ones before it: \(predicted) predictions over the held-out names. The score
    is the mean negative log-likelihood in nats per character (ln 27 = 3.30 for a uniform guess); each model
    also invents ten names, sampled with a seed.
    """)

    // (1) Bigram counts: P(next | previous) from a 27×27 table, add-one smoothed.
    var counts = [[Double]](repeating: [Double](repeating: 1, count: Names.size), count: Names.size)
    for name in train {
        let s = [Names.boundary] + name + [Names.boundary]
        for (a, b) in zip(s, s.dropFirst()) { counts[a][b] += 1 }
    }
    let logProbabilities = counts.map { row in row.map { Foundation.log($0 / row.reduce(0, +)) } }
    var bigramNats = 0.0
    for name in validation {
        let s = [Names.boundary] + name + [Names.boundary]
        for (a, b) in zip(s, s.dropFirst()) { bigramNats -= logProbabilities[a][b] }
    }
    let baseline = Float(bigramNats / Double(predicted))
    context.say()
    context.say("""
    (1) Bigram counts: a 27×27 table of how often each character follows each other one (each count starts
    at 1, so no pair is impossible); P(next | previous) is a row divided by its sum.
    """)
    context.say("  bigram baseline: validation loss \(format(baseline)) nats/char")
    var sampler = SeededGenerator(seed: context.seed)
    let bigramNames = (0..<10).map { _ in
        Names.decode(sampleSequence(prompt: [Names.boundary], maxNewCount: 12, stopIndex: Names.boundary, using: &sampler) {
            Tensor(logProbabilities[$0.last!].map(Float.init))
        })
    }
    context.say("  samples: " + bigramNames.joined(separator: " "))
    var plot = LinePlot(title: "First names: validation loss per epoch", xLabel: "epoch", yLabel: "nats per character")

    func report(_ label: String, _ losses: [Float], _ model: some Layer, prompt: [Int], window: Int? = nil) {
        let last = losses.last!
        context.say("  \(label): validation loss \(format(last)) nats/char, bigram baseline \(format(baseline)): " +
                    "\(last < baseline ? "better" : "worse") by \(format(abs(baseline - last)))")
        context.say("    loss by epoch: " + Terminal.sparkline(losses.map(Double.init), width: 24))
        var sampler = SeededGenerator(seed: context.seed)
        let samples = (0..<10).map { _ in
            Names.decode(model.sample(prompt: prompt, maxNewCount: 12, stopIndex: Names.boundary, window: window, using: &sampler))
        }
        context.say("  samples: " + samples.joined(separator: " "))
        plot.series.append((label, losses.enumerated().map { (Double($0.offset + 1), Double($0.element)) }))
    }

    // (2) Bengio's MLP over the previous 3 characters.
    context.say()
    context.say("""
    (2) An MLP over a window of the 3 previous characters (Bengio et al. 2003): each character becomes a
    learned 10-number vector (Embedding), the three are joined (Flatten) and go through a tanh layer of 128
    to 27 logits. Trained with `fit`: every character of every name is one example, its window the input.
    """)
    let windows = Names.windows(train, size: 3), heldOutWindows = Names.windows(validation, size: 3)
    let mlp = Sequential {
        Embedding(vocabularySize: Names.size, embeddingSize: 10)
        Flatten()
        Dense(inputSize: 30, outputSize: 128, activation: tanh)
        Dense(inputSize: 128, outputSize: Names.size)
    }
    let history = try mlp.fit(windows.inputs, windows.labels, loss: .softmaxCrossEntropy,
                              optimizer: Adam(for: mlp, learningRate: 3e-3), epochs: context.quick ? 1 : 8, batchSize: 64,
                              validation: (heldOutWindows.inputs, heldOutWindows.labels), verbosity: .silent,
                              generator: SeededGenerator(seed: context.seed))
    report("MLP, window of 3", history.validationLoss, mlp, prompt: [Names.boundary, Names.boundary, Names.boundary], window: 3)

    // (3) An LSTM reads the whole name so far.
    context.say()
    context.say("""
    (3) An LSTM reads the name so far, one character at a time, and its hidden state carries what it has
    seen: Embedding (16) → LSTM (hidden 64) → Dense to 27 logits at every position. Batches hold names of
    one length, so no position is padding; the loss is the mean over all N·T positions of a batch.
    """)
    let lstm = Sequential {
        Embedding(vocabularySize: Names.size, embeddingSize: 16)
        LSTM(inputSize: 16, hiddenSize: 64)
        Dense(inputSize: 64, outputSize: Names.size)
    }
    let lstmLosses = trainSequenceModel(lstm, train: train, validation: validation, epochs: epochs, learningRate: 5e-3, seed: context.seed)
    report("LSTM", lstmLosses, lstm, prompt: [Names.boundary])

    // (4) A small causal transformer.
    context.say()
    context.say("""
    (4) A small causal transformer: each position's vector is its character's embedding plus its
    position's (32 numbers); two blocks of x + MultiHeadAttention(LayerNorm(x)) (4 heads, causal: position t
    attends only to positions ≤ t, so it cannot peek at the character it predicts) and x + MLP(LayerNorm(x))
    (32 → 128 with GELU → 32); a final LayerNorm and a Dense to 27 logits at every position.
    """)
    let transformer = withRandomSeed(context.seed) {
        TinyTransformer(classes: Names.size, maxLength: 12, embeddingSize: 32, headCount: 4, blockCount: 2, activation: gelu)
    }
    let transformerLosses = trainSequenceModel(transformer, train: train, validation: validation, epochs: epochs,
                                               learningRate: 3e-3, seed: context.seed)
    report("transformer", transformerLosses, transformer, prompt: [Names.boundary])
    plot.series.append(("bigram baseline", [(1, Double(baseline)), (Double(epochs), Double(baseline))]))

    try context.save(plot.svg(), as: "12-names-loss.svg")
}

/// The vocabulary: "." (index 0) for the boundary, then a…z (1…26).
enum Names {
    static let boundary = 0
    static let size = 27
    static func encode(_ name: String) -> [Int] { name.unicodeScalars.map { Int($0.value) - 96 } }
    static func decode(_ indices: [Int]) -> String {
        String(String.UnicodeScalarView(indices.map { Unicode.Scalar(UInt8(96 + $0)) }))
    }

    /// Every (previous `size` characters → next character) pair, the window starting with boundaries.
    @_optimize(none) static func windows(_ names: [[Int]], size: Int) -> (inputs: Tensor<Float>, labels: [Int]) {
        var inputs: [Float] = [], labels: [Int] = []
        for name in names {
            var window = [Int](repeating: boundary, count: size)
            for c in name + [boundary] {
                inputs += window.map(Float.init)
                labels.append(c)
                window = Array(window.dropFirst()) + [c]
            }
        }
        return (Tensor(shape: [labels.count, size], scalars: inputs), labels)
    }

    /// Batches of names of one length: inputs `[n, L + 1]` (the boundary, then the letters) and the `n·(L + 1)`
    /// next characters (the letters, then the boundary), in a seeded order.
    @_optimize(none) static func batches(_ names: [[Int]], batchSize: Int, using rng: inout SeededGenerator?) -> [(inputs: Tensor<Float>, labels: [Int])] {
        var byLength: [Int: [[Int]]] = [:]
        for name in names { byLength[name.count, default: []].append(name) }
        var out: [(inputs: Tensor<Float>, labels: [Int])] = []
        for length in byLength.keys.sorted() {
            var group = byLength[length]!
            if rng != nil { group = group.shuffled(using: &rng!) }
            for start in stride(from: 0, to: group.count, by: batchSize) {
                let chunk = group[start..<Swift.min(start + batchSize, group.count)]
                let inputs = chunk.flatMap { [boundary] + $0 }.map(Float.init)
                out.append((Tensor(shape: [chunk.count, length + 1], scalars: inputs), chunk.flatMap { $0 + [boundary] }))
            }
        }
        if rng != nil { out = out.shuffled(using: &rng!) }
        return out
    }
}

/// Trains a model of `[N, T]` indices → `[N, T, 27]` logits with Adam on batches of equal-length names;
/// returns the validation loss (nats per character) after each epoch.
func trainSequenceModel(_ model: some Layer, train: [[Int]], validation: [[Int]], epochs: Int, batchSize: Int = 32,
                        learningRate: Float, seed: UInt64) -> [Float] {
    let optimizer = Adam(for: model, learningRate: learningRate)
    var noShuffle: SeededGenerator? = nil
    let heldOut = Names.batches(validation, batchSize: 1024, using: &noShuffle)
    var rng: SeededGenerator? = SeededGenerator(seed: seed)
    var losses: [Float] = []
    for _ in 0..<epochs {
        for batch in Names.batches(train, batchSize: batchSize, using: &rng) {
            optimizer.zeroGrad()
            softmaxCrossEntropy(logits: model(batch.inputs), labels: batch.labels).backward()
            optimizer.step()
        }
        losses.append(sequenceLoss(model, heldOut))
    }
    return losses
}

/// The mean negative log-likelihood per predicted character over `batches`, in evaluation mode.
func sequenceLoss(_ model: some Layer, _ batches: [(inputs: Tensor<Float>, labels: [Int])]) -> Float {
    withoutGradients {
        var total: Float = 0, count = 0
        for batch in batches {
            total += softmaxCrossEntropy(logits: model(batch.inputs), labels: batch.labels, reduction: .sum).value.scalar
            count += batch.labels.count
        }
        return total / Float(count)
    }
}

/// A small causal transformer over indices `[N, T]` → logits `[N, T, classes]`: token and position
/// embeddings, then blocks of x + attention(LayerNorm(x)) and x + MLP(LayerNorm(x)) (pre-norm, as in GPT-2),
/// a final LayerNorm and a Dense to the logits.
final class TinyTransformer: Layer {
    struct Block {
        let norm1: LayerNorm, attention: MultiHeadAttention, norm2: LayerNorm, expand: Dense, project: Dense
    }
    let tokens: Embedding
    let positions: Embedding
    let blocks: [Block]
    let norm: LayerNorm
    let head: Dense

    @_optimize(none) init(classes: Int, maxLength: Int, embeddingSize e: Int, headCount: Int, blockCount: Int,
         activation: @escaping (Variable<Float>) -> Variable<Float>) {
        tokens = Embedding(vocabularySize: classes, embeddingSize: e)
        positions = Embedding(vocabularySize: maxLength, embeddingSize: e)
        blocks = (0..<blockCount).map { _ in
            Block(norm1: LayerNorm(size: e), attention: MultiHeadAttention(embeddingSize: e, headCount: headCount, causal: true),
                  norm2: LayerNorm(size: e), expand: Dense(inputSize: e, outputSize: 4 * e, activation: activation),
                  project: Dense(inputSize: 4 * e, outputSize: e))
        }
        norm = LayerNorm(size: e)
        head = Dense(inputSize: e, outputSize: classes)
    }

    func callAsFunction(_ x: Variable<Float>) -> Variable<Float> {
        let t = x.shape[1]
        var h = tokens(x) + positions(Tensor<Float>(shape: [1, t], scalars: (0..<t).map(Float.init)))
        for b in blocks {
            h = h + b.attention(b.norm1(h))
            h = h + b.project(b.expand(b.norm2(h)))
        }
        return head(norm(h))
    }

    var namedParameters: [(name: String, parameter: Variable<Float>)] {
        func named(_ prefix: String, _ layer: some Layer) -> [(name: String, parameter: Variable<Float>)] {
            layer.namedParameters.map { ("\(prefix).\($0.name)", $0.parameter) }
        }
        var out = named("tokens", tokens) + named("positions", positions)
        for (i, b) in blocks.enumerated() {
            out += named("blocks.\(i).norm1", b.norm1) + named("blocks.\(i).attention", b.attention)
            out += named("blocks.\(i).norm2", b.norm2) + named("blocks.\(i).expand", b.expand) + named("blocks.\(i).project", b.project)
        }
        return out + named("norm", norm) + named("head", head)
    }
}
