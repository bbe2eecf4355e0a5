import NN

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

    init(classes: Int, maxLength: Int, embeddingSize e: Int, headCount: Int, blockCount: Int,
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
