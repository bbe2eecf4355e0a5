import Foundation
import Testing
import AutoDiff
import NN

/// The examples of the design contract (API.md), exactly as printed there; only the values they leave
/// undefined (`t`, `t1`, `t2`, `f`, the data and `url`) are defined first.
@Suite("API.md contract")
struct APIContractTests {
    @Test("the AutoDiff example compiles and runs as printed")
    func autoDiffExample() {
        let t = Tensor<Double>([1, 2, 3]), t1 = Tensor<Double>([0.5, 1]), t2 = Tensor<Double>([2, -1])
        let f: (Variable<Double>) -> Variable<Double> = { x in (x * x).sum() }

        // Tensor: a value type (copy-on-write), row-major, any rank (rank 0 is a scalar). Scalar is Float or Double.
        let a = Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor<Double>([1, 2, 3])             // rank 1
        let c = Tensor<Double>([[1, 2], [3, 4]])      // rank 2
        let s = Tensor<Double>(2.5)                   // rank 0
        _ = Tensor<Float>.zeros(shape: [3, 4]); _ = Tensor<Float>.ones(shape: [3])
        var rng = SeededGenerator(seed: 42)           // deterministic: same seed, same numbers, on every machine
        _ = Tensor<Float>.randomNormal(shape: [64, 10], using: &rng)
        _ = (a.shape, a.rank, a.scalarCount, a.scalars, s.scalar, b, c)

        // Variable: a node on the tape. Reference semantics for gradients: after backward(), x.grad holds dL/dx.
        let x = Variable(Tensor<Double>([0.5, -1.0]))          // a leaf that requires a gradient
        let w = Variable(Tensor<Double>(2.0))
        let k = Variable(Tensor<Double>(3.0), requiresGrad: false)  // a constant
        let y = (tanh(x * w) + k).sum()
        y.backward()                  // y must be a scalar; otherwise pass seed: (a vector-Jacobian product)
        #expect(x.grad != nil)        // Tensor<Double>?  (nil until a backward reached it)
        x.zeroGrad()
        _ = y.value                   // Tensor<Double>
        let frozen = y.detached()     // same value, no history
        #expect(!frozen.requiresGrad)

        // The functional API mirrors Swift's own differentiation names.
        _ = gradient(at: t, of: { x in (x * x).sum() })                 // -> Tensor
        _ = valueWithGradient(at: t, of: f)                             // -> (value: Tensor, gradient: Tensor)
        _ = gradients(at: [t1, t2], of: { xs in (xs[0] * xs[1]).sum() }) // -> [Tensor]
        _ = valueWithPullback(at: t, of: f)                             // -> (value, pullback: (Tensor) -> Tensor)
        _ = jacobian(at: t, of: f)                                      // shape: f(t).shape + t.shape
        _ = hessian(at: t, of: f)                                       // via a differentiable backward pass
        withoutGradients { _ = x * w }                                  // nothing inside is recorded

        // Gradient checking (central differences, in Double).
        let report = checkGradients(of: { xs in (xs[0] * sin(xs[1])).sum() }, at: [t1, t2])
        _ = (report.passed, report.maxAbsoluteError, report.maxRelativeError); print(report)
        #expect(report.passed)
    }

    @Test("the NN example compiles and runs as printed")
    func nnExample() throws {
        var rng = SeededGenerator(seed: 1)
        let trainInputs = Tensor<Float>.randomUniform(shape: [64, 64], using: &rng)
        let trainLabels = (0..<64).map { $0 % 10 }
        let testInputs = trainInputs, testLabels = trainLabels
        let x = trainInputs[0..<8], labels = Array(trainLabels[0..<8])
        let url = temporaryFile("api-contract.safetensors")

        let model = Sequential {
            Dense(inputSize: 64, outputSize: 128, activation: relu)
            Dropout(rate: 0.2)
            Dense(inputSize: 128, outputSize: 10)
        }
        let optimizer = Adam(for: model, learningRate: 1e-3)
        let logits = model(x)                                    // callAsFunction
        let loss = softmaxCrossEntropy(logits: logits, labels: labels)
        optimizer.zeroGrad(); loss.backward(); optimizer.step()

        let history = try model.fit(trainInputs, trainLabels, loss: .softmaxCrossEntropy, optimizer: optimizer,
                                    epochs: 30, batchSize: 32, validation: (testInputs, testLabels),
                                    callbacks: [EarlyStopping(patience: 5)])
        _ = model.predict(testInputs)
        try model.saveParameters(to: url)   // safetensors, PyTorch names and layouts
        try model.loadParameters(from: url)

        #expect(history.epochs >= 1 && history.loss.count == history.epochs)
        // As in PyTorch, a model stays in training mode (dropout on) until eval(); predict always evaluates.
        model.eval()
        #expect(model(x).value == model.predict(x))
    }

