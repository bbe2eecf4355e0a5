/// Shape arithmetic shared by every tensor kernel: element counts, strides, broadcasting and axes.
@usableFromInline
package enum ShapeMath {
    /// The number of elements of a tensor of this shape (1 for rank 0).
    @inlinable
    package static func count(_ shape: [Int]) -> Int {
        var n = 1
        for d in shape { n &*= d }
        return n
    }

    /// Row-major strides of a contiguous tensor of this shape.
    @inlinable
    package static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = s
            s &*= shape[i]
        }
        return strides
    }

    /// The NumPy broadcast of two shapes, or nil when an axis has two sizes neither of which is 1.
    @inlinable
    package static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        if a == b { return a }
        let rank = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// The axes of `shape` to sum over to bring it back to `target`, the shape it was broadcast from: the
    /// leading axes `target` lacks, and the axes where `target` has size 1 (kept, so a reshape follows).
    @inlinable
    package static func broadcastAxes(from shape: [Int], to target: [Int]) -> [Int] {
        let offset = shape.count - target.count
        var axes: [Int] = Array(0..<Swift.max(offset, 0))
        for i in 0..<target.count where target[i] == 1 && shape[i + offset] != 1 { axes.append(i + offset) }
        return axes
    }

    /// Strides of `shape` read as a tensor of the (larger or equal) shape `target`: 0 along broadcast axes.
    @inlinable
    package static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(shape)
        let offset = target.count - shape.count
        var out = [Int](repeating: 0, count: target.count)
        for i in 0..<shape.count where shape[i] != 1 || target[i + offset] == 1 {
            out[i + offset] = shape[i] == 1 ? 0 : own[i]
        }
        return out
    }

    /// The walk of two strided operands over `shape` as rows × columns with per-operand row and column
    /// strides (each column stride 0 or 1), when adjacent axes merge that far; nil otherwise.
    @inlinable
    package static func collapsedToMatrix(_ shape: [Int], _ sa: [Int], _ sb: [Int])
        -> (rows: Int, columns: Int, strides: (rowA: Int, rowB: Int, columnA: Int, columnB: Int))? {
        // Axes from the innermost out, size-1 axes dropped; an axis joins the one inside it when both
        // operands step through them as one.
        var dims: [(size: Int, a: Int, b: Int)] = []
        for i in stride(from: shape.count - 1, through: 0, by: -1) where shape[i] != 1 {
            if let last = dims.last, sa[i] == last.a * last.size, sb[i] == last.b * last.size {
                dims[dims.count - 1].size *= shape[i]
            } else {
                dims.append((shape[i], sa[i], sb[i]))
            }
        }
        if dims.isEmpty { return nil }
        if dims.count > 2 || dims[0].a > 1 || dims[0].b > 1 { return nil }
        let outer = dims.count == 2 ? dims[1] : (size: 1, a: 0, b: 0)
        return (outer.size, dims[0].size, (outer.a, outer.b, dims[0].a, dims[0].b))
    }

    /// Whether `shape` broadcasts to `target` (sizes equal, or 1, aligned from the right).
    @inlinable
    package static func broadcasts(_ shape: [Int], to target: [Int]) -> Bool {
        guard shape.count <= target.count else { return false }
        let offset = target.count - shape.count
        for i in 0..<shape.count where shape[i] != 1 && shape[i] != target[i + offset] { return false }
        return true
    }

    /// Normalizes possibly negative axes against `rank`, sorted and without repeats; nil if one is out of range.
    @inlinable
    package static func normalize(axes: [Int], rank: Int) -> [Int]? {
        var out: [Int] = []
        for a in axes {
            let n = a < 0 ? a + rank : a
            guard n >= 0 && n < rank else { return nil }
            if !out.contains(n) { out.append(n) }
        }
        return out.sorted()
    }
}

/// The NumPy broadcast of two shapes (aligned from the right, each axis equal or 1), or nil when they do not
/// broadcast together. Useful to check shapes before calling an operation.
public func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? { ShapeMath.broadcast(a, b) }

/// Where a user's call came from, carried into messages about programmer errors.
public struct CallSite: Sendable {
    /// The caller's file (`#fileID`).
    public let file: StaticString
    /// The caller's line.
    public let line: UInt
    /// Whether the place is known (false for operators, which cannot take `#fileID` defaults).
    public let known: Bool

    /// The place of a call.
    @inlinable public init(file: StaticString, line: UInt) {
        self.file = file
        self.line = line
        self.known = true
    }

    @inlinable package init(unknown: ()) {
        self.file = "<operator>"
        self.line = 0
        self.known = false
    }

    /// Operators cannot take `#fileID`/`#line` defaults in Swift, so their messages name the op instead.
    /// (Computed, not a stored global: it is a default argument of the recording paths, where a global's
    /// one-time initialization check would cost every operation.)
    @inlinable public static var `operator`: CallSite { CallSite(unknown: ()) }
}

/// Stops the program with a message that names the operation, what was wrong, and what to do.
///
/// Programmer errors (shapes that do not fit, indices out of range) come here; data from outside never does.
@usableFromInline
package func usageError(_ op: String, _ problem: String, fix: String, at site: CallSite) -> Never {
    // fatalError prints "file:line: Fatal error: " before the message: the caller's place when known.
    let message = "\(op): \(problem). Fix: \(fix)"
    if site.known {
        fatalError(message, file: site.file, line: site.line)
    }
    // Operators cannot take #fileID/#line defaults; Swift's crash backtrace names the calling line instead.
    fatalError(message + " (called through an operator: the backtrace below shows the calling line)",
               file: "AutoDiff", line: 0)
}
