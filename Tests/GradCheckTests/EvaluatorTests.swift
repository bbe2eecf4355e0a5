import AutoDiff
@testable import GradCheckCore
import Testing

@Suite("gradcheck evaluator")
struct EvaluatorTests {
    let square = DifferentiableFunction<Double>(name: "square", forward: { $0[0] * $0[0] },
                                                pullback: { g, xs, _ in [g * 2 * xs[0]] })

    @Test("user functions are the evaluator's own: two evaluators in one process see only theirs")
    func userFunctions() throws {
        let expression = try Parser.parse("square(x) + 1")
        let x = Variable(Tensor(3.0), requiresGrad: false)
        let with = Evaluator(values: ["x": x], userFunctions: ["square": square])
        let without = Evaluator(values: ["x": x])
        #expect(try with.evaluate(expression).value.scalar == 10)
        #expect(throws: ExpressionError.self) { try without.evaluate(expression) }
        #expect(with.nearest("squar") == "square")
        #expect(without.nearest("squar") != "square")
    }

    @Test("shape errors are the library's messages, as typed expression errors")
    func shapeErrors() throws {
        let values = ["A": Variable(Tensor<Double>(shape: [2, 3], scalars: Array(repeating: 1, count: 6)), requiresGrad: false)]
        let cases: [(String, String)] = [
            ("matmul(A, A)", "matmul: shapes [2, 3] and [2, 3] do not fit: the left has 3 columns, the right 2 rows. Fix:"),
            ("A + [1, 2]", "+: shapes [2, 3] and [2] cannot be broadcast together. Fix:"),
            ("reshaped(A, to: [4])", "reshaped(to:): cannot reshape a tensor of shape [2, 3] (6 elements) to [4]"),
            ("softmax(A, axis: 2)", "softmax: axis 2 is out of range for shape [2, 3]"),
            ("gathering(A, atIndices: [2])", "gathering(atIndices:alongAxis:): index 2 is out of range 0..<2 on axis 0"),
            ("concatenate([A, [1, 2]], alongAxis: 0)", "concatenate: shapes [[2, 3], [2]] differ off axis 0"),
            ("maxPool2d(A, kernelSize: 2)", "maxPool2d: input of shape [2, 3]: pooling takes a batch of images"),
        ]
        for (text, expected) in cases {
            do {
                _ = try Evaluator(values: values).evaluate(try Parser.parse(text))
                Issue.record("\(text) evaluated")
            } catch let error as ExpressionError {
                #expect(error.message.contains(expected), "\(text): \(error.message)")
            }
        }
    }
}
