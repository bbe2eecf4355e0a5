import Foundation

/// Why a parameter file could not be written or loaded. Loading never changes the model when it throws.
public enum ParameterFileError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    /// The file is shorter than its header says.
    case truncated(expectedBytes: Int, actualBytes: Int)
    /// The header is not the JSON the format prescribes.
    case invalidHeader(String)
    /// The model has a parameter the file lacks.
    case missingParameter(String)
    /// The file has a tensor the model lacks.
    case unexpectedParameter(String)
    case shapeMismatch(name: String, model: [Int], file: [Int])
    case dtypeMismatch(name: String, expected: String, found: String)
    /// A tensor's byte range does not fit its shape or the data section.
    case badOffsets(name: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .unwritable(let path, let reason): return "cannot write \(path): \(reason)"
        case .truncated(let expected, let actual):
            return "the file is truncated: the header announces \(expected) bytes but the file has \(actual)"
        case .invalidHeader(let reason): return "not a safetensors file: \(reason)"
        case .missingParameter(let name): return "the file has no tensor '\(name)', which the model needs"
        case .unexpectedParameter(let name): return "the file has a tensor '\(name)' that the model does not have"
        case .shapeMismatch(let name, let model, let file):
            return "'\(name)' has shape \(file) in the file but \(model) in the model"
        case .dtypeMismatch(let name, let expected, let found): return "'\(name)' is \(found) in the file; expected \(expected)"
        case .badOffsets(let name): return "'\(name)' has data offsets that do not fit its shape or the file"
        }
    }
}

/// Reading and writing tensors in the safetensors format (<https://github.com/huggingface/safetensors>):
/// an 8-byte little-endian header length, a JSON header mapping each name to its dtype, shape and byte range,
/// then the raw little-endian data.
public enum SafeTensors {
    /// The bytes of a safetensors file holding `tensors` as F32, in the order given.
    public static func encode(_ tensors: [(name: String, tensor: Tensor<Float>)]) -> Data {
        var header = "{"
        var offset = 0
        for (i, (name, tensor)) in tensors.enumerated() {
            let bytes = tensor.scalarCount * 4
            header += (i > 0 ? "," : "") + "\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[" +
                tensor.shape.map(String.init).joined(separator: ",") + "],\"data_offsets\":[\(offset),\(offset + bytes)]}"
            offset += bytes
        }
        header += "}"
        while header.utf8.count % 8 != 0 { header += " " }   // the format pads the header with spaces
        var data = Data()
        var length = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(contentsOf: header.utf8)
        for (_, tensor) in tensors {
            for value in tensor.scalars {
                var bits = value.bitPattern.littleEndian
                withUnsafeBytes(of: &bits) { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    /// The tensors of a safetensors file, by name; F32 only.
    ///
    /// - Throws: ``ParameterFileError`` for a truncated file, a malformed header, a dtype other than F32,
    ///   or byte ranges that do not fit.
    public static func decode(_ data: Data) throws -> [String: Tensor<Float>] {
        guard data.count >= 8 else { throw ParameterFileError.truncated(expectedBytes: 8, actualBytes: data.count) }
        let length = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(data.count - 8) else {
            throw ParameterFileError.truncated(expectedBytes: 8 &+ Int(clamping: length), actualBytes: data.count)
        }
        let headerData = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + 8 + Int(length)))
        guard let object = try? JSONSerialization.jsonObject(with: headerData), let header = object as? [String: Any] else {
            throw ParameterFileError.invalidHeader("the header is not a JSON object")
        }
        let body = data.subdata(in: (data.startIndex + 8 + Int(length))..<data.endIndex)
        var result: [String: Tensor<Float>] = [:]
        for (name, value) in header.sorted(by: { $0.key < $1.key }) where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw ParameterFileError.invalidHeader("entry '\(name)' lacks dtype, shape or data_offsets")
            }
            guard dtype == "F32" else { throw ParameterFileError.dtypeMismatch(name: name, expected: "F32", found: dtype) }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw ParameterFileError.invalidHeader("entry '\(name)' has a negative size") }
            let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= body.count, end - begin == count * 4 else {
                if end > body.count { throw ParameterFileError.truncated(expectedBytes: 8 + Int(length) + end, actualBytes: data.count) }
                throw ParameterFileError.badOffsets(name: name)
            }
            var scalars = [Float](repeating: 0, count: count)
            body.withUnsafeBytes { raw in
                for i in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: begin + 4 * i, as: UInt32.self)
                    scalars[i] = Float(bitPattern: UInt32(littleEndian: bits))
                }
            }
            result[name] = Tensor(shape: shape, scalars: scalars)
        }
        return result
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

extension Layer {
    /// Writes the parameters to a safetensors file with PyTorch `state_dict` names (`"0.weight"`, …), so that
    /// `torch.nn.Sequential(...).load_state_dict(safetensors.torch.load_file(path))` loads it. The write is
    /// atomic: a temporary file next to `url` is renamed over it.
    public func saveParameters(to url: URL) throws {
        let data = SafeTensors.encode(namedParameters.map { ($0.name, $0.parameter.value) })
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try data.write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                throw ParameterFileError.unwritable(path: url.path, reason: String(cString: strerror(errno)))
            }
        } catch let error as ParameterFileError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw ParameterFileError.unwritable(path: url.path, reason: error.localizedDescription)
        }
    }

    /// Loads parameters from a safetensors file written here or by PyTorch. Every name, shape and dtype is
    /// checked first; on any mismatch it throws and leaves the model untouched.
    public func loadParameters(from url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ParameterFileError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        let tensors = try SafeTensors.decode(data)
        let named = namedParameters
        for (name, p) in named {
            guard let t = tensors[name] else { throw ParameterFileError.missingParameter(name) }
            guard t.shape == p.shape else { throw ParameterFileError.shapeMismatch(name: name, model: p.shape, file: t.shape) }
        }
        let names = Set(named.map(\.name))
        if let extra = tensors.keys.sorted().first(where: { !names.contains($0) }) {
            throw ParameterFileError.unexpectedParameter(extra)
        }
        withoutGradients {
            for (name, p) in named { p.value = tensors[name]! }
        }
    }
}
