// What can be wrong with a parameter file: the errors of SafeTensors' decoding (here) and of a model's
// `saveParameters`/`loadParameters` (NN's ParameterFile.swift).

import Foundation

/// Why a parameter file could not be written or loaded. Loading never changes the model when it throws.
public enum ParameterFileError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// The file could not be created or written.
    case unwritable(path: String, reason: String)
    /// The file is shorter than its header says (the announced size may exceed any file: it is a `UInt64`).
    case truncated(expectedBytes: UInt64, actualBytes: Int)
    /// The header is not the JSON the format prescribes.
    case invalidHeader(String)
    /// A tensor is stored with a type that cannot be read here.
    case dtypeMismatch(name: String, expected: String, found: String)
    /// A tensor's byte range does not fit its shape or the data section.
    case badOffsets(name: String)
    /// The file is well formed but does not describe this model: every difference at once.
    case mismatch(ParameterFileMismatch)

    /// The error as one line, naming the file or tensor at fault.
    @_optimize(none) public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .unwritable(let path, let reason): return "cannot write \(path): \(reason)"
        case .truncated(let expected, let actual):
            return "the file is truncated: the header announces \(expected) bytes but the file has \(actual)"
        case .invalidHeader(let reason): return "not a safetensors file: \(reason)"
        case .dtypeMismatch(let name, let expected, let found): return "'\(name)' is \(found) in the file; expected \(expected)"
        case .badOffsets(let name): return "'\(name)' has data offsets that do not fit its shape or the file"
        case .mismatch(let mismatch): return mismatch.description
        }
    }
}

/// Every way a parameter file differs from the model it is loaded into, like PyTorch's
/// `load_state_dict(strict=True)` report, with a line that says what probably happened.
public struct ParameterFileMismatch: Equatable, Sendable, CustomStringConvertible {
    /// A tensor the file and the model both have, with different shapes or types.
    public struct Difference: Equatable, Sendable {
        /// The `state_dict` name.
        public let name: String
        /// The shape in the file.
        public let fileShape: [Int]
        /// The shape in the model.
        public let modelShape: [Int]
        /// The dtype in the file, when it differs from the model's.
        public let fileDType: String?
        /// The dtype the model stores.
        public let modelDType: String

        /// A difference for `name`; `fileDType` is nil when only the shapes differ.
        public init(name: String, fileShape: [Int], modelShape: [Int], fileDType: String?, modelDType: String) {
            (self.name, self.fileShape, self.modelShape, self.fileDType, self.modelDType) =
                (name, fileShape, modelShape, fileDType, modelDType)
        }
    }

    /// Names the model has and the file lacks, in the model's order.
    public let missing: [String]
    /// Names the file has and the model lacks, sorted.
    public let unexpected: [String]
    /// Tensors whose shape or dtype differ.
    public let differences: [Difference]

    /// The report of `missing` and `unexpected` names and `differences`.
    public init(missing: [String], unexpected: [String], differences: [Difference]) {
        (self.missing, self.unexpected, self.differences) = (missing, unexpected, differences)
    }

    /// What to do, from the pattern of the differences.
    public var fix: String {
        let fileModules = Self.modules(unexpected), modelModules = Self.modules(missing)
        if !fileModules.isEmpty, fileModules.count == modelModules.count {
            let list = { (m: [String]) in m.map { "\($0).*" }.joined(separator: ", ") }
            return "the file has \(list(fileModules)), the model \(list(modelModules)) instead: were they saved from a "
                + "model with activations in other places? A layer with `activation:` counts as two modules (Linear, "
                + "then the activation), like nn.Sequential(nn.Linear, nn.ReLU); give the model the file's layout"
        }
        if missing.isEmpty && unexpected.isEmpty {
            return "the file was saved from a model with other sizes: build the model with the file's shapes"
        }
        return "load a file saved from this model's architecture, or build the model the file describes"
    }

    /// Every difference between the file and the model, one per line.
    @_optimize(none) public var description: String {
        var lines = ["the file does not match the model:"]
        if !missing.isEmpty { lines.append("  missing in the file: " + missing.joined(separator: ", ")) }
        if !unexpected.isEmpty { lines.append("  not in the model: " + unexpected.joined(separator: ", ")) }
        for d in differences {
            if let dtype = d.fileDType {
                lines.append("  '\(d.name)' is \(dtype) in the file, \(d.modelDType) in the model")
            } else {
                lines.append("  '\(d.name)' has shape \(d.fileShape) in the file, \(d.modelShape) in the model")
            }
        }
        lines.append("Fix: " + fix)
        return lines.joined(separator: "\n")
    }

    /// The distinct leading module numbers of `names` (`"0.weight"` → `"0"`), in order of appearance.
    @_optimize(none) static func modules(_ names: [String]) -> [String] {
        var seen: [String] = []
        for name in names {
            guard let dot = name.firstIndex(of: ".") else { continue }
            let module = String(name[..<dot])
            if !seen.contains(module) { seen.append(module) }
        }
        return seen.sorted { (Int($0) ?? .max, $0) < (Int($1) ?? .max, $1) }
    }
}
