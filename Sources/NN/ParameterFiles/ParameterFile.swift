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

extension Layer {
    /// The parameters and buffers as a parameter file stores them, in file order.
    var stateEntries: [(name: String, entry: SafeTensors.Entry)] {
        namedParameters.map { ($0.name, .float32($0.parameter.value)) } + namedBuffers.map { name, buffer in
            switch buffer.dtype {
            case .float32: return (name, .float32(Tensor(shape: buffer.shape, scalars: buffer.value.scalars.map { Float($0) })))
            case .int64: return (name, .int64(shape: buffer.shape, values: buffer.value.scalars.map(Self.wholeNumber)))
            }
        }
    }

    /// `value` as a file's I64 (rounded toward zero; non-finite values as 0, huge ones clamped: no trap).
    static func wholeNumber(_ value: Double) -> Int64 {
        guard value.isFinite else { return 0 }
        return Int64(Swift.max(Swift.min(value, 9.2e18), -9.2e18))
    }

    /// Writes the parameters (and buffers, such as `BatchNorm`'s running statistics) to a safetensors file with
    /// PyTorch `state_dict` names (`"0.weight"`, …), so that
    /// `torch.nn.Sequential(...).load_state_dict(safetensors.torch.load_file(path))` loads it. The write is
    /// atomic: a temporary file next to `url` is renamed over it.
    @_optimize(none) public func saveParameters(to url: URL) throws {
        let data = SafeTensors.encodeEntries(stateEntries)
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

    /// Loads parameters (and buffers) from a safetensors file written here or by PyTorch.
    ///
    /// Every name, shape and dtype is checked first; when the file does not describe this model it throws
    /// ``ParameterFileError/mismatch(_:)`` listing every missing and unexpected name and every shape difference,
    /// and leaves the model untouched.
    @_optimize(none) public func loadParameters(from url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ParameterFileError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        try loadState(SafeTensors.decodeEntries(data))
    }

    /// Checks `file` against the model's parameters and buffers, then assigns them all, or throws and assigns
    /// nothing.
    func loadState(_ file: [String: SafeTensors.Entry]) throws {
        let model = stateEntries
        var missing: [String] = [], differences: [ParameterFileMismatch.Difference] = []
        for (name, entry) in model {
            guard let stored = file[name] else { missing.append(name); continue }
            if stored.shape != entry.shape || stored.dtype != entry.dtype {
                differences.append(.init(name: name, fileShape: stored.shape, modelShape: entry.shape,
                                         fileDType: stored.dtype == entry.dtype ? nil : stored.dtype, modelDType: entry.dtype))
            }
        }
        let names = Set(model.map(\.name))
        let unexpected = file.keys.filter { !names.contains($0) }.sorted()
        guard missing.isEmpty, unexpected.isEmpty, differences.isEmpty else {
            throw ParameterFileError.mismatch(ParameterFileMismatch(missing: missing, unexpected: unexpected, differences: differences))
        }
        withoutGradients {
            for (name, p) in namedParameters {
                if case .float32(let t) = file[name]! { p.value = t }
            }
        }
        for (name, buffer) in namedBuffers {
            switch file[name]! {
            case .float32(let t): buffer.value = Tensor(shape: t.shape, scalars: t.scalars.map { Double($0) })
            case .int64(let shape, let values): buffer.value = Tensor(shape: shape, scalars: values.map { Double($0) })
            }
        }
    }
}
