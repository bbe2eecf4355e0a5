import TensorCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// The system's BLAS, loaded at run time with `dlopen` when there is one (OpenBLAS, the reference BLAS, or
/// Accelerate on macOS): matrix products then run on `cblas_sgemm`/`cblas_dgemm`. Nothing is linked at build
/// time, so the package builds and runs the same without one.
///
/// - `AUTODIFF_BLAS=off` in the environment, or `isEnabled = false`, keeps to the built-in kernels.
/// - OpenBLAS uses `Parallelism.threadCount` threads.
/// - Small Float products stay on the built-in kernel, whose single call costs less than a call into the
///   library (`gemmStaysBuiltIn(transposeA:transposeB:m:k:n:)`); a product that overwrites its output asks the
///   library for C = A·B (β = 0) rather than zeroing C first.
/// - Results then depend on the library: a BLAS may round differently from the built-in kernels, and may not
///   give bit-identical results for different thread counts (the built-in kernels do).
public enum SystemBLAS {
    /// The library that was loaded, or nil when none was found (or `AUTODIFF_BLAS=off`).
    public static var libraryName: String? { loaded?.name }

    /// Whether matrix products use the system BLAS (when one was loaded); on unless `AUTODIFF_BLAS=off`.
    public static var isEnabled: Bool {
        get { blasEnabled.load(ordering: .relaxed) }
        set { blasEnabled.store(newValue, ordering: .relaxed) }
    }

    typealias SGemm = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
                                      UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    typealias DGemm = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32,
                                      UnsafePointer<Double>?, Int32, Double, UnsafeMutablePointer<Double>?, Int32) -> Void
    typealias SetThreads = @convention(c) (Int32) -> Void

    struct Library: @unchecked Sendable {
        let name: String
        let sgemm: SGemm
        let dgemm: DGemm
        let setThreads: SetThreads?
    }

    static let loaded: Library? = {
        if let setting = getenv("AUTODIFF_BLAS"), ["off", "0", "no"].contains(String(cString: setting)) { return nil }
        #if canImport(Darwin)
        let candidates = ["/System/Library/Frameworks/Accelerate.framework/Accelerate"]
        #else
        let candidates = ["libopenblas.so.0", "libopenblas.so", "libblas.so.3"]
        #endif
        for name in candidates {
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else { continue }
            guard let s = dlsym(handle, "cblas_sgemm"), let d = dlsym(handle, "cblas_dgemm") else {
                dlclose(handle)
                continue
            }
            let threads = dlsym(handle, "openblas_set_num_threads").map { unsafeBitCast($0, to: SetThreads.self) }
            return Library(name: name, sgemm: unsafeBitCast(s, to: SGemm.self), dgemm: unsafeBitCast(d, to: DGemm.self),
                           setThreads: threads)
        }
        return nil
    }()

    /// Whether matrix products go to the system BLAS now.
    @usableFromInline package static var isActive: Bool { active != nil }

    /// The library to use now.
    static var active: Library? { isEnabled ? loaded : nil }

    /// Runs `body` with the library, one call at a time (OpenBLAS's threaded builds can hang when several
    /// threads call it at once), its thread count set to ours.
    static func call(_ library: Library, _ body: (Library) -> Void) {
        callLock.withLock { threadsSet in
            if let setThreads = library.setThreads, threadsSet != Parallelism.threadCount {
                threadsSet = Parallelism.threadCount
                setThreads(Int32(threadsSet))
            }
            body(library)
        }
    }
}

private let blasEnabled = Atomic<Bool>(true)
/// Serializes calls into the library; holds the thread count last given to it.
private let callLock = Mutex<Int>(0)

/// C[m×n] += op(A) · op(B) on the system BLAS (row-major; A stored [k, m] when `transposeA`, B stored [n, k]
/// when `transposeB`); false (nothing done) when there is none or it is off, or the sizes overflow its `int`s.
@usableFromInline
package func blasGemmAccumulate<S: TensorScalar>(_ a: UnsafePointer<S>, transposeA: Bool, _ b: UnsafePointer<S>,
                                                 transposeB: Bool, _ c: UnsafeMutablePointer<S>, m: Int, k: Int, n: Int) -> Bool {
    blasGemm(a, transposeA: transposeA, b, transposeB: transposeB, c, m: m, k: k, n: n, beta: 1)
}

/// C[m×n] = op(A) · op(B) on the system BLAS (β = 0: C's old contents, which need not be initialized, are never
/// read); false (nothing done) as for ``blasGemmAccumulate(_:transposeA:_:transposeB:_:m:k:n:)``.
@usableFromInline
package func blasGemmOverwrite<S: TensorScalar>(_ a: UnsafePointer<S>, transposeA: Bool, _ b: UnsafePointer<S>,
                                                transposeB: Bool, _ c: UnsafeMutablePointer<S>, m: Int, k: Int, n: Int) -> Bool {
    blasGemm(a, transposeA: transposeA, b, transposeB: transposeB, c, m: m, k: k, n: n, beta: 0)
}

/// C = op(A) · op(B) + β·C on the system BLAS (β 0 or 1).
func blasGemm<S: TensorScalar>(_ a: UnsafePointer<S>, transposeA: Bool, _ b: UnsafePointer<S>, transposeB: Bool,
                               _ c: UnsafeMutablePointer<S>, m: Int, k: Int, n: Int, beta: Int) -> Bool {
    guard let library = SystemBLAS.active, m < Int(Int32.max), k < Int(Int32.max), n < Int(Int32.max) else { return false }
    let rowMajor: Int32 = 101, noTrans: Int32 = 111, trans: Int32 = 112
    let lda = Int32(transposeA ? m : k), ldb = Int32(transposeB ? k : n)
    SystemBLAS.call(library) { library in
    if S.self == Float.self {
        library.sgemm(rowMajor, transposeA ? trans : noTrans, transposeB ? trans : noTrans, Int32(m), Int32(n), Int32(k), 1,
                      UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), lda,
                      UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), ldb, Float(beta),
                      UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(n))
    } else {
        library.dgemm(rowMajor, transposeA ? trans : noTrans, transposeB ? trans : noTrans, Int32(m), Int32(n), Int32(k), 1,
                      UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), lda,
                      UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), ldb, Double(beta),
                      UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(n))
    }
    }
    return true
}
