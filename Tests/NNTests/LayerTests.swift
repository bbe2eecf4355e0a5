import Testing
import NN

@Suite("Layers")
struct LayerTests {
    @Test("Dense computes x · Wᵀ + b with W shaped [out, in], like nn.Linear")
    func denseValues() {
        let layer = Dense(weight: Tensor([[1, 2], [3, 4], [5, 6]]), bias: Tensor([0.5, -0.5, 0]))
        let y = layer(Tensor<Float>([[1, 1], [2, 0]]))
        #expect(y.value == Tensor([[3.5, 6.5, 11], [2.5, 5.5, 10]]))
        #expect(layer(Tensor<Float>([1, 1])).value == Tensor([3.5, 6.5, 11]))
        let unannotated = Dense(inputSize: 64, outputSize: 10)
        #expect(unannotated.weight.shape == [10, 64] && unannotated.bias.shape == [10])
        #expect(unannotated.weight.value.scalars.allSatisfy { abs($0) <= 1 / 8 })
    }

    @Test("the same seed gives the same model")
    func seeded() {
        let a = withRandomSeed(3) { Dense(inputSize: 4, outputSize: 3) }
        let b = withRandomSeed(3) { Dense(inputSize: 4, outputSize: 3) }
        let c = withRandomSeed(4) { Dense(inputSize: 4, outputSize: 3) }
        #expect(a.weight.value == b.weight.value && a.weight.value != c.weight.value)
    }

    @Test("Sequential names parameters like torch.nn.Sequential, counting activations and dropout as modules")
    func pytorchNames() {
        let model = Sequential {
            Dense(inputSize: 64, outputSize: 128, activation: relu)
            Dropout(rate: 0.2)
            Dense(inputSize: 128, outputSize: 10)
        }
        // torch: Sequential(Linear(64,128), ReLU(), Dropout(0.2), Linear(128,10))
        #expect(model.namedParameters.map(\.name) == ["0.weight", "0.bias", "3.weight", "3.bias"])
        #expect(model.namedParameters.map(\.parameter.shape) == [[128, 64], [128], [10, 128], [10]])
        #expect(model.parameterCount == 64 * 128 + 128 + 128 * 10 + 10)
        let plain = Sequential { Dense(inputSize: 64, outputSize: 128); ReLU(); Dense(inputSize: 128, outputSize: 10) }
        #expect(plain.namedParameters.map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias"])
    }

    @Test("activation layers and Flatten")
    func activations() {
        let x = Variable(Tensor<Float>([[-1, 2]]), requiresGrad: false)
        #expect(ReLU()(x).value == Tensor([[0, 2]]))
        #expect(LeakyReLU(alpha: 0.1)(x).value == Tensor([[-0.1, 2]]))
        #expect(Sigmoid()(x).value.isAlmostEqual(to: sigmoid(x.value)))
        #expect(Tanh()(x).value.isAlmostEqual(to: tanh(x.value)))
        #expect(Softmax()(x).value.sum().scalar == 1)
        let images = Variable(Tensor<Float>.zeros(shape: [5, 8, 8]), requiresGrad: false)
        #expect(Flatten()(images).shape == [5, 64])
    }

    /// A layer a user writes: it trains like the built-ins.
    struct Affine: Layer {
        let scale = Variable(Tensor<Float>(1))
        let shift = Variable(Tensor<Float>(0))
        func callAsFunction(_ x: Variable<Float>) -> Variable<Float> { x * scale + shift }
        var namedParameters: [(name: String, parameter: Variable<Float>)] { [("scale", scale), ("shift", shift)] }
    }

    @Test("a user-defined layer trains inside a Sequential")
    func customLayer() {
        let affine = Affine()
        let model = Sequential { affine }
        let x = Tensor<Float>([[0], [1], [2], [3]])
        let y = x * 3 - 1
        let optimizer = SGD(for: model, learningRate: 0.05)
        for _ in 0..<500 {
            optimizer.zeroGrad()
            meanSquaredError(predicted: model(x), expected: y).backward()
            optimizer.step()
        }
        #expect(abs(affine.scale.scalar - 3) < 1e-3 && abs(affine.shift.scalar + 1) < 1e-3)
        #expect(model.namedParameters.map(\.name) == ["0.scale", "0.shift"])
    }

    @Test("dropout zeroes about rate of the elements in training, keeps the expected value, and is off in evaluation")
    func dropout() {
        let layer = Dropout(rate: 0.25, generator: SeededGenerator(seed: 9))
        let x = Variable(Tensor<Float>.ones(shape: [100, 100]), requiresGrad: false)
        let y = layer(x).value
        let zeros = y.scalars.filter { $0 == 0 }.count
        #expect(abs(Float(zeros) / 10_000 - 0.25) < 0.02)
        #expect(y.scalars.allSatisfy { $0 == 0 || abs($0 - 1 / 0.75) < 1e-6 })
        #expect(abs(y.mean().scalar - 1) < 0.03)
        layer.setTraining(false)
        #expect(layer(x).value == x.value)
        let model = Sequential { Dropout(rate: 0.5) }
        #expect(model.predict(x.value) == x.value)
        #expect(model.isTraining)
    }
}
