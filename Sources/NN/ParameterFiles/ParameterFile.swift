import Foundation

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
