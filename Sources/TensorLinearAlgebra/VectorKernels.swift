import TensorCore
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
///
/// With `threads` > 1 a large product is split into blocks of C (``gemmSplit(m:k:n:threads:packsA:)``) that
/// `threads` threads take in turn (``Parallelism/forEach(chunks:_:)``), so a thread the system runs late takes
/// fewer. Each element of C gets the same fused multiply-adds in the same order whatever the split, so the
/// result is bit-identical for every thread count.
@usableFromInline
package func vectorGemmAccumulate(_ a: UnsafePointer<Float>, transposeA: Bool, _ b: UnsafePointer<Float>, transposeB: Bool,
                          _ c: UnsafeMutablePointer<Float>, m: Int, k: Int, n: Int, threads: Int = 1) -> Bool {
    guard VectorKernels.enabled else { return false }
    let (ars, acs, brs, bcs) = gemmStrides(transposeA: transposeA, transposeB: transposeB, m: m, k: k, n: n)
    let split = gemmSplit(m: m, k: k, n: n, threads: threads, packsA: acs != 1)
    guard split.blocks > 1 else { return autodiff_sgemm_accumulate_strided(a, ars, acs, b, brs, bcs, c, m, k, n) != 0 }
    // Block t covers units [units·t/blocks, units·(t+1)/blocks), a unit being a panel of B's columns or a tile of rows.
    let unit = split.byColumns ? gemmPanelWidth : gemmRowTile, extent = split.byColumns ? n : m
    let units = (extent + unit - 1) / unit, blocks = split.blocks
    let pa = UncheckedSendable(a), pb = UncheckedSendable(b), pc = UncheckedSendable(c)
    let next = Atomic<Int>(0), failed = Atomic<Bool>(false)
    Parallelism.forEach(chunks: min(threads, blocks)) { _ in
        while true {
            let t = next.add(1, ordering: .relaxed).oldValue
            guard t < blocks else { return }
            let start = min(extent, units * t / blocks * unit), end = min(extent, units * (t + 1) / blocks * unit)
            guard start < end else { continue }
            let ok = split.byColumns
                ? autodiff_sgemm_accumulate_block(pa.value, ars, acs, pb.value + start * bcs, brs, bcs, pc.value + start, n,
                                                  m, k, end - start)
                : autodiff_sgemm_accumulate_block(pa.value + start * ars, ars, acs, pb.value, brs, bcs, pc.value + start * n, n,
                                                  end - start, k, n)
            if ok == 0 { failed.store(true, ordering: .relaxed) }
        }
    }
    precondition(!failed.load(ordering: .relaxed), "matmul: no memory for the packing buffers of a \(m)×\(k)·\(k)×\(n) product")
    return true
}

/// The row and column strides of op(A) [m×k] and op(B) [k×n] in their row-major storage (A stored [k, m] when
/// `transposeA`, B stored [n, k] when `transposeB`), as the C kernels take them.
@inline(__always)
func gemmStrides(transposeA: Bool, transposeB: Bool, m: Int, k: Int, n: Int) -> (ars: Int, acs: Int, brs: Int, bcs: Int) {
    let (ars, acs) = transposeA ? (1, m) : (k, 1)
    let (brs, bcs) = transposeB ? (1, k) : (n, 1)
    return (ars, acs, brs, bcs)
}

/// The columns of C a packed panel of B covers in the vector kernel (32 with AVX-512, a multiple of AVX2's 16):
/// column blocks start at multiples of it, so no panel is split between threads.
let gemmPanelWidth = 32
/// The rows of C a micro-kernel covers with AVX-512 (a multiple of AVX2's 6): row blocks start at multiples of it.
let gemmRowTile = 12

/// The fewest multiply-adds (m·k·n) a product needs before ``gemmSplit(m:k:n:threads:packsA:)`` splits it.
let gemmSplitMinimum = 1 << 20

