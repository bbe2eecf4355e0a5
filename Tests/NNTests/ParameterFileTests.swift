import Foundation
import Testing
import NN

@Suite("Parameter files (safetensors)")
struct ParameterFileTests {
    func model(seed: UInt64) -> Sequential {
        withRandomSeed(seed) {
            Sequential {
                Dense(inputSize: 3, outputSize: 4, activation: relu)
                Dense(inputSize: 4, outputSize: 2)
            }
        }
    }

    @Test("the file has the format's exact layout and PyTorch's names and shapes")
    func layout() throws {
        let m = model(seed: 1)
        let url = temporaryFile("layout.safetensors")
        try m.saveParameters(to: url)
        let bytes = [UInt8](try Data(contentsOf: url))
        // 8-byte little-endian header length, then that many bytes of JSON, padded to a multiple of 8.
        let length = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        #expect(length % 8 == 0)
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as! [String: [String: Any]]
        #expect(Set(header.keys) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(header["0.weight"]!["dtype"] as? String == "F32")
        #expect(header["0.weight"]!["shape"] as? [Int] == [4, 3])
        #expect(header["2.bias"]!["shape"] as? [Int] == [2])
        // The data: raw little-endian float32 at the announced offsets, together exactly the rest of the file.
        let offsets = header["2.weight"]!["data_offsets"] as! [Int]
        #expect(offsets[1] - offsets[0] == 2 * 4 * 4)
        let start = 8 + length + offsets[0]
        let first = Float(bitPattern: UInt32(bytes[start]) | UInt32(bytes[start + 1]) << 8 | UInt32(bytes[start + 2]) << 16
            | UInt32(bytes[start + 3]) << 24)
        #expect(first == m.namedParameters[2].parameter.value.scalars[0])
        let total = header.values.map { ($0["data_offsets"] as! [Int])[1] }.max()!
        #expect(bytes.count == 8 + length + total)
    }

    @Test("a saved model loads back into another with the same values")
    func roundTrip() throws {
        let a = model(seed: 1), b = model(seed: 2)
        let url = temporaryFile("roundtrip.safetensors")
        try a.saveParameters(to: url)
        #expect(a.parameters.map(\.value) != b.parameters.map(\.value))
        try b.loadParameters(from: url)
        #expect(a.parameters.map(\.value) == b.parameters.map(\.value))
        let x = Tensor<Float>([[0.1, 0.2, 0.3]])
        #expect(a.predict(x) == b.predict(x))
        #expect(!FileManager.default.fileExists(atPath: url.path + ".tmp"))
    }

    func expectUntouched(_ data: Data, _ expected: ParameterFileError, _ name: String) throws {
        let target = model(seed: 3)
        let before = target.parameters.map(\.value)
        let url = temporaryFile(name)
        try data.write(to: url)
        #expect(throws: expected) { try target.loadParameters(from: url) }
        #expect(target.parameters.map(\.value) == before)
    }

    @Test("bad files throw a typed error and leave the model untouched")
    func badFiles() throws {
        let good = SafeTensors.encode(model(seed: 1).namedParameters.map { ($0.name, $0.parameter.value) })
        try expectUntouched(good.prefix(5), .truncated(expectedBytes: 8, actualBytes: 5), "short")
        try expectUntouched(good.prefix(good.count - 4), .truncated(expectedBytes: good.count, actualBytes: good.count - 4), "cut")
        var corrupt = good
        corrupt[8] = UInt8(ascii: "[")
        try expectUntouched(corrupt, .invalidHeader("the header is not a JSON object"), "corrupt")
        var huge = good
        huge[7] = 0x7f
        #expect(throws: ParameterFileError.self) { try SafeTensors.decode(huge) }
        let missing = SafeTensors.encode(model(seed: 1).namedParameters.dropLast().map { ($0.name, $0.parameter.value) })
        try expectUntouched(missing, .missingParameter("2.bias"), "missing")
        let extra = SafeTensors.encode(model(seed: 1).namedParameters.map { ($0.name, $0.parameter.value) } + [("9.weight", Tensor([1]))])
        try expectUntouched(extra, .unexpectedParameter("9.weight"), "extra")
        var renamed = model(seed: 1).namedParameters.map { ($0.name, $0.parameter.value) }
        renamed[0].1 = .zeros(shape: [3, 4])
        try expectUntouched(SafeTensors.encode(renamed), .shapeMismatch(name: "0.weight", model: [4, 3], file: [3, 4]), "shape")
        let f64 = String(decoding: good, as: UTF8.self).replacingOccurrences(of: "\"F32\"", with: "\"F64\"")
        try expectUntouched(Data(f64.utf8), .dtypeMismatch(name: "0.bias", expected: "F32", found: "F64"), "dtype")
        #expect(throws: ParameterFileError.self) { try model(seed: 1).loadParameters(from: URL(fileURLWithPath: "/nonexistent.safetensors")) }
    }
}

@Suite("Parameter files from the reference implementation")
struct ReferenceFileTests {
    /// Written by the `safetensors` Python package (Scripts/safetensors_interop.py) with the state_dict layout of
    /// torch.nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)), including a `__metadata__` entry.
    @Test("a file written by the reference implementation loads into the equivalent model")
    func loadsReference() throws {
        let model = Sequential {
            Dense(inputSize: 3, outputSize: 4, activation: relu)
            Dense(inputSize: 4, outputSize: 2)
        }
        try model.loadParameters(from: repositoryRoot.appendingPathComponent("Tests/NNTests/Fixtures/reference-sequential.safetensors"))
        let named = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.parameter.value) })
        #expect(named["0.weight"] == Tensor(shape: [4, 3], scalars: (0..<12).map { Float($0) / 10 }))
        #expect(named["0.bias"] == Tensor([0.5, -0.5, 1, 0]))
        #expect(named["2.weight"] == Tensor(shape: [2, 4], scalars: (0..<8).map { -Float($0) / 4 }))
        #expect(named["2.bias"] == Tensor([0.25, -0.25]))
    }
}
