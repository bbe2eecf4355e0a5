import Foundation
import Testing
import NN

/// The parameter-file fuzzer's seed corpus and every input it found (`Scripts/fuzz.sh parameter-files`), replayed:
/// each file loads or throws a `ParameterFileError`, and a load that throws leaves the model bit-identical.
@Suite("Parameter-file fuzz regressions")
struct ParameterFileFuzzTests {
    static let directory = repositoryRoot.appendingPathComponent("Tests/Fuzz/ParameterFiles")

    static var inputs: [String] {
        ["corpus", "regressions"].flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(folder).path)) ?? [])
                .filter { !$0.hasPrefix(".") }.sorted().map { "\(folder)/\($0)" }
        }
    }

    /// The fuzz entry's model (Tests/Fuzz/ParameterFiles/FuzzEntry.swift).
    struct Statistics: Layer {
        let weight = Variable(Tensor<Float>([1, 2]))
        let mean = Buffer(Tensor([0.5, -0.5]))
        let count = Buffer(Tensor(7.0), dtype: .int64)
        func callAsFunction(_ x: Variable<Float>) -> Variable<Float> { x * weight }
        var namedParameters: [(name: String, parameter: Variable<Float>)] { [("weight", weight)] }
        var namedBuffers: [(name: String, buffer: Buffer)] { [("running_mean", mean), ("num_batches_tracked", count)] }
    }

    static func bits(_ model: Sequential) -> [UInt64] {
        model.parameters.flatMap { $0.value.scalars.map { UInt64($0.bitPattern) } }
            + model.namedBuffers.flatMap { $0.buffer.value.scalars.map(\.bitPattern) }
    }

    @Test("every saved input loads or throws a typed error, leaving the model untouched", arguments: inputs)
    func replay(_ file: String) throws {
        let model = withRandomSeed(1) {
            Sequential {
                Dense(inputSize: 3, outputSize: 4, activation: relu)
                Dense(inputSize: 4, outputSize: 2)
                Statistics()
            }
        }
        let before = Self.bits(model)
        do {
            try model.loadParameters(from: Self.directory.appendingPathComponent(file))
        } catch is ParameterFileError {
            #expect(Self.bits(model) == before, "\(file): a failed load changed the model")
        }
    }

    @Test("the seed corpus holds a file that loads")
    func corpusLoads() throws {
        #expect(Self.inputs.contains("corpus/match"))
    }
}
