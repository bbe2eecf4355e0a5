// The one validation layer: every check of shapes, axes and indices that an operation makes before it runs,
// as a throwing function. The operations stop on a `ShapeError` with the caller's file and line (a programmer
// error, see `usageError`); tools that take shapes from outside (the gradcheck tool) catch it instead.

/// A shape, axis or index that does not fit an operation: what is wrong and what to do instead.
///
/// ```swift
/// do {
///     _ = try ShapeCheck.matmul([2, 3], [2, 3])
/// } catch {
///     print(error)   // matmul: shapes [2, 3] and [2, 3] do not fit: the left has 3 columns, the right 2 rows. Fix: …
/// }
/// ```
public struct ShapeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The operation as it is called (`"matmul"`, `"+"`, `"sum(alongAxes:)"`).
    public let operation: String
    /// What is wrong, naming the shapes, axes or indices.
    public let problem: String
    /// What to do instead.
    public let fix: String

    /// An error of `operation`.
    public init(operation: String, problem: String, fix: String) {
        self.operation = operation
        self.problem = problem
        self.fix = fix
    }

    /// `operation: problem. Fix: fix`, the message the operations stop with.
    public var description: String { "\(operation): \(problem). Fix: \(fix)" }
}

/// Runs the checks of `body`, stopping the program with the message of a ``ShapeError`` and the caller's place.
@inlinable
package func stopOnShapeError<R>(at site: CallSite, _ body: () throws(ShapeError) -> R) -> R {
    do {
        return try body()
    } catch {
        usageError(error.operation, error.problem, fix: error.fix, at: site)
    }
}

/// The checks the tensor operations make on their arguments, as throwing functions: each returns what the
/// operation computes from valid arguments (a result shape, normalized axes) or throws a ``ShapeError``.
public enum ShapeCheck {
    /// The NumPy broadcast of two shapes (aligned from the right, each axis equal or 1).
    public static func broadcast(_ a: [Int], _ b: [Int], operation: @autoclosure () -> String) throws(ShapeError) -> [Int] {
        guard let shape = ShapeMath.broadcast(a, b) else {
            throw ShapeError(operation: operation(), problem: "shapes \(a) and \(b) cannot be broadcast together",
                             fix: "make each axis (aligned from the right) equal or 1, e.g. with reshaped(to:) or expandingShape(at:)")
        }
        return shape
    }

    /// The shape of `matmul(a, b)`: rank ≥ 1 each, the left's columns equal to the right's rows, batch axes
    /// that broadcast (a rank-1 operand is a row on the left, a column on the right).
    public static func matmul(_ a: [Int], _ b: [Int]) throws(ShapeError) -> [Int] {
        if a.isEmpty || b.isEmpty {
            throw ShapeError(operation: "matmul", problem: "operands of shapes \(a) and \(b): matmul needs rank ≥ 1",
                             fix: "use * to multiply by a scalar")
        }
        let a2 = a.count == 1 ? [1] + a : a, b2 = b.count == 1 ? b + [1] : b
        let k = a2[a2.count - 1], k2 = b2[b2.count - 2]
        if k != k2 {
            throw ShapeError(operation: "matmul",
                             problem: "shapes \(a) and \(b) do not fit: the left has \(k) columns, the right \(k2) rows",
                             fix: "the last axis of the left operand must equal the second-to-last of the right (transpose one with .transposed()?)")
        }
        guard let batch = ShapeMath.broadcast(Array(a2.dropLast(2)), Array(b2.dropLast(2))) else {
            throw ShapeError(operation: "matmul", problem: "batch axes of shapes \(a) and \(b) cannot be broadcast together",
                             fix: "make the leading (batch) axes equal or 1")
        }
        var shape = batch + [a2[a2.count - 2], b2[b2.count - 1]]
        if b.count == 1 { shape.removeLast() }
        if a.count == 1 { shape.remove(at: shape.count - (b.count == 1 ? 1 : 2)) }
        return shape
    }

    /// `axes` of a tensor of `shape` made non-negative, sorted and without repeats; each in `-rank..<rank`.
    public static func axes(_ axes: [Int], of shape: [Int],
                            operation: @autoclosure () -> String) throws(ShapeError) -> [Int] {
        guard let normalized = ShapeMath.normalize(axes: axes, rank: shape.count) else {
            throw ShapeError(operation: operation(),
                             problem: "axes \(axes) are out of range for shape \(shape) (rank \(shape.count))",
                             fix: "use axes in -\(shape.count)..<\(shape.count)")
        }
        return normalized
    }

    /// `axis` of a tensor of `shape` made non-negative; it must be in `-rank..<rank`.
    public static func axis(_ axis: Int, of shape: [Int], operation: @autoclosure () -> String) throws(ShapeError) -> Int {
        let a = axis < 0 ? axis + shape.count : axis
        if a < 0 || a >= shape.count {
            throw ShapeError(operation: operation(), problem: "axis \(axis) is out of range for shape \(shape)",
                             fix: "use an axis in -\(shape.count)..<\(shape.count)")
        }
        return a
    }

