import NN
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// The processes training one model together: the MPI world when the program was started by `mpirun`
/// (Open MPI's `libmpi` is loaded at run time), otherwise a group of one process whose collectives change nothing.
///
/// ```swift
/// let group = try ProcessGroup.current()
/// var t = Tensor<Float>([Float(group.rank), 1])
/// try group.allReduce(&t)               // [0 + 1 + … + (size − 1), size] on every process
/// ```
///
/// Every process must make the same collective calls (``allReduce(_:)``, ``broadcast(_:from:file:line:)``,
/// ``barrier()``, ``averageGradients(of:)``, `fit(…, processGroup:)`) in the same order with the same sizes.
/// Each call first exchanges a small header (which call, how many elements), so a mismatch, or a process that
/// reached the end of its program instead, throws a ``ProcessGroupError`` on the waiting processes naming the call
/// and the ranks instead of hanging. MPI's error handler is set to return codes, which become
/// ``ProcessGroupError/mpiFailure(operation:code:message:)``.
///
/// MPI is initialized by the first ``current()`` and finalized when the program exits; at exit each process waits
/// until all the others have reached their end too (a process that is still computing is not interrupted).
public final class ProcessGroup: @unchecked Sendable {
    /// This process's position in the group, 0 ..< ``size``.
    public let rank: Int
    /// The number of processes.
    public let size: Int
    /// The MPI library in use (Open MPI's version line), or nil for the group of one process without MPI.
    public let library: String?
    let mpi: MPIComm?
    /// The buffer `averageGradients` reuses.
    private let gradientBuffer = Mutex(UnsafeMutableBufferPointer<Float>(start: nil, count: 0))

    /// The largest message, in bytes, one MPI call carries; collectives over more elements are split into calls of
    /// at most this size (MPI counts elements in a 32-bit `int`). 1 GiB unless changed.
    public nonisolated(unsafe) static var chunkByteLimit = 1 << 30

    /// Whether this process was started by Open MPI's `mpirun`/`mpiexec` (or another PMIx launcher), from the
    /// environment it sets (`OMPI_COMM_WORLD_SIZE`, `PMIX_RANK`).
    public static var isStartedByMPIRun: Bool {
        getenv("OMPI_COMM_WORLD_SIZE") != nil || getenv("PMIX_RANK") != nil
    }

    /// The group this process belongs to: the MPI world under `mpirun`, otherwise one process.
    ///
    /// The first call under `mpirun` loads `libmpi` and initializes MPI (and sets `Parallelism.threadCount` to
    /// the processors per process on this machine, at least 1); later calls return the same group. Processes
    /// waiting in a collective yield their core (Open MPI's `mpi_yield_when_idle`, unless
    /// `OMPI_MCA_mpi_yield_when_idle` is set): spinning slows the processes waited for when others share the cores.
    /// - Throws: ``ProcessGroupError/libraryNotFound(tried:)`` under `mpirun` when no Open MPI library loads
    ///   (the names tried and how to install it); ``ProcessGroupError/mpiFailure(operation:code:message:)``
    ///   when MPI cannot start.
    public static func current() throws -> ProcessGroup {
        try world.get()
    }

    private static let world: Result<ProcessGroup, ProcessGroupError> = {
        guard isStartedByMPIRun else { return .success(ProcessGroup(rank: 0, size: 1, library: nil, mpi: nil)) }
        do {
            let comm = try MPIComm.start()
            let local = getenv("OMPI_COMM_WORLD_LOCAL_SIZE").flatMap { Int(String(cString: $0)) } ?? 1
            let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
            Parallelism.threadCount = max(1, cores / max(local, 1))
            return .success(ProcessGroup(rank: comm.rank, size: comm.size, library: comm.library.version, mpi: comm))
        } catch let error as ProcessGroupError {
            return .failure(error)
        } catch {
            return .failure(.mpiFailure(operation: "MPI_Init_thread", code: -1, message: "\(error)"))
        }
    }()

    private init(rank: Int, size: Int, library: String?, mpi: MPIComm?) {
        self.rank = rank
        self.size = size
        self.library = library
        self.mpi = mpi
    }

    /// Sums `tensor` over all processes, in place: afterwards every process holds the same sum.
    ///
    /// Any size (0 too; more than ``chunkByteLimit`` bytes go in several calls). Every process must pass the
    /// same number of elements; otherwise every process throws ``ProcessGroupError/mismatchedCollective(operation:rank:calls:)``.
    public func allReduce<Scalar: TensorScalar>(_ tensor: inout Tensor<Scalar>) throws {
        guard let mpi else { return }
        try tensor.withUnsafeMutableBufferPointer { buffer in
            try mpi.allReduce(buffer, operation: "allReduce", kind: .allReduce)
        }
    }

