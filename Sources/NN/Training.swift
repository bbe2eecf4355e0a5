import Foundation

/// The loss `fit` minimizes.
public enum Loss: Sendable {
    /// ``softmaxCrossEntropy(logits:labels:reduction:file:line:)``: the model outputs logits, labels are class indices.
    case softmaxCrossEntropy
    /// ``binaryCrossEntropy(logits:labels:reduction:)``: the model outputs logits, targets are 0/1.
    case binaryCrossEntropyWithLogits
    /// ``binaryCrossEntropy(probabilities:labels:reduction:)``: the model ends in a sigmoid, targets are 0/1.
    case binaryCrossEntropy
    /// ``meanSquaredError(predicted:expected:reduction:file:line:)``.
    case meanSquaredError
    /// ``l1Loss(predicted:expected:reduction:)``.
    case l1
    /// ``huberLoss(predicted:expected:delta:reduction:)`` with δ = 1.
    case huber

    /// The loss of `output` against a batch.
    func callAsFunction(_ output: Variable<Float>, _ batch: Dataset) -> Variable<Float> {
        switch self {
        case .softmaxCrossEntropy:
            guard let labels = batch.labels else { fatalError("fit(loss: .softmaxCrossEntropy) needs class labels [Int]") }
            return NN.softmaxCrossEntropy(logits: output, labels: labels)
        case .binaryCrossEntropyWithLogits: return NN.binaryCrossEntropy(logits: output, labels: targets(batch, output))
        case .binaryCrossEntropy: return NN.binaryCrossEntropy(probabilities: output, labels: targets(batch, output))
        case .meanSquaredError: return NN.meanSquaredError(predicted: output, expected: targets(batch, output))
        case .l1: return NN.l1Loss(predicted: output, expected: targets(batch, output))
        case .huber: return NN.huberLoss(predicted: output, expected: targets(batch, output))
        }
    }

    private func targets(_ batch: Dataset, _ output: Variable<Float>) -> Tensor<Float> {
        guard let t = batch.targets else { fatalError("fit(loss: .\(self)) needs targets as a Tensor<Float>") }
        if t.shape != output.shape && t.scalarCount == output.scalarCount { return t.reshaped(to: output.shape) }
        return t
    }

    /// How many predictions of the batch are right (nil for regression losses).
    func correct(_ output: Tensor<Float>, _ batch: Dataset) -> Int? {
        switch self {
        case .softmaxCrossEntropy:
            guard let labels = batch.labels else { return nil }
            return correctPredictions(output, labels)
        case .binaryCrossEntropyWithLogits, .binaryCrossEntropy:
            guard let t = batch.targets else { return nil }
            let threshold: Float = self == .binaryCrossEntropy ? 0.5 : 0
            return zip(output.scalars, t.scalars).filter { ($0 >= threshold) == ($1 >= 0.5) }.count
        case .meanSquaredError, .l1, .huber:
            return nil
        }
    }
}

/// How many rows of `output` (`[…, classes]`, one row per label) have their largest value at their label: the
/// count `zip(output.argmax(alongAxis: -1), labels)` gives (the first of equal values wins, NaN never does),
/// read off the buffer without building the predictions.
func correctPredictions(_ output: Tensor<Float>, _ labels: [Int]) -> Int {
    guard output.rank >= 1, let classes = output.shape.last, classes > 0 else {
        return zip(output.argmax(alongAxis: -1), labels).filter { $0 == $1 }.count
    }
    let rows = Swift.min(output.scalarCount / classes, labels.count)
    return output.withUnsafeBufferPointer { z in
        var right = 0
        for r in 0..<rows {
            let row = z.baseAddress! + r * classes
            var best = 0, bestValue = row[0]
            for k in 1..<classes where row[k] > bestValue {
                best = k
                bestValue = row[k]
            }
            if best == labels[r] { right += 1 }
        }
        return right
    }
}

/// How `fit` reports progress.
public enum Verbosity: Sendable {
    /// A progress bar on a terminal, one line per epoch otherwise.
    case automatic
    /// A progress bar redrawn on one line (epoch, batch, loss, accuracy, time left).
    case progressBar
    /// One line per epoch.
    case perEpoch
    /// Nothing.
    case silent
}

extension Layer {
    /// Trains the model on class labels (classification losses), returning what each epoch measured.
    ///
    /// The explicit loop (`zeroGrad`, `backward`, `step`) does the same; `fit` adds batching, shuffling,
    /// validation, callbacks and progress output.
    @discardableResult
    public func fit(_ inputs: Tensor<Float>, _ labels: [Int], loss: Loss, optimizer: any Optimizer, epochs: Int,
                    batchSize: Int = 32, validation: (Tensor<Float>, [Int])? = nil, callbacks: [any Callback] = [],
                    shuffle: Bool = true, verbosity: Verbosity = .automatic,
                    generator: SeededGenerator? = nil) throws -> History {
        try train(Dataset(inputs: inputs, labels: labels), validation.map { Dataset(inputs: $0.0, labels: $0.1) },
                  loss: loss, optimizer: optimizer, epochs: epochs, batchSize: batchSize, callbacks: callbacks,
                  shuffle: shuffle, verbosity: verbosity, generator: generator)
    }