    /// The shape a tensor of `shape` takes when reshaped to `newShape`, where one size may be -1 (inferred).
    public static func reshape(_ shape: [Int], to newShape: [Int]) throws(ShapeError) -> [Int] {
        let count = ShapeMath.count(shape)
        var target = newShape
        let known = newShape.filter { $0 != -1 }.reduce(1, *)
        let inferred = newShape.filter { $0 == -1 }.count
        if inferred > 1 || newShape.contains(where: { $0 < -1 }) {
            throw ShapeError(operation: "reshaped(to:)", problem: "shape \(newShape) is not valid",
                             fix: "use sizes ≥ 0 and at most one -1")
        }
        if inferred == 1, known > 0, count % known == 0, let i = newShape.firstIndex(of: -1) {
            target[i] = count / known
        }
        if ShapeMath.count(target) != count || target.contains(where: { $0 < 0 }) {
            throw ShapeError(operation: "reshaped(to:)",
                             problem: "cannot reshape a tensor of shape \(shape) (\(count) elements) to \(newShape)",
                             fix: "choose a shape whose sizes multiply to \(count)")
        }
        return target
    }

    /// That `permutation` lists each axis of a tensor of `shape` exactly once.
    public static func permutation(_ permutation: [Int], of shape: [Int]) throws(ShapeError) {
        if permutation.sorted() != Array(0..<shape.count) {
            throw ShapeError(operation: "transposed(permutation:)",
                             problem: "\(permutation) is not a permutation of the axes of shape \(shape)",
                             fix: "list each axis 0..<\(shape.count) exactly once")
        }
    }

    /// The non-negative axis of `gathering(atIndices:alongAxis:)` on a tensor of `shape`; every index inside it.
    public static func gathering(_ indices: [Int], alongAxis axis: Int, of shape: [Int]) throws(ShapeError) -> Int {
        let op = "gathering(atIndices:alongAxis:)"
        let a = try Self.axis(axis, of: shape, operation: op)
        let n = shape[a]
        if let bad = indices.first(where: { $0 < 0 || $0 >= n }) {
            throw ShapeError(operation: op, problem: "index \(bad) is out of range 0..<\(n) on axis \(a) of shape \(shape)",
                             fix: "use indices inside the axis")
        }
        return a
    }

    /// The non-negative axis of `concatenate` of tensors of `shapes`: at least one, of rank ≥ 1, equal off the axis.
    public static func concatenate(_ shapes: [[Int]], alongAxis axis: Int) throws(ShapeError) -> Int {
        guard let first = shapes.first else {
            throw ShapeError(operation: "concatenate", problem: "no tensors were given", fix: "pass at least one tensor")
        }
        let rank = first.count
        let a = axis < 0 ? axis + rank : axis
        if a < 0 || a >= rank {
            throw ShapeError(operation: "concatenate", problem: "axis \(axis) is out of range for shape \(first)",
                             fix: "use an axis in -\(rank)..<\(rank) (rank-0 tensors cannot be concatenated)")
        }
        for s in shapes where s.count != rank || (0..<rank).contains(where: { $0 != a && s[$0] != first[$0] }) {
            throw ShapeError(operation: "concatenate", problem: "shapes \(shapes) differ off axis \(a)",
                             fix: "make every axis except \(a) the same size")
        }
        return a
    }

    /// The row-major position of the element at `indices` (one per axis, each inside its axis) in a tensor of
    /// `shape`.
    public static func element(_ indices: [Int], of shape: [Int]) throws(ShapeError) -> Int {
        if indices.count != shape.count {
            throw ShapeError(operation: "Tensor[element:]",
                             problem: "\(indices.count) indices for a tensor of shape \(shape)", fix: "pass one index per axis")
        }
        var flat = 0
        for (axis, i) in indices.enumerated() {
            if i < 0 || i >= shape[axis] {
                throw ShapeError(operation: "Tensor[element:]",
                                 problem: "index \(i) out of range 0..<\(shape[axis]) on axis \(axis) of shape \(shape)",
                                 fix: "use an index inside the axis")
            }
            flat = flat * shape[axis] + i
        }
        return flat
    }

