// Checks of DistributedTraining run by .ci/run under `mpirun -np 2` (they need several processes, which
// `swift test` cannot start):
//
//     mpirun --allow-run-as-root --oversubscribe -np 2 .build/debug/MPIChecks            the checks below
//     mpirun … .build/debug/MPIChecks finish-early     rank 1 ends at once; rank 0's allReduce must throw
//     mpirun … .build/debug/MPIChecks crash            rank 1 crashes; mpirun must end the job
//     mpirun … .build/debug/MPIChecks large            one allReduce of more than 2³¹ bytes (6 GiB of memory, 3 min)
//
// Every process prints its failures; the exit status is 1 when any process failed a check.
import DistributedTraining
import Foundation
import NN

let group: ProcessGroup
do {
    group = try ProcessGroup.current()
} catch {
    print("MPIChecks: \(error)")
    exit(2)
}
let rank = group.rank, size = group.size
let start = Date()

func say(_ text: String) {
    print("[rank \(rank)/\(size)] \(text)")
    fflush(nil)
}

nonisolated(unsafe) var failures = 0
func check(_ condition: Bool, _ what: @autoclosure () -> String) {
    if !condition {
        failures += 1
        say("FAILED: \(what())")
    }
}

// MARK: Failure scenarios (separate runs; each must end the job within seconds)

switch CommandLine.arguments.dropFirst().first {
case "finish-early":
    if rank == 1 { say("ending without calling allReduce"); exit(0) }
    var t = Tensor<Float>([1, 2, 3])
    do {
        try group.allReduce(&t)
        say("FAILED: allReduce returned although rank 1 had finished")
        exit(1)
    } catch {
        say("allReduce threw after \(String(format: "%.1f", Date().timeIntervalSince(start))) s: \(error)")
        exit(3)
    }
case "crash":
    if rank == 1 { say("crashing"); fflush(nil); abort() }
    var t = Tensor<Float>([1, 2, 3])
    try? group.allReduce(&t)
    say("FAILED: allReduce returned although rank 1 crashed")
    exit(1)
case "large":
    // More than 2³¹ bytes in one allReduce (several MPI calls of at most chunkByteLimit); about 6 GiB of memory.
    let count = (1 << 29) + 7
    var t = Tensor<Float>(repeating: Float(rank + 1), shape: [count])
    let t0 = Date()
    do {
        try group.allReduce(&t)
    } catch {
        say("FAILED: allReduce of \(count) Float threw: \(error)")
        exit(1)
    }
    let seconds = Date().timeIntervalSince(t0)
    let expected = Float(size * (size + 1) / 2)
    let wrong = t.withUnsafeBufferPointer { b in b.reduce(0) { $0 + ($1 == expected ? 0 : 1) } }
    say("allReduce of \(count) Float (\(count * 4) bytes) in \(String(format: "%.1f", seconds)) s: \(wrong) wrong elements")
    exit(wrong == 0 ? 0 : 1)
case nil:
    break
case let other?:
    print("MPIChecks: unknown scenario '\(other)' (finish-early, crash, large)")
    exit(2)
}

say("started; \(group.library ?? "no MPI")")
check(size >= 2, "these checks need at least 2 processes (run under mpirun -np 2); size is \(size)")

// MARK: allReduce: exact sums of rank-dependent values

/// Element i of rank r is (r + 1)·(i mod 97 + 1): the sum over ranks is (i mod 97 + 1)·size(size + 1)/2, exact.
func rankValues<S: TensorScalar>(_ count: Int, _ type: S.Type) -> Tensor<S> {
    Tensor(shape: [count], scalars: (0..<count).map { S(rank + 1) * S($0 % 97 + 1) })
}
func expectedSum<S: TensorScalar>(_ i: Int, _ type: S.Type) -> S { S(i % 97 + 1) * S(size * (size + 1) / 2) }

for count in [0, 1, 7, 1_000_000] {
    var f = rankValues(count, Float.self)
    var d = rankValues(count, Double.self)
    do {
        try group.allReduce(&f)
        try group.allReduce(&d)
        check(f.shape == [count] && f.scalars.enumerated().allSatisfy { $0.element == expectedSum($0.offset, Float.self) },
              "allReduce of \(count) Float: wrong sums")
        check(d.shape == [count] && d.scalars.enumerated().allSatisfy { $0.element == expectedSum($0.offset, Double.self) },
              "allReduce of \(count) Double: wrong sums")
    } catch {
        check(false, "allReduce of \(count) elements threw: \(error)")
    }
}

