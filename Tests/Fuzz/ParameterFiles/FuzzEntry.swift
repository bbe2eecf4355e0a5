// libFuzzer entry for parameter files: built by `Scripts/fuzz.sh parameter-files` together with the AutoDiff and
// NN sources (one module, -D FUZZING). Each input is decoded as a safetensors file and loaded into a small model
// with parameters and buffers (F32 and I64). Any crash, trap or hang is a bug: a malformed file must throw a
// `ParameterFileError`, and a load that throws must leave the model bit-identical.
import Foundation

/// nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)) plus a layer with running statistics.
struct FuzzStatistics: Layer {
    let weight = Variable(Tensor<Float>([1, 2]))
    let mean = Buffer(Tensor([0.5, -0.5]))
    let count = Buffer(Tensor(7.0), dtype: .int64)
    func callAsFunction(_ x: Variable<Float>) -> Variable<Float> { x * weight }
    var namedParameters: [(name: String, parameter: Variable<Float>)] { [("weight", weight)] }
    var namedBuffers: [(name: String, buffer: Buffer)] { [("running_mean", mean), ("num_batches_tracked", count)] }
}

let fuzzModel = withRandomSeed(1) {
    Sequential {
        Dense(inputSize: 3, outputSize: 4, activation: relu)
        Dense(inputSize: 4, outputSize: 2)
        FuzzStatistics()
    }
}

/// Every stored number of the model as bits, to compare before and after a failed load.
func fuzzModelBits() -> [UInt64] {
    fuzzModel.parameters.flatMap { $0.value.scalars.map { UInt64($0.bitPattern) } }
        + fuzzModel.namedBuffers.flatMap { $0.buffer.value.scalars.map(\.bitPattern) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    _ = try? SafeTensors.decode(bytes)
    let before = fuzzModelBits()
    do {
        try fuzzModel.loadState(SafeTensors.decodeEntries(bytes))
    } catch is ParameterFileError {
        precondition(fuzzModelBits() == before, "a load that threw changed the model")
    } catch {
        preconditionFailure("a load threw \(type(of: error)), not a ParameterFileError: \(error)")
    }
    return 0
}
