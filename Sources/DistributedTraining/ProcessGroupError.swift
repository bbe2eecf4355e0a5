/// Why a ``ProcessGroup`` could not start or a collective operation failed.
public enum ProcessGroupError: Error, Equatable, CustomStringConvertible {
    /// Started by `mpirun`, but no Open MPI library could be loaded; `tried` lists each name with its reason.
    case libraryNotFound(tried: [String])
    /// An MPI call returned an error code: the collective (or the MPI call), the code and `MPI_Error_string`.
    case mpiFailure(operation: String, code: Int32, message: String)
    /// The processes did not all call the same collective with the same size: what each rank called.
    case mismatchedCollective(operation: String, rank: Int, calls: [String])
    /// Other processes reached the end of their program while this one waited in a collective for them.
    case processesFinished(operation: String, rank: Int, finished: [Int])

    /// The message: what failed, on which rank, and what to do.
    public var description: String {
        switch self {
        case .libraryNotFound(let tried):
            return """
            ProcessGroup.current(): this process was started by mpirun, but Open MPI's library could not be loaded. \
            Tried: \(tried.joined(separator: "; ")). \
            Install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev; macOS: brew install open-mpi), \
            or set AUTODIFF_MPI_LIBRARY to the path of libmpi.
            """
        case .mpiFailure(let operation, let code, let message):
            return "\(operation): MPI error \(code): \(message)"
        case .mismatchedCollective(let operation, let rank, let calls):
            let list = calls.enumerated().map { "rank \($0.offset): \($0.element)" }.joined(separator: "; ")
            return "\(operation) on rank \(rank): the processes called different collectives or sizes (\(list)); "
                + "every process must make the same collective calls, in the same order, with the same sizes"
        case .processesFinished(let operation, let rank, let finished):
            let ranks = finished.map(String.init).joined(separator: ", ")
            return "\(operation) on rank \(rank): rank\(finished.count == 1 ? "" : "s") \(ranks) reached the end of "
                + "the program without making this call; every process must make the same collective calls"
        }
    }
}
