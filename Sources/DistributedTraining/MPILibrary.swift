#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// Open MPI's `libmpi`, loaded at run time with `dlopen` (nothing is linked at build time).
///
/// Open MPI's handles (`MPI_COMM_WORLD`, `MPI_FLOAT`, `MPI_SUM`, `MPI_ERRORS_RETURN`, …) are the addresses of
/// global objects in the library (`ompi_mpi_comm_world`, `ompi_mpi_float`, …), so `dlsym` finds them like the
/// functions.
struct MPILibrary: @unchecked Sendable {
    typealias Handle = UnsafeMutableRawPointer
    typealias Request = UnsafeMutableRawPointer?

    typealias InitThread = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int32,
                                          UnsafeMutablePointer<Int32>?) -> Int32
    typealias Flag = @convention(c) (UnsafeMutablePointer<Int32>?) -> Int32
    typealias Finalize = @convention(c) () -> Int32
    typealias CommInt = @convention(c) (Handle?, UnsafeMutablePointer<Int32>?) -> Int32
    typealias CommDup = @convention(c) (Handle?, UnsafeMutablePointer<Handle?>?) -> Int32
    typealias SetErrhandler = @convention(c) (Handle?, Handle?) -> Int32
    typealias ErrorString = @convention(c) (Int32, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<Int32>?) -> Int32
    typealias Allreduce = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, Handle?, Handle?,
                                          Handle?) -> Int32
    typealias Bcast = @convention(c) (UnsafeMutableRawPointer?, Int32, Handle?, Int32, Handle?) -> Int32
    typealias Iallgather = @convention(c) (UnsafeRawPointer?, Int32, Handle?, UnsafeMutableRawPointer?, Int32, Handle?,
                                           Handle?, UnsafeMutablePointer<Request>?) -> Int32
    typealias Test = @convention(c) (UnsafeMutablePointer<Request>?, UnsafeMutablePointer<Int32>?,
                                     UnsafeMutableRawPointer?) -> Int32
    typealias Iprobe = @convention(c) (Int32, Int32, Handle?, UnsafeMutablePointer<Int32>?,
                                       UnsafeMutableRawPointer?) -> Int32
    typealias Recv = @convention(c) (UnsafeMutableRawPointer?, Int32, Handle?, Int32, Int32, Handle?,
                                     UnsafeMutableRawPointer?) -> Int32
    typealias Isend = @convention(c) (UnsafeRawPointer?, Int32, Handle?, Int32, Int32, Handle?,
                                      UnsafeMutablePointer<Request>?) -> Int32
    typealias Irecv = @convention(c) (UnsafeMutableRawPointer?, Int32, Handle?, Int32, Int32, Handle?,
                                      UnsafeMutablePointer<Request>?) -> Int32
    typealias Abort = @convention(c) (Handle?, Int32) -> Int32
    typealias LibraryVersion = @convention(c) (UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<Int32>?) -> Int32

    /// The name `dlopen` loaded.
    let name: String
    // Handles: addresses of Open MPI's predefined objects.
    let commWorld: Handle
    let float: Handle
    let double: Handle
    let byte: Handle
    let int64: Handle
    let sum: Handle
    let errorsReturn: Handle
    // Functions.
    let initThread: InitThread
    let initialized: Flag
    let finalized: Flag
    let finalize: Finalize
    let commRank: CommInt
    let commSize: CommInt
    let commDup: CommDup
    let commSetErrhandler: SetErrhandler
    let errorString: ErrorString
    let allreduce: Allreduce
    let bcast: Bcast
    let iallgather: Iallgather
    let test: Test
    let iprobe: Iprobe
    let recv: Recv
    let isend: Isend
    let irecv: Irecv
    let abort: Abort
    let libraryVersion: LibraryVersion

    /// `MPI_IN_PLACE` in Open MPI's `mpi.h`.
    static var inPlace: UnsafeRawPointer? { UnsafeRawPointer(bitPattern: 1) }
    /// `MPI_ANY_SOURCE`.
    static let anySource: Int32 = -1
    /// `MPI_THREAD_SERIALIZED`.
    static let threadSerialized: Int32 = 2
    /// Bytes of an `MPI_Status` (Open MPI's is 24; room to spare).
    static let statusBytes = 64

    /// The names tried, in order: only `AUTODIFF_MPI_LIBRARY` when it is set, otherwise Open MPI's usual names.
    static var candidates: [String] {
        if let path = getenv("AUTODIFF_MPI_LIBRARY") { return [String(cString: path)] }
        #if canImport(Darwin)
        return ["libmpi.40.dylib", "libmpi.dylib", "/opt/homebrew/lib/libmpi.dylib", "/usr/local/lib/libmpi.dylib"]
        #else
        return ["libmpi.so.40", "libmpi.so", "/usr/lib64/openmpi/lib/libmpi.so.40", "/usr/lib/openmpi/lib/libmpi.so.40"]
        #endif
    }

    /// Loads the first candidate that is Open MPI, or throws ``ProcessGroupError/libraryNotFound(tried:)``
    /// with why each name failed.
    static func load() throws -> MPILibrary {
        var tried: [String] = []
        for name in candidates {
            // RTLD_GLOBAL: Open MPI's own plug-ins, loaded later by libmpi, look up its symbols globally.
            guard let handle = dlopen(name, RTLD_NOW | RTLD_GLOBAL) else {
                tried.append("\(name) (\(dlerror().map { String(cString: $0) } ?? "not found"))")
                continue
            }
            do {
                return try MPILibrary(name: name, handle: handle)
            } catch let missing as MissingSymbol {
                tried.append("\(name) (loaded, but it is not Open MPI: no symbol \(missing.symbol))")
                dlclose(handle)
            }
        }
        throw ProcessGroupError.libraryNotFound(tried: tried)
    }

    struct MissingSymbol: Error { let symbol: String }

    private init(name: String, handle: UnsafeMutableRawPointer) throws {
        func symbol(_ s: String) throws -> UnsafeMutableRawPointer {
            guard let p = dlsym(handle, s) else { throw MissingSymbol(symbol: s) }
            return p
        }
        func function<F>(_ s: String, as type: F.Type) throws -> F { unsafeBitCast(try symbol(s), to: type) }
        self.name = name
        commWorld = try symbol("ompi_mpi_comm_world")
        float = try symbol("ompi_mpi_float")
        double = try symbol("ompi_mpi_double")
        byte = try symbol("ompi_mpi_byte")
        int64 = try symbol("ompi_mpi_int64_t")
        sum = try symbol("ompi_mpi_op_sum")
        errorsReturn = try symbol("ompi_mpi_errors_return")
        initThread = try function("MPI_Init_thread", as: InitThread.self)
        initialized = try function("MPI_Initialized", as: Flag.self)
        finalized = try function("MPI_Finalized", as: Flag.self)
        finalize = try function("MPI_Finalize", as: Finalize.self)
        commRank = try function("MPI_Comm_rank", as: CommInt.self)
        commSize = try function("MPI_Comm_size", as: CommInt.self)
        commDup = try function("MPI_Comm_dup", as: CommDup.self)
        commSetErrhandler = try function("MPI_Comm_set_errhandler", as: SetErrhandler.self)
        errorString = try function("MPI_Error_string", as: ErrorString.self)
        allreduce = try function("MPI_Allreduce", as: Allreduce.self)
        bcast = try function("MPI_Bcast", as: Bcast.self)
        iallgather = try function("MPI_Iallgather", as: Iallgather.self)
        test = try function("MPI_Test", as: Test.self)
        iprobe = try function("MPI_Iprobe", as: Iprobe.self)
        recv = try function("MPI_Recv", as: Recv.self)
        isend = try function("MPI_Isend", as: Isend.self)
        irecv = try function("MPI_Irecv", as: Irecv.self)
        abort = try function("MPI_Abort", as: Abort.self)
        libraryVersion = try function("MPI_Get_library_version", as: LibraryVersion.self)
    }

    /// `MPI_Error_string` of `code`.
    func message(for code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 1024)
        var length: Int32 = 0
        guard errorString(code, &buffer, &length) == 0 else { return "MPI error \(code)" }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `MPI_Get_library_version`'s first line.
    var version: String {
        var buffer = [CChar](repeating: 0, count: 8192)
        var length: Int32 = 0
        guard libraryVersion(&buffer, &length) == 0 else { return name }
        let text = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.split(separator: "\n").first.map { String($0.split(separator: ",").first ?? $0) } ?? name
    }
}
