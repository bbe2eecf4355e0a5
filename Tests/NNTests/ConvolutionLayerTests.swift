import Testing
import NN

/// The digits CNN of the playground's chapter "Convolutions".
func digitsCNN(batchNorm: Bool = false) -> Sequential {
    Sequential {
        Conv2D(inputChannels: 1, outputChannels: 16, kernelSize: 3, padding: 1, activation: relu)
        if batchNorm { BatchNorm(featureCount: 16) }
        MaxPool2D(kernelSize: 2)
        Conv2D(inputChannels: 16, outputChannels: 32, kernelSize: 3, padding: 1, activation: relu)
        MaxPool2D(kernelSize: 2)
        Flatten()
        Dense(inputSize: 128, outputSize: 10)
    }
}

@Suite("Convolution layers and BatchNorm")
struct ConvolutionLayerTests {
    @Test("Conv2D: PyTorch's layouts, initial bounds ±1/√fanIn, and the same output as conv2d + relu")
    func conv2D() {
        let layer = withRandomSeed(1) {
            Conv2D(inputChannels: 4, outputChannels: 6, kernelSize: 3, stride: 2, padding: 1, groups: 2, activation: relu)
        }
        #expect(layer.weight.shape == [6, 2, 3, 3] && layer.bias?.shape == [6])
        #expect(layer.weight.value.scalars.allSatisfy { abs($0) <= 1 / Float(18).squareRoot() })
        let x = withRandomSeed(2) { Tensor<Float>.randomNormal(shape: [2, 4, 7, 7]) }
        let y = layer(x)
        #expect(y.shape == [2, 6, 4, 4])
        #expect(y.value == relu(conv2d(x, filter: layer.weight.value, bias: layer.bias!.value, stride: 2, padding: 1, groups: 2)))
        #expect(layer.moduleCount == 2)
    }

    @Test("Conv1D on [N, C, L], pooling layers with the stride defaulting to the kernel size")
    func conv1DAndPooling() {
        let conv = Conv1D(inputChannels: 8, outputChannels: 16, kernelSize: 3, stride: 1, padding: 1)
        #expect(conv(Tensor<Float>.ones(shape: [2, 8, 10])).shape == [2, 16, 10])
        #expect(conv.weight.shape == [16, 8, 3] && conv.moduleCount == 1)
        let x = Tensor<Float>(shape: [1, 1, 4, 4], scalars: (0..<16).map(Float.init))
        #expect(MaxPool2D(kernelSize: 2)(x).value == Tensor(shape: [1, 1, 2, 2], scalars: [5, 7, 13, 15]))
        #expect(AvgPool2D(kernelSize: 2)(x).value == Tensor(shape: [1, 1, 2, 2], scalars: [2.5, 4.5, 10.5, 12.5]))
        #expect(MaxPool2D(kernelSize: 3, stride: 1)(x).shape == [1, 1, 2, 2])
    }

    @Test("the digits CNN maps [N, 1, 8, 8] to [N, 10] and names its parameters like the PyTorch twin")
    func digitsNetwork() {
        let model = digitsCNN()
        #expect(model(Tensor<Float>.zeros(shape: [3, 1, 8, 8])).shape == [3, 10])
        // torch: Sequential(Conv2d, ReLU, MaxPool2d, Conv2d, ReLU, MaxPool2d, Flatten, Linear)
        #expect(model.namedParameters.map(\.name) == ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias"])
        #expect(model.parameterCount == 16 * 9 + 16 + 32 * 16 * 9 + 32 + 128 * 10 + 10)
        let withNorm = digitsCNN(batchNorm: true)
        #expect(withNorm.namedBuffers.map(\.name) == ["2.running_mean", "2.running_var", "2.num_batches_tracked"])
        #expect(withNorm.namedParameters.map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias", "8.weight", "8.bias"])
    }

    @Test("BatchNorm in training: batch statistics (biased variance), running ones with the unbiased variance and momentum 0.1")
    func batchNormTraining() {
        let norm = BatchNorm(featureCount: 2)
        let x = Variable(Tensor<Float>([[1, 10], [2, 20], [3, 30], [4, 40]]))
        let y = norm(x)
        // Feature 0: mean 2.5, variance 1.25 (unbiased 5/3); feature 1: ten times that.
        let expected0 = [1, 2, 3, 4].map { (Float($0) - 2.5) / (1.25 + 1e-5 as Float).squareRoot() }
        let expected1 = [10, 20, 30, 40].map { (Float($0) - 25) / (125 + 1e-5 as Float).squareRoot() }
        #expect(close(y.value.scalars, zip(expected0, expected1).flatMap { [$0, $1] }))
        #expect(close(norm.runningMean.value.scalars.map(Float.init), [0.25, 2.5]))
        let unbiased: [Float] = [5.0 / 3, 500.0 / 3]
        #expect(close(norm.runningVariance.value.scalars.map(Float.init), unbiased.map { 0.9 + 0.1 * $0 }))
        #expect(norm.batchesTracked.value.scalar == 1 && norm.batchesTracked.dtype == .int64)
        // The gradient of a normalized output sums to zero over the batch for each feature.
        (y * Tensor<Float>([[1, 2], [3, 4], [5, 6], [7, 8]])).sum().backward()
        #expect(close(x.grad!.sum(alongAxes: 0).scalars, [0, 0], tolerance: 1e-5))
        #expect(norm.weight.grad != nil && norm.bias.grad!.scalars == [16, 20])
    }