    /// Full per-axis bounds of a tensor of `shape` from `ranges` over its leading axes (at most one per axis,
    /// each inside its axis); the axes after them are taken whole.
    public static func ranges(_ ranges: [Range<Int>], of shape: [Int], operation: @autoclosure () -> String)
        throws(ShapeError) -> [Range<Int>] {
        if ranges.count > shape.count {
            throw ShapeError(operation: operation(), problem: "\(ranges.count) ranges for a tensor of shape \(shape)",
                             fix: "pass at most one range per axis")
        }
        var out = shape.map { 0..<$0 }
        for (i, r) in ranges.enumerated() {
            if r.lowerBound < 0 || r.upperBound > shape[i] {
                throw ShapeError(operation: operation(),
                                 problem: "range \(r) is out of bounds 0..<\(shape[i]) on axis \(i) of shape \(shape)",
                                 fix: "keep each range inside its axis")
            }
            out[i] = r
        }
        return out
    }

    /// That `shape` has sizes ≥ 0 that multiply to `count` (`Tensor(shape:scalars:)` with `count` scalars).
    public static func shape(_ shape: [Int], holding count: Int) throws(ShapeError) {
        if shape.contains(where: { $0 < 0 }) {
            throw ShapeError(operation: "Tensor(shape:scalars:)", problem: "shape \(shape) has a negative size",
                             fix: "use sizes ≥ 0")
        }
        let n = ShapeMath.count(shape)
        if n != count {
            throw ShapeError(operation: "Tensor(shape:scalars:)",
                             problem: "shape \(shape) holds \(n) elements but \(count) scalars were given",
                             fix: "pass exactly \(n) scalars, or a shape whose sizes multiply to \(count)")
        }
    }

    /// The shape of `select(mask, a, b)`: the broadcast of the three shapes.
    public static func select(mask: [Int], _ a: [Int], _ b: [Int]) throws(ShapeError) -> [Int] {
        if let ab = ShapeMath.broadcast(a, b), let shape = ShapeMath.broadcast(mask, ab) { return shape }
        throw ShapeError(operation: "select",
                         problem: "mask shape \(mask) and operand shapes \(a), \(b) cannot be broadcast together",
                         fix: "make each axis (aligned from the right) equal or 1")
    }

    /// That a tensor of `shape` broadcasts to `target` (NumPy's `broadcast_to`: each axis, aligned from the
    /// right, equal to the target's or 1).
    public static func broadcast(_ shape: [Int], to target: [Int]) throws(ShapeError) {
        if ShapeMath.broadcasts(shape, to: target) { return }
        throw ShapeError(operation: "broadcasted(to:)", problem: "shape \(shape) cannot be broadcast to \(target)",
                         fix: "each axis of the tensor (aligned from the right) must equal the target's or be 1")
    }

    /// That `indices` pick elements of the leading axes of a tensor of `shape` (at most one per axis, each inside it).
    public static func indices(_ indices: [Int], of shape: [Int], operation: @autoclosure () -> String = "subscript")
        throws(ShapeError) {
        let shown = indices.count == 1 ? "[\(indices[0])]" : "\(indices)"
        if indices.count > shape.count {
            throw ShapeError(operation: operation(),
                             problem: "\(indices.count) indices \(shown) for a tensor of shape \(shape) (rank \(shape.count))",
                             fix: "pass at most one index per axis")
        }
        for (axis, i) in indices.enumerated() where i < 0 || i >= shape[axis] {
            throw ShapeError(operation: operation(),
                             problem: "index \(i) is out of range 0..<\(shape[axis]) on axis \(axis) of shape \(shape) " +
                                      "(indices \(shown))",
                             fix: "use an index from 0 to \(shape[axis] - 1) on axis \(axis)")
        }
    }

    /// The shape of `linear(x, weight:)`, x·Wᵀ: `x` is `[batch, in]` or `[in]`, `weight` is `[out, in]`.
    public static func linear(input x: [Int], weight w: [Int]) throws(ShapeError) -> [Int] {
        guard w.count == 2, x.count == 1 || x.count == 2, x.last == w[1] else {
            throw ShapeError(operation: "linear", problem: "input of shape \(x) and weight of shape \(w) do not fit",
                             fix: "the weight is [outputs, inputs] and the input [batch, inputs] or [inputs]")
        }
        return x.dropLast() + [w[0]]
    }

    /// The shape of `scaledDotProductAttention(query:key:value:)`: query `[…, T, d]`, key `[…, S, d]` and value
    /// `[…, S, dᵥ]` give `[…, T, dᵥ]` (the leading axes as `matmul` broadcasts them).
    public static func attention(query q: [Int], key k: [Int], value v: [Int]) throws(ShapeError) -> [Int] {
        guard q.count >= 2, k.count >= 2, v.count >= 2, q.last == k.last, k[k.count - 2] == v[v.count - 2] else {
            throw ShapeError(operation: "scaledDotProductAttention", problem: "query \(q), key \(k) and value \(v) do not fit",
                             fix: "pass query [N, heads, T, d], key [N, heads, S, d] and value [N, heads, S, dᵥ]")
        }
        let scores = try matmul(q, Array(k.dropLast(2)) + [k[k.count - 1], k[k.count - 2]])
        return try matmul(scores, v)
    }
}