    /// Trains the model on target values (regression and binary losses), returning what each epoch measured.
    @discardableResult
    public func fit(_ inputs: Tensor<Float>, _ targets: Tensor<Float>, loss: Loss, optimizer: any Optimizer, epochs: Int,
                    batchSize: Int = 32, validation: (Tensor<Float>, Tensor<Float>)? = nil, callbacks: [any Callback] = [],
                    shuffle: Bool = true, verbosity: Verbosity = .automatic,
                    generator: SeededGenerator? = nil) throws -> History {
        try train(Dataset(inputs: inputs, targets: targets), validation.map { Dataset(inputs: $0.0, targets: $0.1) },
                  loss: loss, optimizer: optimizer, epochs: epochs, batchSize: batchSize, callbacks: callbacks,
                  shuffle: shuffle, verbosity: verbosity, generator: generator)
    }

    /// The model's outputs for `inputs`, in evaluation mode (dropout off), recording nothing.
    public func predict(_ inputs: Tensor<Float>) -> Tensor<Float> {
        withMode(training: false) { withoutGradients { self(inputs).value } }
    }

    /// The mean loss and the accuracy (classification losses) on a data set, in evaluation mode.
    public func evaluate(_ data: Dataset, loss: Loss, batchSize: Int = 256) -> (loss: Float, accuracy: Float?) {
        withMode(training: false) { withoutGradients {
            var total: Float = 0, right = 0, hasAccuracy = true
            for start in stride(from: 0, to: data.count, by: batchSize) {
                let batch = data.subset(Array(start..<Swift.min(start + batchSize, data.count)))
                let output = self(batch.inputs)
                total += loss(output, batch).scalar * Float(batch.count)
                if let c = loss.correct(output.value, batch) { right += c } else { hasAccuracy = false }
            }
            let n = Float(Swift.max(data.count, 1))
            return (total / n, hasAccuracy ? Float(right) / n : nil)
        } }
    }

    /// The mean loss and accuracy on inputs with class labels.
    public func evaluate(_ inputs: Tensor<Float>, _ labels: [Int], loss: Loss = .softmaxCrossEntropy) -> (loss: Float, accuracy: Float?) {
        evaluate(Dataset(inputs: inputs, labels: labels), loss: loss)
    }

    /// `fit`'s loop; with `parallelism`, this process trains on its share of each global batch of
    /// `batchSize × size` samples and the gradients are averaged over the processes before every step.
    @_spi(DistributedTraining)
    public func train(_ data: Dataset, _ validation: Dataset?, loss: Loss, optimizer: any Optimizer, epochs: Int,
                      batchSize: Int, callbacks: [any Callback], shuffle: Bool, verbosity: Verbosity,
                      generator: SeededGenerator?, parallelism: (any DataParallelism)? = nil) throws -> History {
        precondition(epochs >= 0, "fit: epochs must be ≥ 0")
        var generator = generator
        if let parallelism {
            var shared = generator ?? withDefaultGenerator { SeededGenerator(seed: $0.next()) }
            try parallelism.synchronize(parameters, generator: &shared)
            generator = shared
        }
        let loader = DataLoader(data, batchSize: batchSize * (parallelism?.size ?? 1), shuffle: shuffle,
                                generator: generator)
        let reporter = ProgressReporter(verbosity: verbosity, epochs: epochs, batches: loader.batchCount)
        var history = History()
        for epoch in 0..<epochs {
            for c in callbacks { c.epochWillBegin(epoch, model: self, optimizer: optimizer) }
            setTraining(true)
            reporter.epochBegan(epoch)
            var total: Float = 0, right = 0, seen = 0, hasAccuracy = true
            for (b, global) in loader.nextOrder().enumerated() {
                // This process's share: the rank-th of `size` contiguous parts of the global batch.
                let indices = parallelism.map { p in
                    Array(global[(global.count * p.rank / p.size)..<(global.count * (p.rank + 1) / p.size)])
                } ?? global
                optimizer.zeroGrad()
                var step = (count: indices.count, lossSum: Float(0), correct: 0)
                if !indices.isEmpty {
                    let batch = data.subset(indices)
                    let output = self(batch.inputs)
                    let value = loss(output, batch)
                    value.backward()
                    step.lossSum = value.scalar * Float(batch.count)
                    if let c = loss.correct(output.value, batch) { step.correct = c } else { hasAccuracy = false }
                }
                if let parallelism {
                    step = try parallelism.averageGradients(optimizer.parameters, count: step.count,
                                                            lossSum: step.lossSum, correct: step.correct)
                }
                optimizer.step()
                total += step.lossSum
                seen += step.count
                right += step.correct
                reporter.batchEnded(b, loss: total / Float(seen), accuracy: hasAccuracy ? Float(right) / Float(seen) : nil)
            }
            let trainLoss = total / Float(Swift.max(seen, 1))
            let trainAccuracy = hasAccuracy ? Float(right) / Float(Swift.max(seen, 1)) : nil
            let validated = validation.map { evaluate($0, loss: loss) }
            history.loss.append(trainLoss)
            if let a = trainAccuracy { history.accuracy.append(a) }
            if let v = validated {
                history.validationLoss.append(v.loss)
                if let a = v.accuracy { history.validationAccuracy.append(a) }
            }
            history.learningRate.append(optimizer.learningRate)
            let logs = EpochLogs(epoch: epoch, loss: trainLoss, accuracy: trainAccuracy,
                                 validationLoss: validated?.loss, validationAccuracy: validated?.accuracy ?? nil)
            reporter.epochEnded(logs)
            var stop = false
            for c in callbacks where c.epochDidEnd(logs, model: self, optimizer: optimizer) { stop = true }
            if stop { break }
        }
        for c in callbacks { c.trainingDidEnd(model: self) }
        return history
    }
}

