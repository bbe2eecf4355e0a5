import Testing
import NN

/// A layer given an input it cannot take stops with a message naming the layer, its place in the model, the
/// expected and actual sizes, and the line of the user's `model(x)` call (an exit test checks the message).
@Suite("Layer error messages")
struct LayerErrorTests {
    // Inside an exit test, #line is the line of its `#expect(processExitsWith:)`: the messages name that line.
    static func stderr(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test("a Dense inside a Sequential given 4 features where it expects 3 names the layer, its index and the caller's line")
    func denseInSequential() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let model = Sequential {
                Dense(inputSize: 5, outputSize: 3, activation: relu)
                Dense(inputSize: 4, outputSize: 2)
            }
            _ = model(Tensor<Float>.ones(shape: [2, 5]))
        }
        let text = Self.stderr(result)
        #expect(text.contains("Dense(inputSize: 4, outputSize: 2) (layer 1 of the Sequential)"))
        #expect(text.contains("expects 4 input features on the last axis, got 3 (input of shape [2, 3])"))
        #expect(text.contains("LayerErrorTests.swift:15"))
        #expect(text.contains("Fix:"))
    }

    @Test("a Dense called directly names the caller's line")
    func denseDirect() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let layer = Dense(inputSize: 3, outputSize: 2)
            _ = layer(Variable(Tensor<Float>.ones(shape: [2, 4])))
        }
        let text = Self.stderr(result)
        #expect(text.contains("LayerErrorTests.swift:31"))
        #expect(text.contains("expects 3 input features on the last axis, got 4"))
    }

    @Test("a nested Sequential names both places")
    func nested() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let inner = Sequential { Dense(inputSize: 2, outputSize: 2) }
            let model = Sequential {
                Dense(inputSize: 3, outputSize: 3)
                inner
            }
            _ = model(Tensor<Float>.ones(shape: [1, 3]))
        }
        let text = Self.stderr(result)
        #expect(text.contains("(layer 0 of a Sequential, inside layer 1 of the Sequential)"))
        #expect(text.contains("LayerErrorTests.swift:42"))
    }
}

@Suite("Convolution layer error messages")
struct ConvolutionLayerErrorTests {
    @Test("flat digits given to a Conv2D in a Sequential: the layer, its index, the shape, the caller's line and the reshape")
    func flatInputToConv() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let model = Sequential {
                Conv2D(inputChannels: 1, outputChannels: 4, kernelSize: 3, padding: 1, activation: relu)
                MaxPool2D(kernelSize: 2)
            }
            _ = model(Tensor<Float>.zeros(shape: [2, 64]))
        }
        let text = LayerErrorTests.stderr(result)
        #expect(text.contains("Conv2D(inputChannels: 1, outputChannels: 4, kernelSize: 3) (layer 0 of the Sequential)"))
        #expect(text.contains("expects images [N, 1, H, W], got an input of shape [2, 64]"))
        #expect(text.contains("LayerErrorTests.swift:60"))
        #expect(text.contains("Fix: reshape the input to [N, 1, H, W]"))
    }

    @Test("wrong channels into the second Conv2D, a BatchNorm, and a pooling window larger than the image")
    func channelsAndSizes() async {
        let conv = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let model = Sequential {
                Conv2D(inputChannels: 1, outputChannels: 8, kernelSize: 3)
                Conv2D(inputChannels: 16, outputChannels: 8, kernelSize: 3)
            }
            _ = model(Tensor<Float>.zeros(shape: [1, 1, 8, 8]))
        }
        #expect(LayerErrorTests.stderr(conv).contains("(layer 1 of the Sequential): expects images [N, 16, H, W], got an input of shape [1, 8, 6, 6]"))
        let norm = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = BatchNorm(featureCount: 4)(Variable(Tensor<Float>.zeros(shape: [2, 3, 5, 5])))
        }
        #expect(LayerErrorTests.stderr(norm).contains("BatchNorm(featureCount: 4): expects [N, 4] or [N, 4, H, W], got an input of shape [2, 3, 5, 5]"))
        #expect(LayerErrorTests.stderr(norm).contains("LayerErrorTests.swift:84"))
        let pool = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let model = Sequential { MaxPool2D(kernelSize: 2); MaxPool2D(kernelSize: 2); MaxPool2D(kernelSize: 2) }
            _ = model(Tensor<Float>.zeros(shape: [1, 1, 4, 4]))
        }
        #expect(LayerErrorTests.stderr(pool).contains("MaxPool2D(kernelSize: 2) (layer 2 of the Sequential): its 2×2 window is larger than the input (shape [1, 1, 1, 1])"))
    }
}
