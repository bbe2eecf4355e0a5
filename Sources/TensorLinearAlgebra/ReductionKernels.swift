// The loops under the reductions: folds of blocks and of whole buffers, the full maximum, and the maximum's
// gradient. Tensor+Reductions.swift has the operations built on them.

import TensorCore

extension Tensor where Scalar: TensorScalar {
    /// `dst[o, i] = fold over r of src[o, r, i]`, r in increasing order. Large inputs are split over threads
    /// by output elements (rows of `outer`, or column ranges of `inner` when there are few rows), so every
    /// output element is folded by one thread in the same order: the bits do not depend on the split.
    @inlinable @inline(__always)
    package static func reduceBlock(_ src: UnsafeBufferPointer<Scalar>, into dst: UnsafeMutableBufferPointer<Scalar>,
                            outer: Int, reduced: Int, inner: Int, initial: Scalar,
                            _ combine: (Scalar, Scalar) -> Scalar) {
        guard let input = src.baseAddress, let output = dst.baseAddress else { return }
        func run(_ rows: Range<Int>, _ columns: Range<Int>) {
            for o in rows {
                let out = output + o * inner
                var p = input + o * reduced * inner
                if inner == 1 {
                    var accumulator = initial
                    for r in 0..<reduced { accumulator = combine(accumulator, p[r]) }
                    out[0] = accumulator
                    continue
                }
                for i in columns { out[i] = initial }
                for _ in 0..<reduced {
                    for i in columns { out[i] = combine(out[i], p[i]) }
                    p += inner
                }
            }
        }
        let chunk = Parallelism.elementwiseChunk
        let total = outer * reduced * inner
        if !Parallelism.splits(count: total) {
            run(0..<outer, 0..<inner)
        } else if outer >= 2 * Parallelism.threadCount || inner < 32 {
            let rows = Swift.max(1, chunk / Swift.max(1, reduced * inner))
            Parallelism.forEach(chunks: (outer + rows - 1) / rows) { c in
                run(c * rows ..< Swift.min(outer, (c + 1) * rows), 0..<inner)
            }
        } else {
            let width = Swift.max(16, chunk / Swift.max(1, reduced))
            let columnChunks = (inner + width - 1) / width
            Parallelism.forEach(chunks: outer * columnChunks) { c in
                let o = c / columnChunks, k = c % columnChunks
                run(o ..< o + 1, k * width ..< Swift.min(inner, (k + 1) * width))
            }
        }
    }

    /// Folds all elements: in order for small buffers; for large ones, each fixed chunk of
    /// ``Parallelism/elementwiseChunk`` elements by ``foldChunk(_:_:initial:_:)`` (on up to
    /// ``Parallelism/threadCount`` threads), then the chunks' results in order — the same association whatever the
    /// number of threads, so the same bits.
    @inlinable @inline(__always)
    package static func fold(_ src: UnsafeBufferPointer<Scalar>, initial: Scalar, _ combine: (Scalar, Scalar) -> Scalar) -> Scalar {
        let chunk = Parallelism.elementwiseChunk
        if src.count < 2 * chunk { return src.reduce(initial, combine) }
        guard let base = src.baseAddress else { return initial }
        let chunks = (src.count + chunk - 1) / chunk
        if Parallelism.threadCount == 1 || src.count < Parallelism.parallelMinimum {
            // The same chunks and association on this thread, in a loop where `combine` is inline code (a
            // closure handed to the threads calls it per element).
            var total = initial
            for c in 0..<chunks {
                let start = c * chunk
                total = combine(total, foldChunk(base + start, Swift.min(chunk, src.count - start), initial: initial, combine))
            }
            return total
        }
        var partials = [Scalar](repeating: initial, count: chunks)
        partials.withUnsafeMutableBufferPointer { results in
            Parallelism.forEach(chunks: chunks) { c in
                let start = c * chunk
                results[c] = foldChunk(base + start, Swift.min(chunk, src.count - start), initial: initial, combine)
            }
        }
        return partials.reduce(initial, combine)
    }

    /// Folds `count` elements from `p` as eight interleaved chains (element `i` into chain `i % 8`), combined as
    /// a balanced tree, then the last `count % 8` elements in order. One in-order chain waits for each
    /// addition's result before the next (0.13 ms for 160,000 Doubles); eight independent ones keep the
    /// arithmetic units busy (0.021 ms). A fixed association, so the bits depend only on the chunk.
    @inlinable @inline(__always)
    package static func foldChunk(_ p: UnsafePointer<Scalar>, _ count: Int, initial: Scalar,
                                  _ combine: (Scalar, Scalar) -> Scalar) -> Scalar {
        var a0 = initial, a1 = initial, a2 = initial, a3 = initial
        var a4 = initial, a5 = initial, a6 = initial, a7 = initial
        var i = 0
        while i &+ 8 <= count {
            a0 = combine(a0, p[i]); a1 = combine(a1, p[i &+ 1]); a2 = combine(a2, p[i &+ 2]); a3 = combine(a3, p[i &+ 3])
            a4 = combine(a4, p[i &+ 4]); a5 = combine(a5, p[i &+ 5]); a6 = combine(a6, p[i &+ 6]); a7 = combine(a7, p[i &+ 7])
            i &+= 8
        }
        var accumulator = combine(combine(combine(a0, a1), combine(a2, a3)), combine(combine(a4, a5), combine(a6, a7)))
        while i < count { accumulator = combine(accumulator, p[i]); i &+= 1 }
        return accumulator
    }

