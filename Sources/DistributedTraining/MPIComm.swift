import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// MPI's world communicator with the checks that make failures loud: every collective first exchanges a header
/// (call number, kind, count, element type, root) with a non-blocking allgather, polled while watching for
/// "finished" notices that processes send each other at exit (on a second communicator).
final class MPIComm: @unchecked Sendable {
    let library: MPILibrary
    let world: MPILibrary.Handle
    /// A duplicate of the world for the exit notices, so they never match a collective.
    let notices: MPILibrary.Handle
    let rank: Int
    let size: Int

    struct State {
        /// Collectives called so far.
        var sequence: Int64 = 0
        /// Ranks whose exit notice has arrived.
        var finished: Set<Int> = []
        /// A header exchange was left pending (a process finished): the world can no longer be used.
        var broken = false
        var finalized = false
    }
    let state = Mutex(State())
    /// Held for each collective: MPI is initialized for one thread at a time (`MPI_THREAD_SERIALIZED`).
    let calls = Mutex(())

    /// Seconds a collective keeps waiting after a finished notice arrived (its data may still be in flight).
    static let graceSeconds = 2.0
    static let noticeTag: Int32 = 7001

    /// An `MPI_Status` for `MPI_Iprobe` (used under `calls` or at exit only).
    let status = UnsafeMutableRawPointer.allocate(byteCount: MPILibrary.statusBytes, alignment: 8)

    /// The communicator of the one MPI world, for the exit handler.
    nonisolated(unsafe) static var active: MPIComm?

    private init(library: MPILibrary, world: MPILibrary.Handle, notices: MPILibrary.Handle, rank: Int, size: Int) {
        self.library = library
        self.world = world
        self.notices = notices
        self.rank = rank
        self.size = size
    }

