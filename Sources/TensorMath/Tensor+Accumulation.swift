// Gradients accumulated in place: `+` written into the total's own buffer when nothing else shares it.

import TensorCore

extension Tensor where Scalar: TensorScalar {
    /// `self = self + other`, written into this tensor's own buffer when `other` has the same shape and no other
    /// tensor shares the buffer (a gradient being accumulated): the same sums as `+`, split over threads the
    /// same way, without allocating a new result. Otherwise it is `self + other`.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    package mutating func addInPlace(_ other: Tensor) {
        guard case .array(let shape, var scalars) = storage, case .array(let shapeB, let sb) = other.storage,
              shape == shapeB else {
            self = self + other
            return
        }
        storage = .scalar(0)   // let go of the buffer, so that `scalars` holds the only reference to it
        let n = scalars.count
        scalars.withUnsafeMutableBufferPointer { dst in
            sb.withUnsafeBufferPointer { src in
                guard let d = dst.baseAddress, let x = src.baseAddress else { return }
                if Parallelism.splits(count: n) {
                    Parallelism.forEachRange(count: n, UnsafeMutableRawPointer(d), UnsafeRawPointer(x),
                                             UnsafeRawPointer(x)) { range, d, x, _ in
                        let d = d.assumingMemoryBound(to: Scalar.self), x = x.assumingMemoryBound(to: Scalar.self)
                        for i in range { d[i] = d[i] + x[i] }
                    }
                } else {
                    for i in 0..<n { d[i] = d[i] + x[i] }
                }
            }
        }
        storage = .array(shape: shape, scalars: scalars)
    }

    /// Adds `contribution` into `total` (in place when it can, see ``addInPlace(_:)``), or makes it the total
    /// when there is none yet: how a gradient collects the contributions of the uses of a value.
    @inlinable
    package static func accumulate(_ contribution: Tensor, into total: inout Tensor?) {
        if total == nil { total = contribution } else { total!.addInPlace(contribution) }
    }
}