/// What `fit` needs to train one model on several processes at once (data parallelism); the
/// `DistributedTraining` module supplies it.
@_spi(DistributedTraining)
public protocol DataParallelism: AnyObject {
    /// This process's position among the processes (0-based).
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// Before training: makes every process's parameters and shuffling generator those of rank 0.
    func synchronize(_ parameters: [Variable<Float>], generator: inout SeededGenerator) throws
    /// After this process's backward pass on `count` samples (summed loss `lossSum`, `correct` right
    /// predictions): sets every gradient to the average over all processes' samples (each process's mean
    /// gradient weighted by its `count`), and returns the totals over all processes.
    func averageGradients(_ parameters: [Variable<Float>], count: Int, lossSum: Float, correct: Int) throws
        -> (count: Int, lossSum: Float, correct: Int)
}

/// Writes `fit`'s progress: a redrawn bar on a terminal, one line per epoch otherwise.
final class ProgressReporter {
    let mode: Verbosity
    let epochs: Int
    let batches: Int
    let write: (String) -> Void
    var epochStart = Date()
    var lastDraw = Date.distantPast
    var epoch = 0

    /// - Parameter write: where the text goes (standard output by default; tests capture it).
    init(verbosity: Verbosity, epochs: Int, batches: Int,
         write: @escaping (String) -> Void = { text in
             print(text, terminator: "")   // the same buffered stream as the caller's print, so lines stay in order
             fflush(nil)                   // and a redrawn bar shows at once
         }) {
        if verbosity == .automatic {
            mode = isatty(STDOUT_FILENO) != 0 ? .progressBar : .perEpoch
        } else {
            mode = verbosity
        }
        self.epochs = epochs
        self.batches = batches
        self.write = write
    }

    func epochBegan(_ epoch: Int) {
        self.epoch = epoch
        epochStart = Date()
    }

    func batchEnded(_ batch: Int, loss: Float, accuracy: Float?) {
        guard mode == .progressBar else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) > 0.05 || batch == batches - 1 else { return }
        lastDraw = now
        let done = batch + 1
        let width = 24
        let filled = width * done / Swift.max(batches, 1)
        let bar = done == batches ? String(repeating: "=", count: width)
            : String(repeating: "=", count: Swift.max(filled - 1, 0)) + (filled > 0 ? ">" : "")
                + String(repeating: " ", count: width - filled)
        let elapsed = now.timeIntervalSince(epochStart)
        let eta = elapsed / Double(done) * Double(batches - done)
        var line = "\repoch \(epoch + 1)/\(epochs) [\(bar)] \(done)/\(batches)  loss \(format(loss))"
        if let accuracy { line += "  accuracy \(format(accuracy))" }
        line += "  ETA \(String(format: "%.1f", eta))s   "
        write(line)
    }

    func epochEnded(_ logs: EpochLogs) {
        guard mode != .silent else { return }
        var line = "epoch \(logs.epoch + 1)/\(epochs)  loss \(format(logs.loss))"
        if let a = logs.accuracy { line += "  accuracy \(format(a))" }
        if let v = logs.validationLoss { line += "  validation loss \(format(v))" }
        if let a = logs.validationAccuracy { line += "  validation accuracy \(format(a))" }
        line += "  \(String(format: "%.2f", Date().timeIntervalSince(epochStart)))s"
        write((mode == .progressBar ? "\r" : "") + line + (mode == .progressBar ? "          \n" : "\n"))
    }

    func format(_ x: Float) -> String { String(format: "%.4f", x) }
}