    /// Loads the library, initializes MPI, sets the error handler to return codes, and registers the exit handler.
    static func start() throws -> MPIComm {
        let mpi = try MPILibrary.load()
        func check(_ code: Int32, _ call: String) throws {
            if code != 0 { throw ProcessGroupError.mpiFailure(operation: call, code: code, message: mpi.message(for: code)) }
        }
        var flag: Int32 = 0
        try check(mpi.initialized(&flag), "MPI_Initialized")
        if flag == 0 {
            // A process waiting in a collective gives its core to others (sched_yield) instead of spinning, unless
            // the user chose otherwise: on a machine shared with other work, spinning delays the process waited for.
            setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0)
            var provided: Int32 = 0
            try check(mpi.initThread(nil, nil, MPILibrary.threadSerialized, &provided), "MPI_Init_thread")
        }
        try check(mpi.commSetErrhandler(mpi.commWorld, mpi.errorsReturn), "MPI_Comm_set_errhandler")
        var rank: Int32 = 0, size: Int32 = 0
        try check(mpi.commRank(mpi.commWorld, &rank), "MPI_Comm_rank")
        try check(mpi.commSize(mpi.commWorld, &size), "MPI_Comm_size")
        var notices: MPILibrary.Handle?
        try check(mpi.commDup(mpi.commWorld, &notices), "MPI_Comm_dup")
        guard let notices else { throw ProcessGroupError.mpiFailure(operation: "MPI_Comm_dup", code: -1, message: "no communicator") }
        try check(mpi.commSetErrhandler(notices, mpi.errorsReturn), "MPI_Comm_set_errhandler")
        let comm = MPIComm(library: mpi, world: mpi.commWorld, notices: notices, rank: Int(rank), size: Int(size))
        active = comm
        atexit { MPIComm.active?.finishAtExit() }
        return comm
    }

    func check(_ code: Int32, _ operation: String) throws {
        if code != 0 {
            throw ProcessGroupError.mpiFailure(operation: operation, code: code, message: library.message(for: code))
        }
    }

    func datatype(_ scalar: ScalarCode) -> MPILibrary.Handle {
        switch scalar {
        case .float: library.float
        case .double: library.double
        case .byte, .none: library.byte
        }
    }

    // MARK: Collectives

    /// Sums `buffer` over the processes in place, in chunks of at most ``ProcessGroup/chunkByteLimit`` bytes.
    func allReduce<S>(_ buffer: UnsafeMutableBufferPointer<S>, operation: String, kind: CollectiveKind) throws {
        try calls.withLock { _ in try allReduceLocked(buffer, operation: operation, kind: kind) }
    }

    private func allReduceLocked<S>(_ buffer: UnsafeMutableBufferPointer<S>, operation: String, kind: CollectiveKind) throws {
        let scalar = ScalarCode.of(S.self)
        precondition(scalar == .float || scalar == .double, "\(operation): only Float and Double tensors are summed")
        try agree(operation: operation, kind: kind, count: buffer.count, scalar: scalar, root: 0)
        let chunk = max(1, min(Int(Int32.max), ProcessGroup.chunkByteLimit / MemoryLayout<S>.stride))
        var start = 0
        while start < buffer.count {
            let n = min(chunk, buffer.count - start)
            try check(library.allreduce(MPILibrary.inPlace, UnsafeMutableRawPointer(buffer.baseAddress! + start), Int32(n),
                                        datatype(scalar), library.sum, world), operation)
            start += n
        }
    }

    /// Copies `root`'s bytes to every process, in chunks of at most ``ProcessGroup/chunkByteLimit`` bytes.
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, scalar: ScalarCode, root: Int, operation: String,
                   kind: CollectiveKind = .broadcast) throws {
        try calls.withLock { _ in try broadcastLocked(buffer, scalar: scalar, root: root, operation: operation, kind: kind) }
    }

    private func broadcastLocked(_ buffer: UnsafeMutableRawBufferPointer, scalar: ScalarCode, root: Int,
                                 operation: String, kind: CollectiveKind) throws {
        let stride = scalar == .double ? 8 : scalar == .float ? 4 : 1
        try agree(operation: operation, kind: kind, count: buffer.count / stride, scalar: scalar, root: root)
        let chunk = max(1, min(Int(Int32.max), ProcessGroup.chunkByteLimit / stride))
        let count = buffer.count / stride
        var start = 0
        while start < count {
            let n = min(chunk, count - start)
            try check(library.bcast(buffer.baseAddress! + start * stride, Int32(n), datatype(scalar), Int32(root), world),
                      operation)
            start += n
        }
    }

    /// Waits for every process: the header exchange alone.
    func barrier() throws {
        try calls.withLock { _ in try agree(operation: "barrier", kind: .barrier, count: 0, scalar: .none, root: 0) }
    }

    /// Exchanges what each process is calling (the caller holds `calls`); throws on every process when they
    /// differ, or when a process reached the end of its program instead.
    func agree(operation: String, kind: CollectiveKind, count: Int, scalar: ScalarCode, root: Int) throws {
        let fields = 5
        let sequence: Int64 = try state.withLock { state in
            if state.broken || !state.finished.isEmpty {
                throw ProcessGroupError.processesFinished(operation: operation, rank: rank, finished: state.finished.sorted())
            }
            state.sequence += 1
            return state.sequence
        }
        // The buffers must outlive the request; when it is abandoned (a process finished) they are never freed.
        let mine = UnsafeMutablePointer<Int64>.allocate(capacity: fields)
        let all = UnsafeMutablePointer<Int64>.allocate(capacity: fields * size)
        mine.initialize(from: [sequence, kind.rawValue, Int64(count), scalar.rawValue, Int64(root)], count: fields)
        all.initialize(repeating: 0, count: fields * size)
        var request: MPILibrary.Request = nil
        try check(library.iallgather(mine, Int32(fields), library.int64, all, Int32(fields), library.int64, world, &request),
                  operation)
        try wait(&request, operation: operation)   // when it throws, the buffers stay MPI's (never freed)
        defer {
            mine.deallocate()
            all.deallocate()
        }
        let headers = (0..<size).map { r in Array(UnsafeBufferPointer(start: all + r * fields, count: fields)) }
        let expected = headers[rank]
        guard headers.allSatisfy({ $0 == expected }) else {
            let sequencesDiffer = Set(headers.map { $0[0] }).count > 1
            let calls = headers.map { h -> String in
                let k = CollectiveKind(rawValue: h[1])
                var text = k?.name ?? "an unknown call"
                let s = ScalarCode(rawValue: h[3]) ?? .none
                if k != .barrier { text += " of \(h[2]) \(s.name)" }
                if k == .broadcast { text += " from rank \(h[4])" }
                if sequencesDiffer { text += " (its collective call #\(h[0]))" }
                return text
            }
            throw ProcessGroupError.mismatchedCollective(operation: operation, rank: rank, calls: calls)
        }
    }

    /// Polls `request` until it completes; when a finished notice has arrived and the request still has not
    /// completed after ``graceSeconds``, marks the world broken and throws.
    func wait(_ request: inout MPILibrary.Request, operation: String) throws {
        var flag: Int32 = 0
        var noticeTime: Double?
        let start = monotonicSeconds()
        while true {
            try check(library.test(&request, &flag, nil), operation)
            if flag != 0 { return }
            if try receiveNotices() && noticeTime == nil { noticeTime = monotonicSeconds() }
            let now = monotonicSeconds()
            if let noticeTime, now - noticeTime > Self.graceSeconds {
                let finished = state.withLock { state in
                    state.broken = true
                    return state.finished.sorted()
                }
                throw ProcessGroupError.processesFinished(operation: operation, rank: rank, finished: finished)
            }
            pause(since: start, now: now)
        }
    }

    /// Receives the finished notices that have arrived; true when there is at least one (now or before).
    func receiveNotices() throws -> Bool {
        var flag: Int32 = 0
        while true {
            try check(library.iprobe(MPILibrary.anySource, Self.noticeTag, notices, &flag, status), "MPI_Iprobe")
            guard flag != 0 else { break }
            let source = status.load(as: Int32.self)   // MPI_Status.MPI_SOURCE comes first
            var token: Int64 = 0
            try check(library.recv(&token, 1, library.int64, source, Self.noticeTag, notices, nil), "MPI_Recv")
            state.withLock { _ = $0.finished.insert(Int(source)) }
        }
        return state.withLock { !$0.finished.isEmpty }
    }

    /// Between polls: yields the core for the first 0.1 s (so a process that is ready runs, and the wait ends as
    /// soon as the others arrive), then sleeps 1 ms at a time (a long wait is for another process's computation).
    func pause(since start: Double, now: Double) {
        if now - start < 0.1 {
            sched_yield()
        } else {
            usleep(1000)
        }
    }

    // MARK: Exit

    /// At exit: tells every other process this one has finished, waits until all of them have finished too,
    /// then finalizes MPI.
    func finishAtExit() {
        let (alreadyDone, broken, finished) = state.withLock { s in
            defer { s.finalized = true }
            return (s.finalized, s.broken, s.finished)
        }
        guard !alreadyDone else { return }
        var flag: Int32 = 0
        guard library.finalized(&flag) == 0, flag == 0 else { return }
        if broken {
            // A header exchange is still pending on the world. MPI_Finalize returns all the same with Open MPI 4,
            // but should it ever wait for it, end the process after 10 s: mpirun then ends the job.
            Thread.detachNewThread {
                sleep(10)
                FileHandle.standardError.write(Data(
                    "ProcessGroup: MPI_Finalize did not return within 10 s after a failed collective; exiting\n".utf8))
                _exit(1)
            }
        }
        let others = (0..<size).filter { $0 != rank }
        let token = UnsafeMutablePointer<Int64>.allocate(capacity: 1)   // both live until the process ends
        token.initialize(to: Int64(rank))
        let received = UnsafeMutablePointer<Int64>.allocate(capacity: max(size, 1))
        var requests: [MPILibrary.Request] = []
        for r in others {
            var request: MPILibrary.Request = nil
            if library.isend(token, 1, library.int64, Int32(r), Self.noticeTag, notices, &request) == 0 {
                requests.append(request)
            }
        }
        for r in others where !finished.contains(r) {
            var request: MPILibrary.Request = nil
            if library.irecv(received + r, 1, library.int64, Int32(r), Self.noticeTag, notices, &request) == 0 {
                requests.append(request)
            }
        }
        let start = monotonicSeconds()
        for i in requests.indices {
            var done: Int32 = 0
            while done == 0 {
                guard library.test(&requests[i], &done, nil) == 0 else { break }
                if done == 0 { pause(since: start, now: monotonicSeconds()) }
            }
        }
        _ = library.finalize()
    }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