/// How C[m×n] += op(A)·op(B) is split for `threads` threads: into `blocks` blocks of C's columns (whole panels
/// of B, each packed by the thread that takes the block) or of its rows (tiles of 12).
///
/// Small products (below 2²⁰ multiply-adds, where waking a thread costs more than it saves) stay whole. Every
/// block packs the part of B it reads, and all of A when A is strided (`packsA`, a transposed A copied by 8 × 8
/// transposes): column blocks repeat A's packing, row blocks B's, so the split repeats the cheaper one, and
/// uses two blocks per thread (so that a thread the system starts late takes fewer) only when that repeats
/// nothing (columns of a contiguous A).
func gemmSplit(m: Int, k: Int, n: Int, threads: Int, packsA: Bool) -> (byColumns: Bool, blocks: Int) {
    guard threads > 1, m * n * k >= gemmSplitMinimum else { return (true, 1) }
    let panels = (n + gemmPanelWidth - 1) / gemmPanelWidth, tiles = (m + gemmRowTile - 1) / gemmRowTile
    // What one more block costs in packing (a transposing copy counted twice a plain copy).
    let columnCost = packsA ? 2 * m * k : 0, rowCost = k * n
    let byColumns = panels >= threads && (tiles < threads || columnCost <= rowCost || panels >= 2 * threads && tiles < 2 * threads)
    guard byColumns || tiles >= threads else { return (true, 1) }
    let units = byColumns ? panels : tiles
    return (byColumns, byColumns && !packsA && units >= 4 * threads ? 2 * threads : threads)
}

/// C[m×n] = op(A) · op(B) written into `c` (which need not be initialized) by the small-product kernel
/// (`Sources/CKernels/gemm_small.c`), when it takes the operands (a small B, with AVX-512) and `threads` threads
/// would not split the product (``gemmSplit(m:k:n:threads:packsA:)``): the same bits as zeroing C and calling
/// ``vectorGemmAccumulate(_:transposeA:_:transposeB:_:m:k:n:threads:)``, without the zeroing pass. False, doing
/// nothing, otherwise.
@usableFromInline
package func vectorGemmOverwrite(_ a: UnsafePointer<Float>, transposeA: Bool, _ b: UnsafePointer<Float>, transposeB: Bool,
                                 _ c: UnsafeMutablePointer<Float>, m: Int, k: Int, n: Int, threads: Int = 1) -> Bool {
    guard VectorKernels.enabled else { return false }
    let (ars, acs, brs, bcs) = gemmStrides(transposeA: transposeA, transposeB: transposeB, m: m, k: k, n: n)
    guard gemmSplit(m: m, k: k, n: n, threads: threads, packsA: acs != 1).blocks == 1 else { return false }
    return autodiff_sgemm_small_overwrite(a, ars, acs, b, brs, bcs, c, m, k, n) != 0
}

/// Whether a Float product C[m×n] = op(A) · op(B) stays on the built-in kernel even when a system BLAS is
/// loaded: when the small-product kernel takes it (`gemm_small.c`: a B of at most 16,384 elements, at most 512
/// rows of C, AVX-512) and it has fewer than 2²⁰ multiply-adds, so that no thread count splits it.
///
/// At these sizes a call into the library costs more than the arithmetic: on OpenBLAS 0.3.21 (2-core AVX-512
/// machine, 1 thread) the wide MLP's 128×512 · 512×10 took 27.5 µs against 18.5 µs here, and the digits MLP's
/// eight products (batch 32) 29.4 µs against 26.2 µs. The rule depends only on the shapes and the processor, so a
/// shape always takes the same path, and these products give the built-in kernel's bits whatever the library or
/// the thread count.
@usableFromInline
package func gemmStaysBuiltIn(transposeA: Bool, transposeB: Bool, m: Int, k: Int, n: Int) -> Bool {
    guard VectorKernels.enabled else { return false }
    let (_, _, brs, bcs) = gemmStrides(transposeA: transposeA, transposeB: transposeB, m: m, k: k, n: n)
    // Taken means k·n ≤ 16,384 and m ≤ 512, so m·k·n cannot overflow.
    return autodiff_sgemm_small_takes(brs, bcs, m, k, n) != 0 && m * k * n < gemmSplitMinimum
}

/// `d[i] = x[i] == y ? g : g · 0` for `n` elements and the number of hits, by the AVX2 kernel; −1 (nothing written)
/// without AVX2. See ``Tensor/sendToMaximum(_:_:_:maximum:gradient:)``.
@usableFromInline
package func vectorMaxPullback(_ x: UnsafePointer<Double>, _ d: UnsafeMutablePointer<Double>, _ n: Int,
                               _ y: Double, _ g: Double) -> Int {
    autodiff_max_pullback_f64(x, d, n, y, g)
}

/// The same for Float.
@usableFromInline
package func vectorMaxPullback(_ x: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ n: Int,
                               _ y: Float, _ g: Float) -> Int {
    autodiff_max_pullback_f32(x, d, n, y, g)
}