// Several MPI calls per collective (the path above 2³¹ bytes), with a small chunk limit.
do {
    let saved = ProcessGroup.chunkByteLimit
    ProcessGroup.chunkByteLimit = 7 * 4
    defer { ProcessGroup.chunkByteLimit = saved }
    var f = rankValues(1000, Float.self)
    try group.allReduce(&f)
    check(f.scalars.enumerated().allSatisfy { $0.element == expectedSum($0.offset, Float.self) },
          "allReduce in chunks of 7 Float: wrong sums")
    var b = Tensor<Double>(shape: [1001], scalars: (0..<1001).map { Double($0 * (rank + 1)) })
    try group.broadcast(&b, from: size - 1)
    check(b.scalars == (0..<1001).map { Double($0 * size) }, "broadcast in chunks of 7 Float: wrong values")
} catch {
    check(false, "chunked collectives threw: \(error)")
}

// MARK: broadcast from each rank

for root in 0..<size {
    var t = Tensor<Float>(shape: [2, 3], scalars: (0..<6).map { Float(rank * 10 + $0) })
    var d = Tensor<Double>([Double(rank) + 0.5])
    do {
        try group.broadcast(&t, from: root)
        try group.broadcast(&d, from: root)
        check(t.shape == [2, 3] && t.scalars == (0..<6).map { Float(root * 10 + $0) }, "broadcast from rank \(root): wrong values")
        check(d.scalars == [Double(root) + 0.5], "broadcast of Double from rank \(root): wrong value")
    } catch {
        check(false, "broadcast from rank \(root) threw: \(error)")
    }
}

// MARK: barrier and averageGradients(of:)

do {
    try group.barrier()
    let model = Dense(inputSize: 3, outputSize: 2)
    model.weight.grad = Tensor(repeating: Float(rank + 1), shape: [2, 3])   // mean over ranks: (size + 1) / 2
    if rank == 0 { model.bias.grad = Tensor([4, 8]) }                      // missing elsewhere: counts as 0
    try group.averageGradients(of: model)
    check(model.weight.grad?.scalars == Array(repeating: Float(size + 1) / 2, count: 6),
          "averageGradients: weight gradient \(model.weight.grad?.scalars ?? [])")
    check(model.bias.grad?.scalars == [4 / Float(size), 8 / Float(size)],
          "averageGradients: bias gradient \(model.bias.grad?.scalars ?? [])")
} catch {
    check(false, "barrier or averageGradients threw: \(error)")
}

// MARK: a mismatch is reported on every rank, and the group stays usable

do {
    var t = Tensor<Float>(repeating: 1, shape: [10 + rank])
    try group.allReduce(&t)
    check(false, "allReduce with different sizes on the ranks did not throw")
} catch let error as ProcessGroupError {
    let text = "\(error)"
    say("mismatch reported: \(text)")
    check(text.contains("allReduce") && text.contains("rank 0: allReduce of 10 Float")
          && text.contains("rank 1: allReduce of 11 Float"), "the mismatch message names the call and ranks: \(text)")
} catch {
    check(false, "unexpected error \(error)")
}
do {
    var t = Tensor<Float>([1])
    try group.broadcast(&t, from: 0)   // a different call on the ranks is reported too
    if rank == 0 { try group.barrier() } else { try group.allReduce(&t) }
    check(false, "barrier against allReduce did not throw")
} catch let error as ProcessGroupError {
    check("\(error)".contains("barrier") && "\(error)".contains("allReduce of 1 Float"), "mismatched kinds: \(error)")
} catch {
    check(false, "unexpected error \(error)")
}

// MARK: fit: 2 processes with batch 16 end with the parameters of 1 process with batch 32

func loadDigits() -> Dataset {
    var root = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { root.deleteLastPathComponent() }
    do {
        var data = try NumericTable(contentsOf: root.appendingPathComponent("Data/digits.csv")).dataset(labelColumn: "label")
        data.inputs = data.inputs / 16
        return data
    } catch {
        say("cannot read Data/digits.csv: \(error)")
        exit(2)
    }
}

func model(seed: UInt64) -> Sequential {
    withRandomSeed(seed) {
        Sequential([Dense(inputSize: 64, outputSize: 32, activation: { relu($0) }), Dense(inputSize: 32, outputSize: 10)])
    }
}

