@_spi(DistributedTraining) import NN

extension Layer {
    /// Trains the model on class labels with every process of `processGroup` (data parallelism), returning what
    /// each epoch measured, the same on every process.
    ///
    /// - Parameters start as rank 0's (broadcast), and the shuffling generator too.
    /// - `batchSize` is per process: the global batches are those a one-process `fit` with batch size
    ///   `batchSize × size` takes, in its order, each split in rank order into contiguous parts.
    /// - Before every step the gradients are averaged over the processes (one allreduce of all of them), each
    ///   process's mean gradient weighted by its number of samples, so a short last batch matches too.
    /// - Progress is printed by rank 0 only; validation data is evaluated on every process.
    ///
    /// With the same seed, 2 processes with batch 16 end with the parameters of 1 process with batch 32 (to Float
    /// rounding). With a group of one process this is `fit` without `processGroup`.
    @discardableResult
    public func fit(_ inputs: Tensor<Float>, _ labels: [Int], loss: Loss, optimizer: any Optimizer, epochs: Int,
                    batchSize: Int = 32, validation: (Tensor<Float>, [Int])? = nil, callbacks: [any Callback] = [],
                    shuffle: Bool = true, verbosity: Verbosity = .automatic, generator: SeededGenerator? = nil,
                    processGroup: ProcessGroup) throws -> History {
        try train(Dataset(inputs: inputs, labels: labels), validation.map { Dataset(inputs: $0.0, labels: $0.1) },
                  loss: loss, optimizer: optimizer, epochs: epochs, batchSize: batchSize, callbacks: callbacks,
                  shuffle: shuffle, verbosity: processGroup.rank == 0 ? verbosity : .silent, generator: generator,
                  parallelism: processGroup.size > 1 ? GroupParallelism(processGroup) : nil)
    }

    /// Trains the model on target values with every process of `processGroup`; the same semantics as the
    /// class-label overload.
    @discardableResult
    public func fit(_ inputs: Tensor<Float>, _ targets: Tensor<Float>, loss: Loss, optimizer: any Optimizer, epochs: Int,
                    batchSize: Int = 32, validation: (Tensor<Float>, Tensor<Float>)? = nil, callbacks: [any Callback] = [],
                    shuffle: Bool = true, verbosity: Verbosity = .automatic, generator: SeededGenerator? = nil,
                    processGroup: ProcessGroup) throws -> History {
        try train(Dataset(inputs: inputs, targets: targets), validation.map { Dataset(inputs: $0.0, targets: $0.1) },
                  loss: loss, optimizer: optimizer, epochs: epochs, batchSize: batchSize, callbacks: callbacks,
                  shuffle: shuffle, verbosity: processGroup.rank == 0 ? verbosity : .silent, generator: generator,
                  parallelism: processGroup.size > 1 ? GroupParallelism(processGroup) : nil)
    }
}

/// `fit`'s data parallelism over a ``ProcessGroup``.
final class GroupParallelism: DataParallelism {
    let group: ProcessGroup
    init(_ group: ProcessGroup) { self.group = group }

    var rank: Int { group.rank }
    var size: Int { group.size }

    /// One broadcast from rank 0 of all parameter values and the generator's state.
    func synchronize(_ parameters: [Variable<Float>], generator: inout SeededGenerator) throws {
        guard let mpi = group.mpi else { return }
        precondition(_isPOD(SeededGenerator.self))
        let generatorBytes = MemoryLayout<SeededGenerator>.size
        let generatorFloats = (generatorBytes + 3) / 4
        let counts = parameters.map(\.scalarCount)
        let total = counts.reduce(0, +)
        var buffer = [Float](repeating: 0, count: total + generatorFloats)
        var offset = 0
        for (p, n) in zip(parameters, counts) {
            p.value.withUnsafeBufferPointer { v in for j in 0..<n { buffer[offset + j] = v[j] } }
            offset += n
        }
        buffer.withUnsafeMutableBytes { raw in
            withUnsafeBytes(of: &generator) { g in
                (raw.baseAddress! + total * 4).copyMemory(from: g.baseAddress!, byteCount: generatorBytes)
            }
        }
        try buffer.withUnsafeMutableBytes { raw in
            try mpi.broadcast(raw, scalar: .float, root: 0, operation: "fit (broadcast of rank 0's parameters)",
                              kind: .synchronize)
        }
        offset = 0
        withoutGradients {
            for (p, n) in zip(parameters, counts) {
                p.value = Tensor(shape: p.shape, scalars: Array(buffer[offset..<(offset + n)]))
                offset += n
            }
        }
        buffer.withUnsafeBytes { raw in
            withUnsafeMutableBytes(of: &generator) { g in
                g.baseAddress!.copyMemory(from: raw.baseAddress! + total * 4, byteCount: generatorBytes)
            }
        }
    }

    func averageGradients(_ parameters: [Variable<Float>], count: Int, lossSum: Float, correct: Int) throws
        -> (count: Int, lossSum: Float, correct: Int) {
        let (statistics, weight) = try group.averageGradients(parameters, weight: Float(count),
                                                              statistics: [lossSum, Float(correct)],
                                                              operation: "fit (averaging gradients)")
        return (Int(weight), statistics[0], Int(statistics[1]))
    }
}