    /// The largest element of `src`, `-infinity` when empty; NaN if any element is NaN. The same value as
    /// folding in order with `max(alongAxes:)`'s step `{ $1 > $0 || $1.isNaN ? $1 : $0 }` (the first NaN; the first
    /// of equal zeros), which
    /// it falls back to when the buffer holds a NaN or its maximum is zero (rare cases, where "the first" can
    /// differ from "a largest"); otherwise eight running maxima by plain comparisons, which compile to vector
    /// maximum instructions, beside eight running sums that only detect a NaN (NaN is sticky in a sum; an
    /// infinite sum that turns NaN sends the buffer to the in-order fold, which is exact too).
    /// 0.022 ms for 160,000 Doubles, against 0.11 ms in order.
    @inlinable @inline(__always)
    package static func largestElement(_ src: UnsafeBufferPointer<Scalar>) -> Scalar {
        let inOrder: (Scalar, Scalar) -> Scalar = { $1 > $0 || $1.isNaN ? $1 : $0 }
        guard src.count >= 64, let p = src.baseAddress else { return src.reduce(-.infinity, inOrder) }
        let count = src.count
        var result: (largest: Scalar, sum: Scalar)
        let chunk = Parallelism.elementwiseChunk
        if Parallelism.splits(count: count) {
            let chunks = (count + chunk - 1) / chunk
            var partials = [(largest: Scalar, sum: Scalar)](repeating: (-.infinity, 0), count: chunks)
            partials.withUnsafeMutableBufferPointer { results in
                Parallelism.forEach(chunks: chunks) { c in
                    results[c] = largestAndSum(p + c * chunk, Swift.min(chunk, count - c * chunk))
                }
            }
            result = partials.reduce((-.infinity, 0)) { ($1.largest > $0.largest ? $1.largest : $0.largest, $0.sum + $1.sum) }
        } else {
            result = largestAndSum(p, count)
        }
        if result.sum.isNaN || result.largest == 0 { return src.reduce(-.infinity, inOrder) }
        return result.largest
    }

    /// The largest of `count` elements from `p` as eight running maxima (NaN ignored) and their sum (NaN if one
    /// is NaN), for ``largestElement(_:)``.
    @inlinable @inline(__always)
    package static func largestAndSum(_ p: UnsafePointer<Scalar>, _ count: Int) -> (largest: Scalar, sum: Scalar) {
        var m0 = -Scalar.infinity, m1 = m0, m2 = m0, m3 = m0, m4 = m0, m5 = m0, m6 = m0, m7 = m0
        var s0 = Scalar.zero, s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0
        var i = 0
        while i &+ 8 <= count {
            let x0 = p[i], x1 = p[i &+ 1], x2 = p[i &+ 2], x3 = p[i &+ 3]
            let x4 = p[i &+ 4], x5 = p[i &+ 5], x6 = p[i &+ 6], x7 = p[i &+ 7]
            m0 = x0 > m0 ? x0 : m0; m1 = x1 > m1 ? x1 : m1; m2 = x2 > m2 ? x2 : m2; m3 = x3 > m3 ? x3 : m3
            m4 = x4 > m4 ? x4 : m4; m5 = x5 > m5 ? x5 : m5; m6 = x6 > m6 ? x6 : m6; m7 = x7 > m7 ? x7 : m7
            s0 += x0; s1 += x1; s2 += x2; s3 += x3; s4 += x4; s5 += x5; s6 += x6; s7 += x7
            i &+= 8
        }
        var m = m0
        for x in [m1, m2, m3, m4, m5, m6, m7] where x > m { m = x }
        // A plain chain (a pairwise tree here led the compiler to pair the lanes differently in the loop,
        // with shuffles: 2× slower); only whether it is NaN matters.
        var s = s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7
        while i < count { let x = p[i]; if x > m { m = x }; s += x; i &+= 1 }
        return (m, s)
    }