    @Test("the names added in turn 2 (the paragraph list) compile as printed")
    func turnTwoNames() {
        let t = Tensor<Double>([0.5, 1.5]), v = Variable(Tensor<Double>([1, 2]))
        // Every two-operand operation takes a Variable with a Tensor or a plain scalar on either side.
        let mixed = [pow(t, v), max(2.0, v), min(t, v), t - v, 2 * v, v / t, pow(v, t), max(v, t), min(1.0, v)]
        #expect(mixed.map { $0.value } == [pow(t, v.value), max(Tensor(2.0), v.value), min(t, v.value), t - v.value,
                                          2 * v.value, v.value / t, pow(v.value, t), max(v.value, t), min(Tensor(1.0), v.value)])
        _ = (gelu(v), silu(v), log1p(v), expm1(v))
        _ = (gelu(t), silu(t), log1p(t), expm1(t))
        #expect(Tensor<Double>.linspace(from: -3, to: 3, count: 7).scalars == [-3, -2, -1, 0, 1, 2, 3])
        #expect(Tensor<Float>.arange(0, 10).scalarCount == 10)
        #expect(Tensor<Float>.arange(0, 10, step: 3).scalars == [0, 3, 6, 9])
        let h = Tensor<Double>([[1, 2], [3, 4]])
        #expect(h[0, 1].scalar == 2 && Variable(h)[1, 0].scalar == 3)
        let model = Dense(inputSize: 2, outputSize: 1)
        let optimizers: [any Optimizer] = [AdamW(for: model, learningRate: 1e-3, decoupledWeightDecay: 0.01),
                                           AdaGrad(for: model, learningRate: 0.01), SGD(for: model, learningRate: 0.1),
                                           RMSProp(for: model), Adam(for: model)]
        #expect(optimizers.count == 5)
    }

    @Test("the convolution, pooling and CNN layer names added in turn 2 compile as printed")
    func turnTwoConvolutions() {
        let images = Tensor<Float>.randomUniform(shape: [2, 4, 8, 8]), sequences = Tensor<Float>.randomUniform(shape: [2, 4, 10])
        for (x, w, b) in [(Variable(images), Variable(Tensor<Float>.randomNormal(shape: [6, 2, 3, 3])), Variable(Tensor<Float>.zeros(shape: [6])))] {
            #expect(conv2d(x, filter: w, bias: b, stride: 1, padding: 1, dilation: 1, groups: 2).shape == [2, 6, 8, 8])
            #expect(conv2d(x.value, filter: w.value, bias: nil, stride: 2, groups: 2).shape == [2, 6, 3, 3])
            #expect(maxPool2d(x, kernelSize: 2, stride: 2, padding: 0).shape == [2, 4, 4, 4])
            #expect(avgPool2d(x, kernelSize: 2, stride: 2, padding: 0).shape == [2, 4, 4, 4])
            #expect(maxPool2d(x.value, kernelSize: 3).shape == [2, 4, 2, 2] && avgPool2d(x.value, kernelSize: 2).shape == [2, 4, 4, 4])
        }
        let x = Variable(sequences), w = Variable(Tensor<Float>.randomNormal(shape: [5, 4, 3])), b = Variable(Tensor<Float>.zeros(shape: [5]))
        #expect(conv1d(x, filter: w, bias: b, stride: 1, padding: 0, dilation: 1, groups: 1).shape == [2, 5, 8])
        #expect(conv1d(sequences, filter: w.value).shape == [2, 5, 8])
        let digits = Tensor<Float>.randomUniform(shape: [3, 64])
        let model = Sequential {
            Conv2D(inputChannels: 1, outputChannels: 16, kernelSize: 3, stride: 1, padding: 1, activation: relu)
            BatchNorm(featureCount: 16)
            MaxPool2D(kernelSize: 2)
            AvgPool2D(kernelSize: 2)
            Flatten()
            Dense(inputSize: 64, outputSize: 10)
        }
        #expect(model(digits.reshaped(to: [-1, 1, 8, 8])).shape == [3, 10])
        #expect(Conv1D(inputChannels: 8, outputChannels: 16, kernelSize: 3, stride: 1, padding: 1)(Tensor<Float>.zeros(shape: [1, 8, 5])).shape == [1, 16, 5])
        #expect(model.namedBuffers.map(\.name) == ["2.running_mean", "2.running_var", "2.num_batches_tracked"])
    }
}
