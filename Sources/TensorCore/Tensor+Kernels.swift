// The loops every tensor operation is made of: elementwise maps, broadcasting zips, and strided walks.
// They run on contiguous buffers with concrete scalar types once specialized; keep them @inlinable.

/// Walks the elements of `shape` in row-major order, calling `body(flat, offsetA, offsetB)` with the
/// offsets of two strided operands (a stride of 0 repeats an element: broadcasting). Always inlined, so that
/// `body` is inline code in the loop, in other modules too.
@inlinable @inline(__always)
package func stridedWalk(shape: [Int], _ stridesA: [Int], _ stridesB: [Int], _ body: (Int, Int, Int) -> Void) {
    let rank = shape.count
    if rank == 0 { body(0, 0, 0); return }
    let n = shape[rank - 1]
    let innerA = stridesA[rank - 1], innerB = stridesB[rank - 1]
    let total = ShapeMath.count(shape)
    if total == 0 { return }
    var index = [Int](repeating: 0, count: rank)
    var baseA = 0, baseB = 0, flat = 0
    while flat < total {
        var oa = baseA, ob = baseB
        for _ in 0..<n {
            body(flat, oa, ob)
            flat &+= 1
            oa &+= innerA
            ob &+= innerB
        }
        // Advance the odometer over the outer axes.
        var axis = rank - 2
        while axis >= 0 {
            index[axis] += 1
            baseA &+= stridesA[axis]
            baseB &+= stridesB[axis]
            if index[axis] < shape[axis] { break }
            baseA &-= stridesA[axis] * shape[axis]
            baseB &-= stridesB[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
        }
    }
}

extension Tensor {
    /// Applies `transform` to every element, in order, on this thread.
    @inlinable
    public func map<R: TensorElement>(_ transform: (Scalar) -> R) -> Tensor<R> {
        _map(parallel: false, transform)
    }

    /// `map` for the library's own pure functions. Always inlined, so that `transform` is inlined into the loop
    /// (a closure called per element costs 10–100× the arithmetic).
    ///
    /// - Parameter parallel: split large tensors over ``Parallelism/threadCount`` threads (each element computed
    ///   on its own, so the result does not depend on the split). Only for a `transform` that captures nothing
    ///   (`S.exp`, `{ $0 * $0 }`): its loop is compiled once and runs inline on every thread (see
    ///   ``Parallelism/forEachRange(count:_:_:_:_:)``); one that captures a value runs a loop on this thread.
    @inlinable @inline(__always)
    package func _map<R: TensorElement>(parallel: Bool, _ transform: (Scalar) -> R) -> Tensor<R> {
        switch storage {
        case .scalar(let value):
            return Tensor<R>(transform(value))
        case .array(let shape, let scalars):
            let n = scalars.count
            let result = [R](unsafeUninitializedCapacity: n) { dst, initialized in
                scalars.withUnsafeBufferPointer { src in
                    guard let d = dst.baseAddress, let x = src.baseAddress else { return }
                    if parallel {
                        Parallelism.forEachRange(count: n, UnsafeMutableRawPointer(d), UnsafeRawPointer(x),
                                                 UnsafeRawPointer(x)) { range, d, x, _ in
                            let d = d.assumingMemoryBound(to: R.self), x = x.assumingMemoryBound(to: Scalar.self)
                            for i in range { d[i] = transform(x[i]) }
                        }
                    } else {
                        for i in 0..<n { d[i] = transform(x[i]) }
                    }
                }
                initialized = n
            }
            return Tensor<R>(uncheckedShape: shape, buffer: result)
        }
    }

    /// Combines two tensors element by element, broadcasting their shapes like NumPy.
    @inlinable
    public static func zip<Other: TensorElement, R: TensorElement>(
        _ a: Tensor, _ b: Tensor<Other>, op: StaticString = "zip", at site: CallSite = .operator,
        _ combine: (Scalar, Other) -> R
    ) -> Tensor<R> {
        _zip(a, b, op: op, at: site, parallel: false, rowLoops: false, combine)
    }

    /// `zip` for the library's own pure functions: with `parallel`, operands of the same shape are split over
    /// threads when large, as in ``_map(parallel:_:)`` (and, as there, only for a `combine` that captures
    /// nothing); always inlined, like it.
    ///
    /// - Parameter rowLoops: whether broadcasts that reduce to rows × columns (a bias row added to every row)
    ///   get loops of their own instead of the general strided walk. The arithmetic operators want them; the
    ///   comparisons and the public ``zip(_:_:op:at:_:)`` leave them out, and so compile to less code.
    @inlinable @inline(__always)
    package static func _zip<Other: TensorElement, R: TensorElement>(
        _ a: Tensor, _ b: Tensor<Other>, op: StaticString, at site: CallSite, parallel: Bool, rowLoops: Bool = true,
        _ combine: (Scalar, Other) -> R
    ) -> Tensor<R> {
        if case .scalar(let x) = a.storage, case .scalar(let y) = b.storage { return Tensor<R>(combine(x, y)) }
        if case .array(let shape, let sa) = a.storage, case .array(let shapeB, let sb) = b.storage, shape == shapeB {
            let n = sa.count
            let result = [R](unsafeUninitializedCapacity: n) { dst, initialized in
                sa.withUnsafeBufferPointer { pa in
                    sb.withUnsafeBufferPointer { pb in
                        guard let d = dst.baseAddress, let x = pa.baseAddress, let y = pb.baseAddress else { return }
                        if parallel {
                            Parallelism.forEachRange(count: n, UnsafeMutableRawPointer(d), UnsafeRawPointer(x),
                                                     UnsafeRawPointer(y)) { range, d, x, y in
                                let d = d.assumingMemoryBound(to: R.self), x = x.assumingMemoryBound(to: Scalar.self)
                                let y = y.assumingMemoryBound(to: Other.self)
                                for i in range { d[i] = combine(x[i], y[i]) }
                            }
                        } else {
                            for i in 0..<n { d[i] = combine(x[i], y[i]) }
                        }
                    }
                }
                initialized = n
            }
            return Tensor<R>(uncheckedShape: shape, buffer: result)
        }
        // A scalar, or one element broadcast against a tensor of at least its rank (a [1] or [1, 1] seed, a
        // kept-dimension total): the scalar loop, not a strided walk. (One loop for both: each is compiled
        // into every operation.)
        if let s = b._broadcastElement(against: a.rank) { return a._map(parallel: false) { combine($0, s) } }
        if let s = a._broadcastElement(against: b.rank) { return b._map(parallel: false) { combine(s, $0) } }
        let shape: [Int]
        var sa: [Int] = [], sb: [Int] = []
        let matrix: (rows: Int, columns: Int, strides: (rowA: Int, rowB: Int, columnA: Int, columnB: Int))?
        if rowLoops, case .array(let shapeA, _) = a.storage, case .array(let shapeB, _) = b.storage,
           shapeA.count == 2, shapeB.count == 1, shapeA[1] == shapeB[0], shapeA[0] > 0, shapeA[1] > 1 {
            // A row combined with every row of a matrix ([m, n] and [n], a layer's bias), without working out
            // the strides.
            shape = shapeA
            matrix = (shapeA[0], shapeA[1], (shapeA[1], 0, 1, 1))
        } else {
            shape = stopOnShapeError(at: site) { () throws(ShapeError) in
                try ShapeCheck.broadcast(a.shape, b.shape, operation: "\(op)")
            }
            sa = ShapeMath.broadcastStrides(a.shape, to: shape)
            sb = ShapeMath.broadcastStrides(b.shape, to: shape)
            matrix = rowLoops ? ShapeMath.collapsedToMatrix(shape, sa, sb) : nil
        }
        if let (rows, columns, strides) = matrix,
           case .array(_, let ea) = a.storage, case .array(_, let eb) = b.storage {
            // The common broadcasts (a bias row added to every row, a column subtracted from every column):
            // rows × columns, each operand's column stride 0 or 1.
            let n = rows * columns
            let result = [R](unsafeUninitializedCapacity: n) { dst, initialized in
                ea.withUnsafeBufferPointer { pa in
                    eb.withUnsafeBufferPointer { pb in
                        guard let d0 = dst.baseAddress, let a0 = pa.baseAddress, let b0 = pb.baseAddress else { return }
                        for r in 0..<rows {
                            // Each row through its own base pointers: indices without overflow checks, so the
                            // row loops vectorize.
                            let d = d0 + r * columns, x = a0 + r * strides.rowA, y = b0 + r * strides.rowB
                            switch (strides.columnA, strides.columnB) {
                            case (1, 1): for j in 0..<columns { d[j] = combine(x[j], y[j]) }
                            case (1, _): let t = y[0]; for j in 0..<columns { d[j] = combine(x[j], t) }
                            case (_, 1): let s = x[0]; for j in 0..<columns { d[j] = combine(s, y[j]) }
                            default: let v = combine(x[0], y[0]); for j in 0..<columns { d[j] = v }
                            }
                        }
                    }
                }
                initialized = n
            }
            return Tensor<R>(uncheckedShape: shape, buffer: result)
        }
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                Tensor<R>(shape: shape, unsafeUninitialized: { dst in
                    stridedWalk(shape: shape, sa, sb) { i, oa, ob in dst[i] = combine(pa[oa], pb[ob]) }
                })
            }
        }
    }

    /// The one element of a scalar, or of a one-element tensor whose rank is at most `rank`: what broadcasts
    /// against a tensor of that rank as a single value.
    @inlinable
    package func _broadcastElement(against rank: Int) -> Scalar? {
        switch storage {
        case .scalar(let value): return value
        case .array(let shape, let scalars): return scalars.count == 1 && shape.count <= rank ? scalars[0] : nil
        }
    }

    /// This tensor repeated along broadcast axes to `target` (NumPy `broadcast_to`).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    public func broadcasted(to target: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if shape == target { return self }
        stopOnShapeError(at: CallSite(file: file, line: line)) { () throws(ShapeError) in
            try ShapeCheck.broadcast(shape, to: target)
        }
        if case .scalar(let value) = storage { return Tensor(repeating: value, shape: target) }
        if case .array(_, let scalars) = storage, scalars.count == 1 { return Tensor(repeating: scalars[0], shape: target) }
        let sa = ShapeMath.broadcastStrides(shape, to: target)
        return withUnsafeBufferPointer { src in
            Tensor(shape: target, unsafeUninitialized: { dst in
                stridedWalk(shape: target, sa, sa) { i, oa, _ in dst[i] = src[oa] }
            })
        }
    }
}