let digits = loadDigits()
let epochs = 2
do {
    // Rank 1's model starts from other weights: fit must replace them by rank 0's.
    let distributed = model(seed: UInt64(rank))
    let history = try distributed.fit(digits.inputs, digits.labels!, loss: .softmaxCrossEntropy,
                                      optimizer: SGD(parameters: distributed.parameters, learningRate: 0.1, momentum: 0.9),
                                      epochs: epochs, batchSize: 16, verbosity: .perEpoch,
                                      generator: SeededGenerator(seed: 3), processGroup: group)
    let single = model(seed: 0)
    let reference = try single.fit(digits.inputs, digits.labels!, loss: .softmaxCrossEntropy,
                                   optimizer: SGD(parameters: single.parameters, learningRate: 0.1, momentum: 0.9),
                                   epochs: epochs, batchSize: 16 * size,
                                   verbosity: .silent, generator: SeededGenerator(seed: 3))
    let mine = distributed.parameters.flatMap(\.value.scalars)
    let expected = single.parameters.flatMap(\.value.scalars)
    let largest = expected.map(abs).max() ?? 1
    let difference = zip(mine, expected).map { abs($0 - $1) }.max() ?? 0
    say("fit: largest parameter difference to one process with batch \(16 * size): \(difference) "
        + "(\(difference / largest) of the largest parameter)")
    if size == 2 {
        check(difference / largest <= 1e-5, "fit with 2 × 16 differs from 1 × 32 by \(difference / largest) relative")
    }
    check(history.epochs == epochs && zip(history.loss, reference.loss).allSatisfy { abs($0 - $1) <= 1e-4 * abs($1) },
          "fit: History.loss \(history.loss) against one process \(reference.loss)")
    check(zip(history.accuracy, reference.accuracy).allSatisfy { abs($0 - $1) <= 2 / Float(digits.count) },
          "fit: History.accuracy \(history.accuracy) against one process \(reference.accuracy)")
    // Bit-identical on every rank: rank 0's parameters and History, broadcast, against each rank's own.
    var ours = Tensor<Float>(shape: [mine.count + 2 * epochs], scalars: mine + history.loss + history.accuracy)
    let own = ours
    try group.broadcast(&ours, from: 0)
    check(ours.scalars.map(\.bitPattern) == own.scalars.map(\.bitPattern),
          "fit: parameters or History differ from rank 0's (not bit-identical)")
} catch {
    check(false, "fit threw: \(error)")
}

// MARK: fit on targets (the other overload), with validation data: the same History on every rank

do {
    var rng = SeededGenerator(seed: 11)
    let x = Tensor<Float>.randomNormal(shape: [100, 3], using: &rng)
    let y = (x * Tensor<Float>([0.5, -1, 2])).sum(alongAxes: 1).reshaped(to: [100, 1])
    func regression() -> Sequential { withRandomSeed(4) { Sequential([Dense(inputSize: 3, outputSize: 1)]) } }
    let distributed = regression(), single = regression()
    let history = try distributed.fit(x, y, loss: .meanSquaredError,
                                      optimizer: SGD(parameters: distributed.parameters, learningRate: 0.05),
                                      epochs: 3, batchSize: 8, validation: (x[0..<20], y[0..<20]), verbosity: .silent,
                                      generator: SeededGenerator(seed: 5), processGroup: group)
    let reference = try single.fit(x, y, loss: .meanSquaredError,
                                   optimizer: SGD(parameters: single.parameters, learningRate: 0.05),
                                   epochs: 3, batchSize: 8 * size, validation: (x[0..<20], y[0..<20]), verbosity: .silent,
                                   generator: SeededGenerator(seed: 5))
    let mine = distributed.parameters.flatMap(\.value.scalars), expected = single.parameters.flatMap(\.value.scalars)
    let relative = (zip(mine, expected).map { abs($0 - $1) }.max() ?? 0) / (expected.map(abs).max() ?? 1)
    check(relative <= 1e-5, "fit on targets: \(relative) relative difference to one process")
    check(zip(history.validationLoss, reference.validationLoss).allSatisfy { abs($0 - $1) <= 1e-4 * abs($1) },
          "fit on targets: validation loss \(history.validationLoss) against \(reference.validationLoss)")
    var ours = Tensor<Float>(history.loss + history.validationLoss)
    let own = ours
    try group.broadcast(&ours, from: 0)
    check(ours.scalars.map(\.bitPattern) == own.scalars.map(\.bitPattern), "fit on targets: History differs from rank 0's")
} catch {
    check(false, "fit on targets threw: \(error)")
}

// MARK: all ranks agree on the outcome

do {
    var failed = Tensor<Float>([Float(failures)])
    try group.allReduce(&failed)
    say(failed.scalar == 0 ? "all checks passed on every rank (\(String(format: "%.1f", Date().timeIntervalSince(start))) s)"
        : "\(Int(failed.scalar)) check(s) failed over all ranks")
    exit(failed.scalar == 0 ? 0 : 1)
} catch {
    say("the final allReduce threw: \(error)")
    exit(1)
}
