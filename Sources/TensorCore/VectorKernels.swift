internal import CKernels
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// The C vector kernels (`Sources/CKernels`): AVX-512 or AVX2 + FMA code selected at run time by what the
/// processor has (both give the same bits).
///
/// They round differently from the portable Swift loops (fused multiply-adds), so results differ in the last
/// bits between machines with and without AVX2, never between thread counts on one machine.
/// `AUTODIFF_KERNELS=swift` in the environment, or `isEnabled = false`, keeps to the portable loops.
public enum VectorKernels {
    /// Whether this processor has the vector kernels.
    public static var isAvailable: Bool { autodiff_sgemm_available() != 0 }

    /// Whether Float32 matrix multiplication uses them (when available); on unless `AUTODIFF_KERNELS=swift`.
    public static var isEnabled: Bool {
        get { enabledSetting.load(ordering: .relaxed) }
        set { enabledSetting.store(newValue, ordering: .relaxed) }
    }

    @usableFromInline package static var enabled: Bool { enabledSetting.load(ordering: .relaxed) && isAvailable }

    /// Whether the AVX-512 kernels run (the processor has AVX-512F and `AUTODIFF_NO_AVX512` is unset); the small
    /// products that skip packing (`gemm_small.c`) need them.
    package static var usesAVX512: Bool { autodiff_avx512_enabled() != 0 }
}

private let enabledSetting = Atomic<Bool>({
    if let setting = getenv("AUTODIFF_KERNELS"), String(cString: setting) == "swift" { return false }
    return true
}())

/// C[m×n] += op(A) · op(B) with the vector kernel, where op transposes when asked (A is stored [k, m] when
/// `transposeA`, B is stored [n, k] when `transposeB`); false (nothing done) when it is not active.
@usableFromInline
package func vectorGemmAccumulate(_ a: UnsafePointer<Float>, transposeA: Bool, _ b: UnsafePointer<Float>, transposeB: Bool,
                          _ c: UnsafeMutablePointer<Float>, m: Int, k: Int, n: Int) -> Bool {
    guard VectorKernels.enabled else { return false }
    let (ars, acs) = transposeA ? (1, m) : (k, 1)
    let (brs, bcs) = transposeB ? (1, k) : (n, 1)
    return autodiff_sgemm_accumulate_strided(a, ars, acs, b, brs, bcs, c, m, k, n) != 0
}

/// C[m×n] = op(A) · op(B) written into `c` (which need not be initialized) by the small-product kernel
/// (`Sources/CKernels/gemm_small.c`), when it takes the operands (a small B, with AVX-512): the same bits as
/// zeroing C and calling ``vectorGemmAccumulate(_:transposeA:_:transposeB:_:m:k:n:)``, without the zeroing
/// pass. False, doing nothing, otherwise.
@usableFromInline
package func vectorGemmOverwrite(_ a: UnsafePointer<Float>, transposeA: Bool, _ b: UnsafePointer<Float>, transposeB: Bool,
                                 _ c: UnsafeMutablePointer<Float>, m: Int, k: Int, n: Int) -> Bool {
    guard VectorKernels.enabled else { return false }
    let (ars, acs) = transposeA ? (1, m) : (k, 1)
    let (brs, bcs) = transposeB ? (1, k) : (n, 1)
    return autodiff_sgemm_small_overwrite(a, ars, acs, b, brs, bcs, c, m, k, n) != 0
}
