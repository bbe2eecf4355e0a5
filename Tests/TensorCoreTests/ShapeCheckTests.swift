import TensorCore
import TensorLinearAlgebra
import TensorMath
import Testing

/// The validation layer: each check returns what the operation computes from valid arguments, and throws the
/// error whose message the operation stops with (`ErrorMessageTests` covers the stops themselves).
@Suite("Shape checks")
struct ShapeCheckTests {
    func error(_ body: () throws -> Void) -> ShapeError? {
        do {
            try body()
            return nil
        } catch {
            return error as? ShapeError
        }
    }

    @Test("valid arguments give the result shape, the normalized axes, the inferred size")
    func valid() throws {
        #expect(try ShapeCheck.broadcast([2, 1, 3], [4, 1], operation: "+") == [2, 4, 3])
        #expect(try ShapeCheck.matmul([2, 3], [3, 4]) == [2, 4])
        #expect(try ShapeCheck.matmul([3], [3, 4]) == [4])
        #expect(try ShapeCheck.matmul([2, 3], [3]) == [2])
        #expect(try ShapeCheck.matmul([3], [3]) == [])
        #expect(try ShapeCheck.matmul([5, 1, 2, 3], [4, 3, 6]) == [5, 4, 2, 6])
        #expect(try ShapeCheck.linear(input: [8, 3], weight: [5, 3]) == [8, 5])
        #expect(try ShapeCheck.linear(input: [3], weight: [5, 3]) == [5])
        #expect(try ShapeCheck.attention(query: [2, 4, 7, 8], key: [2, 4, 9, 8], value: [2, 4, 9, 6]) == [2, 4, 7, 6])
        #expect(try ShapeCheck.axes([-1, 0, 2], of: [2, 3, 4], operation: "sum") == [0, 2])
        #expect(try ShapeCheck.axis(-2, of: [2, 3, 4], operation: "softmax") == 1)
        #expect(try ShapeCheck.reshape([2, 3, 4], to: [-1, 4]) == [6, 4])
        #expect(try ShapeCheck.gathering([0, 2, 2], alongAxis: -1, of: [2, 3]) == 1)
        #expect(try ShapeCheck.concatenate([[2, 3], [2, 5]], alongAxis: -1) == 1)
        try ShapeCheck.permutation([1, 0, 2], of: [2, 3, 4])
        try ShapeCheck.indices([1, 2], of: [2, 3, 4])
        #expect(try ShapeCheck.element([1, 2], of: [2, 3]) == 5)
        #expect(try ShapeCheck.ranges([0..<1], of: [2, 3], operation: "slice") == [0..<1, 0..<3])
        try ShapeCheck.broadcast([3, 1], to: [2, 3, 4])
        try ShapeCheck.shape([2, 0, 3], holding: 0)
        #expect(try ShapeCheck.select(mask: [2, 1], [3], [1, 3]) == [2, 3])
        try ShapeCheck.conv2d(input: [1, 2, 5, 5], filter: [4, 1, 3, 3], bias: [4], stride: 2, padding: 1, groups: 2)
        try ShapeCheck.conv1d(input: [1, 2, 7], filter: [1, 2, 2], dilation: 2)
        try ShapeCheck.pool2d("maxPool2d", input: [1, 1, 4, 4], kernelSize: 2, stride: 1)
    }

    @Test("linear and attention: operands that do not fit name their shapes")
    func compositeShapes() {
        let linear = error { _ = try ShapeCheck.linear(input: [8, 4], weight: [5, 3]) }
        #expect(linear?.operation == "linear")
        #expect(linear?.problem.contains("[8, 4]") == true && linear?.problem.contains("[5, 3]") == true)
        #expect(error { _ = try ShapeCheck.linear(input: [2, 8, 3], weight: [5, 3]) } != nil)
        let attention = error { _ = try ShapeCheck.attention(query: [2, 7, 8], key: [2, 9, 6], value: [2, 9, 6]) }
        #expect(attention?.operation == "scaledDotProductAttention")
        #expect(error { _ = try ShapeCheck.attention(query: [2, 7, 8], key: [2, 9, 8], value: [2, 5, 6]) } != nil)
    }