    /// Replaces `tensor` on every process by the one of process `root` (the shapes must have the same number of
    /// elements on every process).
    public func broadcast<Scalar: TensorScalar>(_ tensor: inout Tensor<Scalar>, from root: Int,
                                                file: StaticString = #fileID, line: UInt = #line) throws {
        guard root >= 0 && root < size else {
            fatalError("ProcessGroup.broadcast(_:from:): root \(root) is not a rank of this group of \(size) "
                       + "process\(size == 1 ? "" : "es"). Fix: pass a rank in 0..<\(size) (group.size)", file: file, line: line)
        }
        guard let mpi else { return }
        try tensor.withUnsafeMutableBufferPointer { buffer in
            try mpi.broadcast(UnsafeMutableRawBufferPointer(buffer), scalar: .of(Scalar.self), root: root,
                              operation: "broadcast")
        }
    }

    /// Waits until every process has called `barrier()`.
    public func barrier() throws {
        try mpi?.barrier()
    }

    /// Replaces every parameter's gradient by its mean over the processes, in one allreduce of all the gradients
    /// (for training loops of your own: call it between `backward()` and the optimizer's `step()`).
    ///
    /// A parameter without a gradient on some processes counts as zero there; one without a gradient on every
    /// process keeps none.
    public func averageGradients(of model: any Layer) throws {
        _ = try averageGradients(model.parameters, weight: 1, statistics: [], operation: "averageGradients(of:)")
    }

    /// Sets each gradient to Σ weightᵣ·gradientᵣ / Σ weightᵣ over the processes, with `statistics` summed over
    /// the processes in the same allreduce; returns the summed statistics and the total weight.
    func averageGradients(_ parameters: [Variable<Float>], weight: Float, statistics: [Float],
                          operation: String) throws -> (statistics: [Float], weight: Float) {
        guard let mpi else { return (statistics, weight) }
        let counts = parameters.map { $0.scalarCount }
        let gradientCount = counts.reduce(0, +)
        // Layout: the weighted gradients, one presence flag per parameter, the statistics, the weight.
        let length = gradientCount + parameters.count + statistics.count + 1
        // Kept between calls: a new buffer each step costs Open MPI page faults and memory registrations.
        let buffer = gradientBuffer.withLock { kept in
            if kept.count < length {
                kept.deallocate()
                kept = UnsafeMutableBufferPointer<Float>.allocate(capacity: length)
            }
            return UnsafeMutableBufferPointer(rebasing: kept[0..<length])
        }
        let out = buffer.baseAddress!
        out.initialize(repeating: 0, count: length)
        var offset = 0
        for (i, p) in parameters.enumerated() {
            if let g = p.grad {
                g.withUnsafeBufferPointer { g in
                    let n = g.count, source = g.baseAddress!, target = out + offset
                    if weight == 1 {
                        target.update(from: source, count: n)
                    } else {
                        for j in 0..<n { target[j] = source[j] * weight }
                    }
                }
                out[gradientCount + i] = 1
            }
            offset += counts[i]
        }
        for (j, s) in statistics.enumerated() { out[gradientCount + parameters.count + j] = s }
        out[length - 1] = weight
        try mpi.allReduce(buffer, operation: operation, kind: .averageGradients)
        let total = out[length - 1]
        offset = 0
        for (i, p) in parameters.enumerated() {
            defer { offset += counts[i] }
            guard out[gradientCount + i] > 0, total > 0 else {
                p.grad = nil
                continue
            }
            let n = counts[i], source = UnsafePointer(out + offset)
            let mean = [Float](unsafeUninitializedCapacity: n) { target, initialized in
                let target = target.baseAddress!
                for j in 0..<n { target[j] = source[j] / total }
                initialized = n
            }
            p.grad = Tensor(shape: p.shape, scalars: mean)
        }
        let first = gradientCount + parameters.count
        return ((0..<statistics.count).map { out[first + $0] }, total)
    }
}

/// What each process says it is calling, exchanged before every collective.
enum CollectiveKind: Int64 {
    case allReduce = 1, broadcast, barrier, averageGradients, synchronize

    var name: String {
        switch self {
        case .allReduce: "allReduce"
        case .broadcast: "broadcast"
        case .barrier: "barrier"
        case .averageGradients: "averageGradients"
        case .synchronize: "fit's start (broadcast of the parameters)"
        }
    }
}

/// The element type of a collective.
enum ScalarCode: Int64 {
    case none = 0, float, double, byte

    static func of<S>(_ type: S.Type) -> ScalarCode {
        if type == Float.self { return .float }
        if type == Double.self { return .double }
        return .byte
    }

    var name: String {
        switch self {
        case .none: ""
        case .float: "Float"
        case .double: "Double"
        case .byte: "bytes"
        }
    }
}
