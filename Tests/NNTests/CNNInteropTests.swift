import Foundation
import Testing
import NN

/// A CNN with BatchNorm moves between PyTorch and here: the twin in Scripts/cnn_interop.py wrote the fixtures.
@Suite("CNN parameter files with PyTorch")
struct CNNInteropTests {
    /// The Swift side of Scripts/cnn_interop.py's twin (parameter names 0, 2, 4, 7; buffers under 2).
    static func model() -> Sequential {
        Sequential {
            Conv2D(inputChannels: 1, outputChannels: 4, kernelSize: 3, padding: 1, activation: relu)
            BatchNorm(featureCount: 4)
            MaxPool2D(kernelSize: 2)
            Conv2D(inputChannels: 4, outputChannels: 6, kernelSize: 3, stride: 2, padding: 1)
            AvgPool2D(kernelSize: 2)
            Flatten()
            Dense(inputSize: 6, outputSize: 3)
        }
    }

    /// The Swift side of Scripts/cnn_interop.py's twin with options: convolutions without bias, a BatchNorm
    /// without scale and shift (buffers only) and one without running statistics (parameters only).
    static func optionsModel() -> Sequential {
        Sequential {
            Conv2D(inputChannels: 1, outputChannels: 4, kernelSize: 3, padding: 1, bias: false)
            BatchNorm(featureCount: 4, affine: false)
            MaxPool2D(kernelSize: 2)
            Conv2D(inputChannels: 4, outputChannels: 6, kernelSize: 3, stride: 2, padding: 1, bias: false)
            BatchNorm(featureCount: 6, trackRunningStatistics: false)
            Flatten()
            Dense(inputSize: 24, outputSize: 3)
        }
    }

    static func fixture(_ name: String) throws -> [String: SafeTensors.Entry] {
        try SafeTensors.decodeEntries(Data(contentsOf: repositoryRoot.appendingPathComponent("Tests/NNTests/Fixtures/\(name)")))
    }

    /// Saves `model` to `url` and checks that the file has exactly the entries (names, shapes, dtypes) of the
    /// PyTorch-written fixture `reference`; returns the entries written.
    static func save(_ model: Sequential, to url: URL, matching reference: String) throws -> [String: SafeTensors.Entry] {
        try model.saveParameters(to: url)
        let written = try SafeTensors.decodeEntries(Data(contentsOf: url))
        let expected = try fixture(reference)
        #expect(Set(written.keys) == Set(expected.keys))
        for (name, entry) in expected {
            #expect(written[name]?.shape == entry.shape && written[name]?.dtype == entry.dtype, "\(name)")
        }
        return written
    }

    static func floats(_ entry: SafeTensors.Entry?) -> Tensor<Float> {
        guard case .float32(let t) = entry else { return Tensor<Float>(shape: [0], scalars: []) }
        return t
    }

    @Test("a PyTorch-written CNN with BatchNorm loads here and gives PyTorch's outputs in evaluation and training mode; its running statistics update exactly like PyTorch's; a file written here has the twin's names, shapes and dtypes")
    func roundTrip() throws {
        let model = Self.model()
        try model.loadParameters(from: repositoryRoot.appendingPathComponent("Tests/NNTests/Fixtures/reference-cnn.safetensors"))
        let norm = model.layers[1] as! BatchNorm
        #expect(norm.batchesTracked.value.scalar == 3)
        let io = try Self.fixture("reference-cnn-io.safetensors")
        let x = Self.floats(io["input"])
        #expect(x.shape == [4, 1, 8, 8])

        model.eval()
        #expect(close(model.predict(x).scalars, Self.floats(io["eval_output"]).scalars, tolerance: 1e-5))
        model.train()
        #expect(close(model(x).value.scalars, Self.floats(io["train_output"]).scalars, tolerance: 1e-5))
        // The state after that training-mode pass: PyTorch's running statistics and batch count.
        #expect(close(norm.runningMean.value.scalars.map(Float.init), Self.floats(io["after.2.running_mean"]).scalars, tolerance: 1e-6))
        #expect(close(norm.runningVariance.value.scalars.map(Float.init), Self.floats(io["after.2.running_var"]).scalars, tolerance: 1e-6))
        #expect(io["after.2.num_batches_tracked"] == .int64(shape: [], values: [4]))

        // Written here: exactly the entries (names, shapes, dtypes) of PyTorch's state_dict, read back the same.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("autodiff-cnn-interop.safetensors")
        let written = try Self.save(model, to: url, matching: "reference-cnn.safetensors")
        #expect(written["2.num_batches_tracked"] == .int64(shape: [], values: [4]))
        let reloaded = Self.model()
        try reloaded.loadParameters(from: url)
        reloaded.eval()
        model.eval()
        #expect(reloaded.predict(x) == model.predict(x))
    }

    @Test("bias: false, affine: false and trackRunningStatistics: false have PyTorch's entries and outputs: a PyTorch-written file loads, gives the twin's outputs in both modes, and a file written here has exactly the twin's entries")
    func options() throws {
        let model = Self.optionsModel()
        #expect(model.namedParameters.map(\.name) == ["0.weight", "3.weight", "4.weight", "4.bias", "6.weight", "6.bias"])
        #expect(model.namedBuffers.map(\.name) == ["1.running_mean", "1.running_var", "1.num_batches_tracked"])
        try model.loadParameters(from: repositoryRoot.appendingPathComponent("Tests/NNTests/Fixtures/reference-cnn-options.safetensors"))
        let io = try Self.fixture("reference-cnn-options-io.safetensors")
        let x = Self.floats(io["input"])
        model.eval()   // layer 1: running statistics; layer 4: still the batch's
        #expect(close(model.predict(x).scalars, Self.floats(io["eval_output"]).scalars, tolerance: 1e-5))
        model.train()
        #expect(close(model(x).value.scalars, Self.floats(io["train_output"]).scalars, tolerance: 1e-5))
        let norm = model.layers[1] as! BatchNorm
        #expect(close(norm.runningMean.value.scalars.map(Float.init), Self.floats(io["after.1.running_mean"]).scalars, tolerance: 1e-6))
        #expect(close(norm.runningVariance.value.scalars.map(Float.init), Self.floats(io["after.1.running_var"]).scalars, tolerance: 1e-6))

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("autodiff-cnn-options.safetensors")
        let written = try Self.save(model, to: url, matching: "reference-cnn-options.safetensors")
        #expect(written["1.num_batches_tracked"] == .int64(shape: [], values: [4]))
    }
}
