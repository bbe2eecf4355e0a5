import Foundation
import Testing
import NN

@Suite("Losses")
struct LossTests {
    @Test("mean squared error, L1 and Huber against their closed forms")
    func regression() {
        let p = Variable(Tensor<Double>([1, 2, 4]))
        let t = Tensor<Double>([1, 0, 1])
        #expect(meanSquaredError(predicted: p, expected: t).scalar == (13.0 / 3 as Double))
        #expect(meanSquaredError(predicted: p, expected: t, reduction: .sum).scalar == 13)
        #expect(meanSquaredError(predicted: p, expected: t, reduction: .none).value == Tensor<Double>([0, 4, 9]))
        #expect(l1Loss(predicted: p, expected: t).scalar == 5.0 / 3)
        // Huber with δ = 1: d = [0, 2, 3] → [0, 1.5, 2.5]
        #expect(huberLoss(predicted: p, expected: t, reduction: .none).value == Tensor([0, 1.5, 2.5]))
    }

    @Test("binary cross-entropy of probabilities and of logits agree, and logits stay finite when large")
    func binary() {
        let z = Tensor<Double>([-2, 0.5, 3])
        let y = Tensor<Double>([0, 1, 1])
        let p = sigmoid(z)
        var expected = 0.0
        for i in 0..<3 { expected -= y.scalars[i] * log(p.scalars[i]) + (1 - y.scalars[i]) * log(1 - p.scalars[i]) }
        expected /= 3
        #expect(abs(binaryCrossEntropy(probabilities: Variable(p), labels: y).scalar - expected) < 1e-12)
        #expect(abs(binaryCrossEntropy(logits: Variable(z), labels: y).scalar - expected) < 1e-12)
        let huge = binaryCrossEntropy(logits: Variable(Tensor<Double>([-1000, 1000])), labels: Tensor([1, 0]))
        #expect(huge.scalar == 1000)
        let certain = binaryCrossEntropy(probabilities: Variable(Tensor<Double>([0, 1])), labels: Tensor([1, 0]))
        #expect(certain.scalar == 100)   // logs clamped at −100, as in PyTorch
    }

    @Test("softmax cross-entropy with class indices equals the one-hot form and the closed form")
    func softmaxCE() {
        let z = Tensor<Double>([[1, 2, 3], [1, 0, -1]])
        let labels = [2, 0]
        let lse0 = log(exp(1.0) + exp(2.0) + exp(3.0)), lse1 = log(exp(1.0) + 1 + exp(-1.0))
        let expected = ((lse0 - 3) + (lse1 - 1)) / 2
        #expect(abs(softmaxCrossEntropy(logits: Variable(z), labels: labels).scalar - expected) < 1e-12)
        let oneHotTargets = Tensor<Double>([[0, 0, 1], [1, 0, 0]])
        #expect(abs(softmaxCrossEntropy(logits: Variable(z), probabilities: oneHotTargets).scalar - expected) < 1e-12)
        let large = softmaxCrossEntropy(logits: Variable(Tensor<Double>([[1000, 0]])), labels: [1])
        #expect(large.scalar == 1000)
    }

    static let gradientCases: [(String, @Sendable ([Variable<Double>]) -> Variable<Double>)] = [
        ("meanSquaredError", { meanSquaredError(predicted: $0[0], expected: Tensor([0.5, -1, 2])) }),
        ("l1Loss", { l1Loss(predicted: $0[0], expected: Tensor([0.5, -1, 2])) }),
        ("huberLoss", { huberLoss(predicted: $0[0], expected: Tensor([0.5, -1, 2]), delta: 0.8) }),
        ("binaryCrossEntropy(probabilities:)", { binaryCrossEntropy(probabilities: sigmoid($0[0]), labels: Tensor([0, 1, 1])) }),
        ("binaryCrossEntropy(logits:)", { binaryCrossEntropy(logits: $0[0], labels: Tensor([0, 1, 1])) }),
        ("softmaxCrossEntropy(labels:)", { softmaxCrossEntropy(logits: $0[0].reshaped(to: [1, 3]), labels: [1]) }),
        ("softmaxCrossEntropy(probabilities:)", {
            softmaxCrossEntropy(logits: $0[0].reshaped(to: [1, 3]), probabilities: Tensor([[0.2, 0.5, 0.3]]))
        }),
    ]

    @Test("every loss passes a gradient check in Double", arguments: 0..<gradientCases.count)
    func gradients(_ index: Int) {
        let (name, f) = Self.gradientCases[index]
        let report = checkGradients(of: f, at: [Tensor([0.3, -0.7, 1.4])])
        #expect(report.passed, "\(name): \(report)")
    }

    @Test("L1 and L2 penalties are differentiable sums over the parameters")
    func penalties() {
        let a = Variable(Tensor<Float>([1, -2])), b = Variable(Tensor<Float>(3))
        let l2 = l2Penalty([a, b])
        #expect(l2.scalar == 14)
        l2.backward()
        #expect(a.grad == Tensor([2, -4]) && b.grad == Tensor(6))
        #expect(l1Penalty([a, b]).scalar == 6)
    }
}
