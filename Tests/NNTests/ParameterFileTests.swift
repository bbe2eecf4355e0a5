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
        try expectUntouched(good.prefix(good.count - 4), .truncated(expectedBytes: UInt64(good.count), actualBytes: good.count - 4), "cut")
        var corrupt = good
        corrupt[8] = UInt8(ascii: "[")
        try expectUntouched(corrupt, .invalidHeader("the header is not a JSON object"), "corrupt")
        var huge = good
        huge[7] = 0x7f
        #expect(throws: ParameterFileError.self) { try SafeTensors.decode(huge) }
        let missing = SafeTensors.encode(model(seed: 1).namedParameters.dropLast().map { ($0.name, $0.parameter.value) })
        try expectUntouched(missing, .mismatch(.init(missing: ["2.bias"], unexpected: [], differences: [])), "missing")
        let extra = SafeTensors.encode(model(seed: 1).namedParameters.map { ($0.name, $0.parameter.value) } + [("9.weight", Tensor([1]))])
        try expectUntouched(extra, .mismatch(.init(missing: [], unexpected: ["9.weight"], differences: [])), "extra")
        var renamed = model(seed: 1).namedParameters.map { ($0.name, $0.parameter.value) }
        renamed[0].1 = .zeros(shape: [3, 4])
        let difference = ParameterFileMismatch.Difference(name: "0.weight", fileShape: [3, 4], modelShape: [4, 3],
                                                          fileDType: nil, modelDType: "F32")
        try expectUntouched(SafeTensors.encode(renamed), .mismatch(.init(missing: [], unexpected: [], differences: [difference])), "shape")
        let f64 = String(decoding: good, as: UTF8.self).replacingOccurrences(of: "\"F32\"", with: "\"F64\"")
        try expectUntouched(Data(f64.utf8), .dtypeMismatch(name: "0.bias", expected: "F32 or I64", found: "F64"), "dtype")
        #expect(throws: ParameterFileError.self) { try model(seed: 1).loadParameters(from: URL(fileURLWithPath: "/nonexistent.safetensors")) }
    }
}

extension ParameterFileTests {
    /// A header with `entries` (JSON text) and `body` bytes after it.
    func file(header: String, body: Int = 0) -> Data {
        var data = Data()
        var length = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        return data + Data(header.utf8) + Data(count: body)
    }

