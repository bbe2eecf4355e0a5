import Testing
import NN

@Suite("Debugging a model")
struct DebuggingTests {
    @Test("an overflow inside a layer is reported at the model(x) call, and the graph collapses to its layers")
    func anomalyInModel() throws {
        let model = Sequential {
            Dense(weight: Tensor([[1e30, 1], [1, 1]]), bias: Tensor([0, 0]), activation: relu)
            Dense(weight: Tensor([[1, 1]]), bias: Tensor([0]))
        }
        let x = Tensor<Float>([[1e30, 1]])
        var line = 0
        do {
            try withAnomalyDetection {
                line = #line + 1
                let y = model(x).sum()
                y.backward()
            }
            Issue.record("no anomaly")
        } catch let anomaly as AnomalyError {
            #expect(anomaly.operation == "linear")
            #expect(anomaly.phase == .forward)
            #expect(anomaly.file == "NNTests/DebuggingTests.swift" && anomaly.line == line)
            #expect(anomaly.placeIsExact)
        }
        let small = model(Tensor<Float>([[1, 2]])).sum()
        let layers = small.graph(collapsingGroups: true).nodes.filter { $0.kind == .group }
        #expect(layers.map(\.operation) == ["0: Dense", "1: Dense"])
    }
}
