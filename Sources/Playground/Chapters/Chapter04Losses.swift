import Foundation
import NN
import TourDocument

/// Chapter 4: losses, and why logits with log-sum-exp are the stable way to compute them.
@_optimize(none) package func lossesChapter(_ context: Context) throws {
    context.say("""
    A loss measures the error. For predictions ŷ and targets y:
      mean squared error         mean((ŷ − y)²)                 regression
      binary cross-entropy       −mean(y·log p + (1 − y)·log(1 − p))   two classes, p = σ(z)
      cross-entropy with softmax −mean(log softmax(z)[label])          several classes
    """)
    let predicted = Variable(Tensor<Double>([2.5, 0.0, 2.1]))
    context.say("  MSE of [2.5, 0, 2.1] against [3, −0.5, 2]: \(format(meanSquaredError(predicted: predicted, expected: Tensor([3, -0.5, 2])).scalar))")
    let logits = Variable(Tensor<Double>([[2, 1, 0.1]]))
    context.say("  cross-entropy of logits [2, 1, 0.1] for class 0: \(format(softmaxCrossEntropy(logits: logits, labels: [0]).scalar))")
    context.say("""

    Computed naively, softmax overflows: e^1000 is infinite in Double, so softmax(z) = eᶻ / Σ eᶻ gives ∞/∞.
    Subtracting the maximum first (log-sum-exp: log Σ eᶻ = m + log Σ e^(z − m)) changes nothing
    mathematically and keeps every exponent ≤ 0:
    """)
    let big = Tensor<Double>([1000, 999, 990])
    let naive = exp(big) / exp(big).sum()
    context.say("  naive softmax of [1000, 999, 990]:  \(naive.scalars.map { $0.isNaN ? "nan" : format($0) })")
    context.say("  stable softmax of [1000, 999, 990]: \(softmax(big).scalars.map { format($0) })")
    let z = Variable(Tensor<Double>([40.0]))
    let viaProbabilities = binaryCrossEntropy(probabilities: sigmoid(z), labels: Tensor([0]))
    let viaLogits = binaryCrossEntropy(logits: z, labels: Tensor([0]))
    context.say("""

    The same for two classes: with a logit z = 40 and label 0, the true loss is log(1 + e⁴⁰) ≈ 40.
      through the probability σ(40) = 1 − 4e−18, which rounds to 1: \(format(viaProbabilities.scalar)) (clamped; PyTorch clamps the same way)
      from the logit, softplus(z) − z·y:                          \(format(viaLogits.scalar))
    Prefer losses on logits: binaryCrossEntropy(logits:labels:) and softmaxCrossEntropy(logits:labels:).
    """)
    var plot = LinePlot(title: "Binary cross-entropy for label 1 as the predicted probability varies", xLabel: "p", yLabel: "loss")
    let ps = (1...99).map { Double($0) / 100 }
    plot.series.append(("−log p", ps.map { ($0, -Foundation.log($0)) }))
    plot.series.append(("squared error (1 − p)²", ps.map { ($0, (1 - $0) * (1 - $0)) }))
    try context.save(plot.svg(), as: "04-losses.svg")
}