    @Test("numbers near the limits of Int in a header throw a typed error instead of trapping or wrapping")
    func overflowingHeaders() throws {
        // An end offset near Int.max: the "truncated" size cannot be computed in Int.
        try expectUntouched(file(header: #"{"0.weight":{"dtype":"F32","shape":[0],"data_offsets":[9223372036854775800,9223372036854775800]}}"#),
                            .truncated(expectedBytes: 9223372036854775800 + 8 + 97, actualBytes: 105), "end")
        // A header length of 2^63 and more is reported as the unsigned number the file holds.
        var huge = file(header: "{}")
        huge[7] = 0xff
        #expect(throws: ParameterFileError.truncated(expectedBytes: 0xff00_0000_0000_0002 + 8, actualBytes: 10)) { try SafeTensors.decode(huge) }
        var all = file(header: "{}")
        for i in 0..<8 { all[i] = 0xff }
        #expect(throws: ParameterFileError.truncated(expectedBytes: .max, actualBytes: 10)) { try SafeTensors.decode(all) }
        // A shape whose element count overflows does not wrap around to a small count.
        let wrap = file(header: #"{"0.weight":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#)
        #expect(throws: ParameterFileError.invalidHeader("entry '0.weight' has shape [4294967296, 4294967296], too many elements")) {
            try SafeTensors.decode(wrap)
        }
        let bytes = file(header: #"{"a":{"dtype":"I64","shape":[2305843009213693952],"data_offsets":[0,0]}}"#)
        #expect(throws: ParameterFileError.invalidHeader("entry 'a' has shape [2305843009213693952], too many bytes")) {
            try SafeTensors.decodeEntries(bytes)
        }
    }

    @Test("a file from another architecture reports every difference at once, with a fix")
    func architectureMismatch() throws {
        // Saved from nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2)): modules 0 and 1; the model has 0 and 2.
        let other = Sequential {
            Dense(inputSize: 3, outputSize: 4)
            Dense(inputSize: 4, outputSize: 3)
        }
        let url = temporaryFile("other.safetensors")
        try other.saveParameters(to: url)
        let target = model(seed: 3)
        let before = target.parameters.map(\.value)
        do {
            try target.loadParameters(from: url)
            Issue.record("expected a mismatch")
        } catch ParameterFileError.mismatch(let mismatch) {
            #expect(mismatch.missing == ["2.weight", "2.bias"])
            #expect(mismatch.unexpected == ["1.bias", "1.weight"])
            #expect(mismatch.differences.isEmpty)
            let text = mismatch.description
            #expect(text.contains("missing in the file: 2.weight, 2.bias"))
            #expect(text.contains("not in the model: 1.bias, 1.weight"))
            #expect(text.contains("Fix: the file has 1.*, the model 2.* instead"))
            #expect(text.contains("A layer with `activation:` counts as two modules"))
        }
        #expect(target.parameters.map(\.value) == before)
        // Same layout, other sizes: every shape difference is listed.
        let wider = Sequential {
            Dense(inputSize: 3, outputSize: 5, activation: relu)
            Dense(inputSize: 5, outputSize: 2)
        }
        try wider.saveParameters(to: url)
        #expect(throws: ParameterFileError.self) { try target.loadParameters(from: url) }
        do { try target.loadParameters(from: url) } catch {
            let text = "\(error)"
            #expect(text.contains("'0.weight' has shape [5, 3] in the file, [4, 3] in the model"))
            #expect(text.contains("'0.bias' has shape [5] in the file, [4] in the model"))
            #expect(text.contains("'2.weight' has shape [2, 5] in the file, [2, 4] in the model"))
            #expect(text.contains("Fix: the file was saved from a model with other sizes"))
        }
    }

    /// A layer with a float and an integer buffer, as BatchNorm has.
    struct Counting: Layer {
        let scale = Variable(Tensor<Float>([1, 2]))
        let mean = Buffer(Tensor([0.25, -0.5]))
        let count = Buffer(Tensor(3.0), dtype: .int64)
        func callAsFunction(_ x: Variable<Float>) -> Variable<Float> { x * scale }
        var namedParameters: [(name: String, parameter: Variable<Float>)] { [("weight", scale)] }
        var namedBuffers: [(name: String, buffer: Buffer)] { [("running_mean", mean), ("num_batches_tracked", count)] }
    }

    @Test("buffers are saved with their dtype (I64 included) and loaded back")
    func buffers() throws {
        let a = Sequential { Counting() }, b = Sequential { Counting() }
        (a.layers[0] as! Counting).mean.value = Tensor([1.5, 2.5])
        (a.layers[0] as! Counting).count.value = Tensor(12345678901.0)
        let url = temporaryFile("buffers.safetensors")
        try a.saveParameters(to: url)
        let entries = try SafeTensors.decodeEntries(Data(contentsOf: url))
        #expect(entries["0.num_batches_tracked"] == .int64(shape: [], values: [12345678901]))
        #expect(entries["0.running_mean"] == .float32(Tensor([1.5, 2.5])))
        try b.loadParameters(from: url)
        #expect((b.layers[0] as! Counting).count.value == Tensor(12345678901.0))
        #expect((b.layers[0] as! Counting).mean.value == Tensor([1.5, 2.5]))
        // A file without the buffers is a mismatch that names them.
        try Sequential { Dense(inputSize: 1, outputSize: 2) }.saveParameters(to: url)
        #expect(throws: ParameterFileError.self) { try b.loadParameters(from: url) }
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
