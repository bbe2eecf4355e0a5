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
}

private let enabledSetting = Atomic<Bool>({
    if let setting = getenv("AUTODIFF_KERNELS"), String(cString: setting) == "swift" { return false }
    return true
}())

/// C[m×n] += op(A) · op(B) with the vector kernel, where op transposes when asked (A is stored [k, m] when
/// `transposeA`, B is stored [n, k] when `transposeB`); false (nothing done) when it is not active.
///
/// With `threads` > 1 a large product is split over that many threads (``Parallelism/forEach(chunks:_:)``): by
/// blocks of C's columns (whole packed panels of B, so no thread packs another's part of B) when C is wide
/// enough, else by blocks of rows. Each element of C gets the same fused multiply-adds in the same order
/// whatever the split, so the result is bit-identical for every thread count.
@usableFromInline
package func vectorGemmAccumulate(_ a: UnsafePointer<Float>, transposeA: Bool, _ b: UnsafePointer<Float>, transposeB: Bool,
                          _ c: UnsafeMutablePointer<Float>, m: Int, k: Int, n: Int, threads: Int = 1) -> Bool {
    guard VectorKernels.enabled else { return false }
    let (ars, acs) = transposeA ? (1, m) : (k, 1)
    let (brs, bcs) = transposeB ? (1, k) : (n, 1)
    switch gemmSplit(m: m, k: k, n: n, threads: threads, packsA: acs != 1) {
    case .none:
        return autodiff_sgemm_accumulate_strided(a, ars, acs, b, brs, bcs, c, m, k, n) != 0
    case .columns(let blocks):
        // Block t: panels [panels·t/blocks, panels·(t+1)/blocks) of `gemmPanelWidth` columns.
        let panels = (n + gemmPanelWidth - 1) / gemmPanelWidth
        let pa = UncheckedSendable(a), pb = UncheckedSendable(b), pc = UncheckedSendable(c)
        let failed = Atomic<Bool>(false)
        Parallelism.forEach(chunks: blocks) { t in
            let j0 = min(n, panels * t / blocks * gemmPanelWidth), j1 = min(n, panels * (t + 1) / blocks * gemmPanelWidth)
            guard j0 < j1 else { return }
            let ok = autodiff_sgemm_accumulate_block(pa.value, ars, acs, pb.value + j0 * bcs, brs, bcs, pc.value + j0, n,
                                                     m, k, j1 - j0)
            if ok == 0 { failed.store(true, ordering: .relaxed) }
        }
        precondition(!failed.load(ordering: .relaxed), "matmul: no memory for the packing buffers of a \(m)×\(k)·\(k)×\(n) product")
        return true
    case .rows(let blocks):
        // Block t: row tiles [tiles·t/blocks, tiles·(t+1)/blocks) of `gemmRowTile` rows.
        let tiles = (m + gemmRowTile - 1) / gemmRowTile
        let pa = UncheckedSendable(a), pb = UncheckedSendable(b), pc = UncheckedSendable(c)
        let failed = Atomic<Bool>(false)
        Parallelism.forEach(chunks: blocks) { t in
            let i0 = min(m, tiles * t / blocks * gemmRowTile), i1 = min(m, tiles * (t + 1) / blocks * gemmRowTile)
            guard i0 < i1 else { return }
            let ok = autodiff_sgemm_accumulate_block(pa.value + i0 * ars, ars, acs, pb.value, brs, bcs, pc.value + i0 * n, n,
                                                     i1 - i0, k, n)
            if ok == 0 { failed.store(true, ordering: .relaxed) }
        }
        precondition(!failed.load(ordering: .relaxed), "matmul: no memory for the packing buffers of a \(m)×\(k)·\(k)×\(n) product")
        return true
    }
}

/// The columns of C a packed panel of B covers in the vector kernel (32 with AVX-512, a multiple of AVX2's 16):
/// column blocks start at multiples of it, so no panel is split between threads.
@usableFromInline let gemmPanelWidth = 32
/// The rows of C a micro-kernel covers with AVX-512 (a multiple of AVX2's 6): row blocks start at multiples of it.
@usableFromInline let gemmRowTile = 12

/// How a product is split between threads.
@usableFromInline
enum GemmSplit: Equatable {
    case none
    case columns(Int)
    case rows(Int)
}

/// The split of C[m×n] += op(A)·op(B) over `threads` threads: none for small products (below about 2²⁰
/// multiply-adds, where waking a thread costs more than it saves), else by columns when there are at least
/// two panels of B per thread — each thread then packs its own panels, and all of A again only when A is
/// strided (`packsA`) — or by rows when there are not, or when A is strided and C is taller than wide.
@usableFromInline
func gemmSplit(m: Int, k: Int, n: Int, threads: Int, packsA: Bool) -> GemmSplit {
    guard threads > 1, m * n * k >= 1 << 20 else { return .none }
    let panels = (n + gemmPanelWidth - 1) / gemmPanelWidth, tiles = (m + gemmRowTile - 1) / gemmRowTile
    let byColumns = panels >= 2 * threads, byRows = tiles >= 2 * threads
    if byColumns && (!packsA || n >= m || !byRows) { return .columns(threads) }
    if byRows { return .rows(threads) }
    if panels >= threads { return .columns(min(threads, panels)) }
    if tiles >= threads { return .rows(min(threads, tiles)) }
    return .none
}