    @Test("BatchNorm in evaluation uses the running statistics and leaves them alone; images normalize per channel")
    func batchNormEvaluation() {
        let norm = BatchNorm(featureCount: 3)
        let images = withRandomSeed(4) { Tensor<Float>.randomNormal(shape: [2, 3, 4, 4]) } * 3 + 1
        let trained = norm(Variable(images))
        let perChannel = trained.value.transposed(permutation: [1, 0, 2, 3]).reshaped(to: [3, -1])
        #expect(close(perChannel.mean(alongAxes: 1).scalars, [0, 0, 0], tolerance: 1e-5))
        norm.setTraining(false)
        let before = norm.runningMean.value
        let y = norm(Variable(images))
        #expect(norm.runningMean.value == before && norm.batchesTracked.value.scalar == 1)
        let mean = Tensor<Float>(norm.runningMean.value).reshaped(to: [1, 3, 1, 1])
        let variance = Tensor<Float>(norm.runningVariance.value).reshaped(to: [1, 3, 1, 1])
        #expect(close(y.value.scalars, ((images - mean) / sqrt(variance + 1e-5)).scalars))
    }

    @Test("bias: false (PyTorch's bias=False): no bias parameter, the convolution alone, and the same weight drawn")
    func withoutBias() {
        let plain = withRandomSeed(7) { Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1, bias: false) }
        let biased = withRandomSeed(7) { Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1) }
        #expect(plain.bias == nil && plain.namedParameters.map(\.name) == ["weight"] && plain.parameters.count == 1)
        #expect(plain.weight.value == biased.weight.value)   // the weight is drawn first, as in PyTorch
        let x = withRandomSeed(8) { Tensor<Float>.randomNormal(shape: [2, 2, 5, 5]) }
        #expect(plain(x).value == conv2d(x, filter: plain.weight.value, padding: 1))
        let sequence = Conv1D(inputChannels: 2, outputChannels: 4, kernelSize: 3, bias: false)
        #expect(sequence.bias == nil && sequence.namedParameters.map(\.name) == ["weight"])
        let s = withRandomSeed(9) { Tensor<Float>.randomNormal(shape: [2, 2, 6]) }
        #expect(sequence(s).value == conv1d(s, filter: sequence.weight.value))
        let model = Sequential {
            Conv2D(inputChannels: 1, outputChannels: 4, kernelSize: 3, bias: false, activation: relu)
            BatchNorm(featureCount: 4)
        }
        #expect(model.namedParameters.map(\.name) == ["0.weight", "2.weight", "2.bias"])
    }

    @Test("BatchNorm(affine: false) has no parameters; trackRunningStatistics: false has no buffers and normalizes with the batch in evaluation too")
    func batchNormOptions() {
        let x = withRandomSeed(10) { Tensor<Float>.randomNormal(shape: [4, 3, 2, 2]) } * 2 + 1
        let plain = BatchNorm(featureCount: 3, affine: false)
        #expect(plain.namedParameters.isEmpty && plain.parameters.isEmpty && plain.namedBuffers.count == 3)
        let input = Variable(x)
        let y = plain(input)
        #expect(close(y.value.scalars, BatchNorm(featureCount: 3)(x).value.scalars))   // γ = 1, β = 0
        y.sum().backward()
        #expect(plain.weight.grad == nil && plain.bias.grad == nil && input.grad != nil)
        #expect(plain.batchesTracked.value.scalar == 1)

        let batchOnly = BatchNorm(featureCount: 3, trackRunningStatistics: false)
        #expect(batchOnly.namedBuffers.isEmpty && batchOnly.namedParameters.map(\.name) == ["weight", "bias"])
        let training = batchOnly(x).value
        batchOnly.setTraining(false)
        #expect(batchOnly(x).value == training)                 // the batch's statistics in evaluation too
        #expect(batchOnly.batchesTracked.value.scalar == 0 && batchOnly.runningMean.value.scalars == [0, 0, 0])
    }

    @Test("a CNN trains: the loss falls on a small batch")
    func trains() {
        let model = withRandomSeed(5) { digitsCNN(batchNorm: true) }
        let x = withRandomSeed(6) { Tensor<Float>.randomUniform(shape: [16, 1, 8, 8]) }
        let labels = (0..<16).map { $0 % 10 }
        let optimizer = Adam(for: model, learningRate: 1e-2)
        var losses: [Float] = []
        for _ in 0..<20 {
            let loss = softmaxCrossEntropy(logits: model(x), labels: labels)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            losses.append(loss.value.scalar)
        }
        #expect(losses.last! < 0.5 * losses.first!)
    }
}