    /// The gradient of ``max(alongAxes:keepingDimensions:)`` in one pass: `g` (shaped like the maximum `y` with
    /// its dimensions kept) sent to the elements equal to their maximum, shared equally on ties:
    ///
    /// ```
    /// ∂x[i] = g[j] · (hit / ties[j]),   hit = (x[i] == y[j]) ? 1 : 0,   ties[j] = Σ hit over j's elements
    /// ```
    ///
    /// with j the position i reduces to. The same arithmetic as broadcasting `g` and multiplying by
    /// `hits / hits.sum(alongAxes:)`, so the same bits; without ties (every `ties[j]` is 1, so the share is
    /// `1` or `0`) one walk writes the result, otherwise a second one divides by the counts.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    package func maxPullback(_ g: Tensor, maximum y: Tensor, axes: [Int]) -> Tensor {
        let keptShape = reducedShape(axes, keep: true)
        let inStrides = ShapeMath.strides(shape)
        let outStrides = ShapeMath.broadcastStrides(keptShape, to: shape)
        let gFull = g.scalarCount == 1 ? g : g.reshaped(to: keptShape)
        let yFull = y.scalarCount == 1 ? y : y.reshaped(to: keptShape)
        var ties = [Int](repeating: 0, count: ShapeMath.count(keptShape))   // counted exactly, in integers
        if ties.count == 1 {
            // Every axis reduced: the count and the gradient stay in registers.
            let gv = gFull.withUnsafeBufferPointer { $0[0] }, yv = yFull.withUnsafeBufferPointer { $0[0] }
            var count = 0
            let result = withUnsafeBufferPointer { px in
                Tensor(shape: shape, unsafeUninitialized: { dst in
                    guard let x = px.baseAddress, let d = dst.baseAddress else { return }
                    count = Tensor.sendToMaximum(x, d, px.count, maximum: yv, gradient: gv)
                })
            }
            if count == 1 { return result }
            let one = 1 / Scalar(count), zero = 0 / Scalar(count)
            return withUnsafeBufferPointer { px in
                Tensor(shape: shape, unsafeUninitialized: { dst in
                    for i in 0..<px.count { dst[i] = gv * (px[i] == yv ? one : zero) }
                })
            }
        }
        let result = withUnsafeBufferPointer { px in
            gFull.withUnsafeBufferPointer { pg in
                yFull.withUnsafeBufferPointer { py in
                    ties.withUnsafeMutableBufferPointer { pt in
                        Tensor(shape: shape, unsafeUninitialized: { dst in
                            stridedWalk(shape: shape, inStrides, outStrides) { i, oi, oo in
                                let hit = px[oi] == py[oo]
                                pt[oo] &+= hit ? 1 : 0
                                dst[i] = pg[oo] * (hit ? 1 : 0)
                            }
                        })
                    }
                }
            }
        }
        if ties.allSatisfy({ $0 == 1 }) { return result }
        let one = ties.map { 1 / Scalar($0) }, zero = ties.map { 0 / Scalar($0) }
        return withUnsafeBufferPointer { px in
            gFull.withUnsafeBufferPointer { pg in
                yFull.withUnsafeBufferPointer { py in
                    Tensor(shape: shape, unsafeUninitialized: { dst in
                        stridedWalk(shape: shape, inStrides, outStrides) { i, oi, oo in
                            dst[i] = pg[oo] * (px[oi] == py[oo] ? one[oo] : zero[oo])
                        }
                    })
                }
            }
        }
    }

    /// `d[i] = x[i] == maximum ? gradient : gradient · 0` for `count` elements (the bits of `gradient · hit`,
    /// `hit` 1 or 0), returning how many equal `maximum`: the full reduction's pullback. With AVX2, the C kernel
    /// (`vectorMaxPullback`, the same values, wider stores); otherwise a
    /// loop in a function of its own, so that the count stays in a register whatever the caller inlines (in a
    /// closure that captured it, one client's build added to it in memory per element, unvectorized: 2.5× slower).
    @inlinable @inline(__always)
    package static func sendToMaximum(_ x: UnsafePointer<Scalar>, _ d: UnsafeMutablePointer<Scalar>, _ count: Int,
                                      maximum: Scalar, gradient: Scalar) -> Int {
        if Scalar.self == Double.self {
            let hits = vectorMaxPullback(UnsafeRawPointer(x).assumingMemoryBound(to: Double.self),
                                         UnsafeMutableRawPointer(d).assumingMemoryBound(to: Double.self), count,
                                         unsafeBitCast(maximum, to: Double.self), unsafeBitCast(gradient, to: Double.self))
            if hits >= 0 { return hits }
        } else if Scalar.self == Float.self {
            let hits = vectorMaxPullback(UnsafeRawPointer(x).assumingMemoryBound(to: Float.self),
                                         UnsafeMutableRawPointer(d).assumingMemoryBound(to: Float.self), count,
                                         unsafeBitCast(maximum, to: Float.self), unsafeBitCast(gradient, to: Float.self))
            if hits >= 0 { return hits }
        }
        let zero = gradient * 0
        var hits = 0
        for i in 0..<count {
            let hit = x[i] == maximum
            hits &+= hit ? 1 : 0
            d[i] = hit ? gradient : zero
        }
        return hits
    }
}