    @Test("invalid arguments throw the operation's message: the op, the shapes, the fix")
    func invalid() {
        let cases: [(ShapeError?, String)] = [
            (error { _ = try ShapeCheck.broadcast([2, 3], [4], operation: "+") },
             "+: shapes [2, 3] and [4] cannot be broadcast together. Fix: make each axis"),
            (error { _ = try ShapeCheck.matmul([2, 3], [2, 3]) },
             "matmul: shapes [2, 3] and [2, 3] do not fit: the left has 3 columns, the right 2 rows. Fix:"),
            (error { _ = try ShapeCheck.matmul([], [3]) }, "matmul: operands of shapes [] and [3]: matmul needs rank ≥ 1"),
            (error { _ = try ShapeCheck.matmul([2, 2, 3], [3, 3, 1]) }, "matmul: batch axes of shapes [2, 2, 3] and [3, 3, 1]"),
            (error { _ = try ShapeCheck.axes([2], of: [2, 3], operation: "sum(alongAxes:)") },
             "sum(alongAxes:): axes [2] are out of range for shape [2, 3] (rank 2). Fix: use axes in -2..<2"),
            (error { _ = try ShapeCheck.axis(0, of: [], operation: "softmax") }, "softmax: axis 0 is out of range for shape []"),
            (error { _ = try ShapeCheck.reshape([2, 3], to: [4]) },
             "reshaped(to:): cannot reshape a tensor of shape [2, 3] (6 elements) to [4]"),
            (error { _ = try ShapeCheck.reshape([2, 3], to: [-1, -1]) }, "reshaped(to:): shape [-1, -1] is not valid"),
            (error { _ = try ShapeCheck.reshape([0], to: [-1, 0]) }, "reshaped(to:): cannot reshape a tensor of shape [0]"),
            (error { try ShapeCheck.permutation([0, 0], of: [2, 3]) }, "transposed(permutation:): [0, 0] is not a permutation"),
            (error { _ = try ShapeCheck.gathering([3], alongAxis: 0, of: [3, 2]) },
             "gathering(atIndices:alongAxis:): index 3 is out of range 0..<3 on axis 0 of shape [3, 2]"),
            (error { _ = try ShapeCheck.concatenate([], alongAxis: 0) }, "concatenate: no tensors were given"),
            (error { _ = try ShapeCheck.concatenate([[2, 3], [3, 3]], alongAxis: 1) },
             "concatenate: shapes [[2, 3], [3, 3]] differ off axis 1"),
            (error { try ShapeCheck.indices([0, 5], of: [2, 3]) }, "subscript: index 5 is out of range 0..<3 on axis 1"),
            (error { _ = try ShapeCheck.element([0], of: [2, 3]) }, "Tensor[element:]: 1 indices for a tensor of shape [2, 3]"),
            (error { _ = try ShapeCheck.ranges([0..<3], of: [2, 3], operation: "x[0..<3]") },
             "x[0..<3]: range 0..<3 is out of bounds 0..<2 on axis 0 of shape [2, 3]"),
            (error { try ShapeCheck.shape([2, 3], holding: 5) },
             "Tensor(shape:scalars:): shape [2, 3] holds 6 elements but 5 scalars were given"),
            (error { try ShapeCheck.shape([-1], holding: 0) }, "Tensor(shape:scalars:): shape [-1] has a negative size"),
            (error { _ = try ShapeCheck.select(mask: [2], [3], [3]) }, "select: mask shape [2] and operand shapes [3], [3]"),
            (error { try ShapeCheck.broadcast([3, 2], to: [2, 3]) }, "broadcasted(to:): shape [3, 2] cannot be broadcast to [2, 3]"),
            (error { try ShapeCheck.conv2d(input: [1, 2, 5, 5], filter: [3, 2, 3, 3], groups: 3) },
             "conv2d: input of shape [1, 2, 5, 5] and filter of shape [3, 2, 3, 3] with groups: 3"),
            (error { try ShapeCheck.conv2d(input: [1, 2, 5, 5], filter: [3, 2, 3, 3], bias: [2]) },
             "conv2d: input of shape [1, 2, 5, 5] and filter of shape [3, 2, 3, 3] with a bias of shape [2]"),
            (error { try ShapeCheck.conv1d(input: [1, 1, 2], filter: [1, 1, 3]) }, "no output position"),
            (error { try ShapeCheck.pool2d("maxPool2d", input: [1, 1, 4, 4], kernelSize: 3, padding: 2) },
             "0 ≤ padding ≤ kernelSize / 2"),
        ]
        for (error, expected) in cases {
            #expect(error?.description.contains(expected) == true, "\(String(describing: error)) lacks \(expected)")
        }
    }
}
