import Foundation
import TensorCore

/// Reading and writing tensors in the safetensors format (<https://github.com/huggingface/safetensors>):
/// an 8-byte little-endian header length, a JSON header mapping each name to its dtype, shape and byte range,
/// then the raw little-endian data.
///
/// Every number a file gives (the header length, shapes, offsets) is checked with overflow-checked arithmetic
/// before it sizes anything: a malformed file throws a ``ParameterFileError`` and never traps.
public enum SafeTensors {
    /// One tensor of a file: `F32` values, or `I64` whole numbers (such as `num_batches_tracked`).
    public enum Entry: Equatable, Sendable {
        /// 32-bit floats.
        case float32(Tensor<Float>)
        /// 64-bit signed integers with their shape.
        case int64(shape: [Int], values: [Int64])

        /// The dtype as the format spells it (`"F32"`, `"I64"`).
        public var dtype: String {
            switch self {
            case .float32: return "F32"
            case .int64: return "I64"
            }
        }

        /// The shape of the tensor.
        public var shape: [Int] {
            switch self {
            case .float32(let t): return t.shape
            case .int64(let shape, _): return shape
            }
        }
    }

    /// The bytes of a safetensors file holding `tensors` as F32, in the order given.
    public static func encode(_ tensors: [(name: String, tensor: Tensor<Float>)]) -> Data {
        encodeEntries(tensors.map { ($0.name, .float32($0.tensor)) })
    }

    /// The bytes of a safetensors file holding `entries`, in the order given.
    public static func encodeEntries(_ entries: [(name: String, entry: Entry)]) -> Data {
        var header = "{"
        var offset = 0
        for (i, (name, entry)) in entries.enumerated() {
            let bytes = entry.shape.reduce(1, *) * (entry.dtype == "F32" ? 4 : 8)
            header += (i > 0 ? "," : "") + "\(jsonString(name)):{\"dtype\":\"\(entry.dtype)\",\"shape\":[" +
                entry.shape.map(String.init).joined(separator: ",") + "],\"data_offsets\":[\(offset),\(offset + bytes)]}"
            offset += bytes
        }
        header += "}"
        while header.utf8.count % 8 != 0 { header += " " }   // the format pads the header with spaces
        var data = Data()
        appendLittleEndian(UInt64(header.utf8.count), to: &data)
        data.append(contentsOf: header.utf8)
        for (_, entry) in entries {
            switch entry {
            case .float32(let t): for v in t.scalars { appendLittleEndian(v.bitPattern, to: &data) }
            case .int64(_, let values): for v in values { appendLittleEndian(UInt64(bitPattern: v), to: &data) }
            }
        }
        return data
    }

    /// The F32 tensors of a safetensors file, by name.
    ///
    /// - Throws: ``ParameterFileError`` for a truncated file, a malformed header, a dtype other than F32,
    ///   or byte ranges that do not fit.
    public static func decode(_ data: Data) throws -> [String: Tensor<Float>] {
        var tensors: [String: Tensor<Float>] = [:]
        for (name, entry) in try decodeEntries(data) {
            guard case .float32(let t) = entry else {
                throw ParameterFileError.dtypeMismatch(name: name, expected: "F32", found: entry.dtype)
            }
            tensors[name] = t
        }
        return tensors
    }

    /// Every tensor of a safetensors file (F32 and I64), by name.
    ///
    /// - Throws: ``ParameterFileError`` for a truncated file, a malformed header, an unsupported dtype, a shape
    ///   whose element count overflows, or byte ranges that do not fit the data section.
    public static func decodeEntries(_ data: Data) throws -> [String: Entry] {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw ParameterFileError.truncated(expectedBytes: 8, actualBytes: bytes.count) }
        let length = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
        guard length <= UInt64(bytes.count - 8) else {
            let (expected, overflow) = length.addingReportingOverflow(8)
            throw ParameterFileError.truncated(expectedBytes: overflow ? .max : expected, actualBytes: bytes.count)
        }
        let headerEnd = 8 + Int(length)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])),
              let header = object as? [String: Any] else {
            throw ParameterFileError.invalidHeader("the header is not a JSON object")
        }
        let bodyCount = bytes.count - headerEnd
        var result: [String: Entry] = [:]
        for (name, value) in header.sorted(by: { $0.key < $1.key }) where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw ParameterFileError.invalidHeader("entry '\(name)' lacks dtype, shape or data_offsets")
            }
            let width: Int
            switch dtype {
            case "F32": width = 4
            case "I64": width = 8
            default: throw ParameterFileError.dtypeMismatch(name: name, expected: "F32 or I64", found: dtype)
            }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw ParameterFileError.invalidHeader("entry '\(name)' has a negative size") }
            var count = 1
            for size in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: size)
                guard !overflow else { throw ParameterFileError.invalidHeader("entry '\(name)' has shape \(shape), too many elements") }
                count = product
            }
            let (byteCount, overflow) = count.multipliedReportingOverflow(by: width)
            guard !overflow else { throw ParameterFileError.invalidHeader("entry '\(name)' has shape \(shape), too many bytes") }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end - begin == byteCount else { throw ParameterFileError.badOffsets(name: name) }
            guard end <= bodyCount else {
                let (expected, overflow) = UInt64(headerEnd).addingReportingOverflow(UInt64(end))
                throw ParameterFileError.truncated(expectedBytes: overflow ? .max : expected, actualBytes: bytes.count)
            }
            let start = headerEnd + begin
            result[name] = bytes.withUnsafeBytes { raw -> Entry in
                if width == 4 {
                    let scalars = (0..<count).map { i in
                        Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self)))
                    }
                    return .float32(Tensor(shape: shape, scalars: scalars))
                }
                let values = (0..<count).map { i in
                    Int64(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start + 8 * i, as: UInt64.self)))
                }
                return .int64(shape: shape, values: values)
            }
        }
        return result
    }

    static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to data: inout Data) {
        var bits = value.littleEndian
        withUnsafeBytes(of: &bits) { data.append(contentsOf: $0) }
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
