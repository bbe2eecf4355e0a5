import Foundation
import Testing
import AutoDiff
import NN

/// API.md's turn-2 code blocks exactly as printed (convolution and pooling, the layers, seeing what the tape
/// does); only the values they leave undefined (`x`, `w`, `b`, `q`, `k`, `v`) are defined first.
@Suite("API.md contract, added in turn 2")
struct APIContractTurn2Tests {
    @Test("convolution and pooling on Variable and Tensor, as printed")
    func convolutionAndPooling() {
        do {
            let x = Variable(Tensor<Float>.ones(shape: [2, 1, 8, 8]))
            let w = Variable(Tensor<Float>.ones(shape: [4, 1, 3, 3]))
            let b = Variable(Tensor<Float>.zeros(shape: [4]))
            let y = conv2d(x, filter: w, bias: b, stride: 1, padding: 1, dilation: 1, groups: 1)  // x [N, C, H, W], w [O, C/groups, kH, kW], b [O] or nil
            #expect(y.shape == [2, 4, 8, 8])
            #expect(maxPool2d(x, kernelSize: 2, stride: 2, padding: 0).shape == [2, 1, 4, 4])       // stride defaults to kernelSize
            #expect(avgPool2d(x, kernelSize: 2, stride: 2, padding: 0).shape == [2, 1, 4, 4])       // padding counts in the average (PyTorch's default)
        }
        do {
            let x = Tensor<Double>.ones(shape: [2, 3, 10])
            let w = Tensor<Double>.ones(shape: [4, 3, 3])
            let b = Tensor<Double>.zeros(shape: [4])
            #expect(conv1d(x, filter: w, bias: b, stride: 1, padding: 0, dilation: 1, groups: 1).shape == [2, 4, 8])  // x [N, C, L],    w [O, C/groups, K]
            #expect(maxPool2d(Tensor<Double>.ones(shape: [1, 1, 4, 4]), kernelSize: 2).shape == [1, 1, 2, 2])
        }
    }

    @Test("the layers, as printed, with their PyTorch names")
    func layers() {
        let conv = Conv2D(inputChannels: 1, outputChannels: 16, kernelSize: 3, stride: 1, padding: 1, activation: relu)  // "weight" [O, C, k, k], "bias" [O]
        let conv1 = Conv1D(inputChannels: 8, outputChannels: 16, kernelSize: 3, stride: 1, padding: 1)
        let pools: [any Layer] = [MaxPool2D(kernelSize: 2), AvgPool2D(kernelSize: 2)]        // stride: defaults to kernelSize
        let flatten = Flatten()                                                 // [N, …] -> [N, product of the rest]
        let norm = BatchNorm(featureCount: 16)
        let layerNorm = LayerNorm(size: 64)
        let embedding = Embedding(vocabularySize: 28, embeddingSize: 16)
        let lstm = LSTM(inputSize: 16, hiddenSize: 64)
        let gru = GRU(inputSize: 16, hiddenSize: 64)
        let attention = MultiHeadAttention(embeddingSize: 32, headCount: 4, causal: true)
        #expect(conv.namedParameters.map(\.name) == ["weight", "bias"] && conv.weight.shape == [16, 1, 3, 3])
        #expect(conv1.namedParameters.map(\.parameter.shape) == [[16, 8, 3], [16]])
        #expect(pools.count == 2 && flatten(Variable(Tensor<Float>.ones(shape: [2, 3, 4]))).shape == [2, 12])
        #expect(norm.namedBuffers.map(\.name) == ["running_mean", "running_var", "num_batches_tracked"])
        #expect(layerNorm.namedParameters.map(\.name) == ["weight", "bias"])
        #expect(embedding.namedParameters.map(\.parameter.shape) == [[28, 16]])
        #expect(lstm.namedParameters.map(\.name) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"])
        #expect(lstm.namedParameters[0].parameter.shape == [256, 16])
        #expect(gru.namedParameters[1].parameter.shape == [192, 64])
        #expect(attention.namedParameters.map(\.name) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])

        let indices = Tensor<Float>([[1, 2, 3], [4, 5, 6]])                     // [N, T] whole-number indices
        let h = lstm(embedding(indices))
        #expect(h.shape == [2, 3, 64])
        #expect(Dense(inputSize: 64, outputSize: 28)(h).shape == [2, 3, 28])      // Dense on the last axis
        let q = Variable(Tensor<Float>.ones(shape: [2, 4, 3, 8])), k = q, v = q
        #expect(scaledDotProductAttention(query: q, key: k, value: v, causal: true).shape == [2, 4, 3, 8])  // AutoDiff; [N, heads, T, d], PyTorch's F.sdpa
        let logits = Variable(Tensor<Float>.zeros(shape: [2, 3, 28]))
        let loss = softmaxCrossEntropy(logits: logits, labels: [1, 2, 3, 4, 5, 6])
        #expect(abs(loss.value.scalar - Foundation.log(28)) < 1e-5)
    }

    @Test("seeing what the tape does, as printed")
    func seeingWhatTheTapeDoes() {
        let x = Variable(Tensor<Double>([1, 2, 3]))
        var caught = false
        do {
            try withAnomalyDetection {
                let loss = log(x - 1).sum()      // x holds a 1: log(0) = -inf
                loss.backward()
            }
        } catch let anomaly as AnomalyError {
            #expect(anomaly.operation == "log")   // String: "log"
            #expect(anomaly.phase == .forward)    // .forward or .backward
            #expect(anomaly.file.hasSuffix("APIContractTurn2Tests.swift"))
            #expect(anomaly.line > 0)
            print(anomaly)      // one message: all of the above, the input shapes and what to do
            caught = true
        } catch {
            Issue.record("unexpected error \(error)")
        }
        #expect(caught)

        let loss = (x * x).sum()
        let graph = loss.graph()         // before backward(), or after backward(retainGraph: true)
        #expect(graph.dot.hasPrefix("digraph"))
        #expect(graph.mermaid.contains("flowchart") || graph.mermaid.contains("graph"))
        #expect(graph.svg.contains("<svg"))

        let handle = x.registerHook { gradient in gradient * 0.5 }   // the closure takes and returns a Tensor<Scalar>
        x.zeroGrad()
        (x * 2).sum().backward()
        #expect(x.grad == Tensor([1, 1, 1]))
        handle.remove()
        x.zeroGrad()
        (x * 2).sum().backward()
        #expect(x.grad == Tensor([2, 2, 2]))
    }
}
