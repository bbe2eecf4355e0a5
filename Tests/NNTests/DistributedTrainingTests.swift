import DistributedTraining
import Foundation
import NN
import Testing

/// `DistributedTraining` in one process (`swift test` is not started by mpirun): a group of one process whose
/// collectives change nothing, and whose `fit` is the plain `fit`. The checks with several processes run under
/// `mpirun -np 2` in .ci/run (`Tests/MPIChecks`).
@Suite("Distributed training, one process")
struct DistributedTrainingTests {
    @Test("without mpirun, the current group is one process whose collectives are identities")
    func oneProcessGroup() throws {
        guard !ProcessGroup.isStartedByMPIRun else { return }
        let group = try ProcessGroup.current()
        #expect(group.rank == 0 && group.size == 1 && group.library == nil)
        #expect(try ProcessGroup.current() === group)
        var f = Tensor<Float>([[1, 2], [3, 4]])
        var d = Tensor<Double>([1.5, -2])
        var empty = Tensor<Float>.zeros(shape: [0])
        try group.allReduce(&f)
        try group.allReduce(&d)
        try group.allReduce(&empty)
        try group.broadcast(&f, from: 0)
        try group.barrier()
        #expect(f == Tensor<Float>([[1, 2], [3, 4]]) && d == Tensor<Double>([1.5, -2]) && empty.shape == [0])
        let layer = Dense(inputSize: 2, outputSize: 1)
        layer.weight.grad = Tensor([[0.25, -1]])
        try group.averageGradients(of: layer)
        #expect(layer.weight.grad == Tensor<Float>([[0.25, -1]]))
        #expect(layer.bias.grad == nil)
    }

    @Test("API.md's lines compile and run as printed")
    func apiAsPrinted() throws {
        let group = try ProcessGroup.current()   // the MPI world when started by mpirun, otherwise one process
        let (rank, size): (Int, Int) = (group.rank, group.size)
        #expect(rank < size)
        var t = Tensor<Float>([1, 2, 3])
        try group.allReduce(&t)
        try group.broadcast(&t, from: 0)
        let model = withRandomSeed(3) { Sequential([Dense(inputSize: 2, outputSize: 2)]) }
        let x = Tensor<Float>([[0, 1], [1, 0], [1, 1], [0, 0]])
        let labels = [1, 0, 1, 0]
        let optimizer = Adam(for: model, learningRate: 0.01)
        softmaxCrossEntropy(logits: model(Variable(x, requiresGrad: false)), labels: labels).backward()
        try group.averageGradients(of: model)
        optimizer.zeroGrad()
        let history = try model.fit(x, labels, loss: .softmaxCrossEntropy, optimizer: optimizer, epochs: 3,
                                    batchSize: 16, processGroup: group)
        #expect(history.epochs == 3)
    }

    @Test("fit with a group of one process is the plain fit, bit for bit")
    func fitWithOneProcess() throws {
        guard !ProcessGroup.isStartedByMPIRun else { return }
        let group = try ProcessGroup.current()
        let data = try loadDigits().subset(Array(0..<200))
        func model() -> Sequential {
            withRandomSeed(1) { Sequential([Dense(inputSize: 64, outputSize: 16, activation: { relu($0) }), Dense(inputSize: 16, outputSize: 10)]) }
        }
        let a = model(), b = model()
        let ha = try a.fit(data.inputs, data.labels!, loss: .softmaxCrossEntropy, optimizer: Adam(for: a), epochs: 2,
                           batchSize: 16, verbosity: .silent, generator: SeededGenerator(seed: 5), processGroup: group)
        let hb = try b.fit(data.inputs, data.labels!, loss: .softmaxCrossEntropy, optimizer: Adam(for: b), epochs: 2,
                           batchSize: 16, verbosity: .silent, generator: SeededGenerator(seed: 5))
        #expect(ha.loss == hb.loss && ha.accuracy == hb.accuracy)
        #expect(a.parameters.map(\.value) == b.parameters.map(\.value))
    }

    @Test("under mpirun without a loadable libmpi, current() says which names were tried and how to install Open MPI")
    func missingLibrary() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            setenv("OMPI_COMM_WORLD_SIZE", "2", 1)
            setenv("AUTODIFF_MPI_LIBRARY", "/nonexistent/libmpi.so.40", 1)
            do {
                _ = try ProcessGroup.current()
            } catch {
                FileHandle.standardError.write(Data("\(error)".utf8))
                exit(1)
            }
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("started by mpirun"))
        #expect(text.contains("Tried: /nonexistent/libmpi.so.40"))
        #expect(text.contains("apt-get install openmpi-bin libopenmpi-dev"))
    }

    @Test("a library that is not Open MPI is named as such")
    func notOpenMPI() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            setenv("OMPI_COMM_WORLD_SIZE", "2", 1)
            setenv("AUTODIFF_MPI_LIBRARY", "libm.so.6", 1)
            do {
                _ = try ProcessGroup.current()
            } catch {
                FileHandle.standardError.write(Data("\(error)".utf8))
                exit(1)
            }
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("libm.so.6 (loaded, but it is not Open MPI: no symbol ompi_mpi_comm_world)"))
    }

    @Test("broadcast from a rank outside the group stops with the rank, the size and the caller's line")
    func broadcastRootOutOfRange() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var t = Tensor<Float>([1])
            try? ProcessGroup.current().broadcast(&t, from: 1)
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("ProcessGroup.broadcast(_:from:): root 1 is not a rank of this group of 1 process"))
        #expect(text.contains("DistributedTrainingTests.swift"))
    }

    @Test("a ProcessGroupError names the collective and the ranks")
    func errorMessages() {
        let mismatch = ProcessGroupError.mismatchedCollective(operation: "allReduce", rank: 1,
                                                              calls: ["allReduce of 10 Float", "allReduce of 7 Float"])
        #expect("\(mismatch)".contains("allReduce on rank 1"))
        #expect("\(mismatch)".contains("rank 0: allReduce of 10 Float; rank 1: allReduce of 7 Float"))
        let finished = ProcessGroupError.processesFinished(operation: "barrier", rank: 0, finished: [2, 3])
        #expect("\(finished)" == "barrier on rank 0: ranks 2, 3 reached the end of the program without making this call; "
                + "every process must make the same collective calls")
    }
}
