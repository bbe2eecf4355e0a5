import Testing
import AutoDiff

@Suite("Element access with one integer per axis, and .scalar")
struct ElementAccessTests {
    let h = Tensor<Double>(shape: [2, 3, 4], scalars: (0..<24).map(Double.init))

    @Test("each index removes its axis; one per axis gives rank 0")
    func tensorIndices() {
        #expect(h[1].shape == [3, 4])
        #expect(h[1, 2] == Tensor([20, 21, 22, 23]))
        #expect(h[1, 2, 3].rank == 0)
        #expect(h[1, 2, 3].scalar == 23)
        #expect(h[0, 1, 2].scalar == h[0][1][2].scalar)
        let m = Tensor<Float>([[1, 2, 3], [4, 5, 6]])
        #expect(m[0, 1].scalar == 2)
        #expect(m[1, 2].scalar == 6)
        let mask = Tensor<Bool>(shape: [2, 2], scalars: [true, false, false, true])
        #expect(mask[1, 1].scalar && !mask[0, 1].scalar)
    }

    @Test("on a Variable: same values, and the gradient goes to the element taken")
    func variableIndices() {
        let x = Variable(h)
        let y = x[1, 2, 3] * 3 + x[0, 1].sum()
        #expect(y.rank == 0)
        #expect(x[1, 2, 3].scalar == 23 && x[1, 2].value == h[1, 2])
        y.backward()
        var expected = Tensor<Double>.zeros(shape: [2, 3, 4])
        expected[element: [1, 2, 3]] = 3
        for k in 0..<4 { expected[element: [0, 1, k]] = 1 }
        #expect(x.grad! == expected)
        let report = checkGradients(of: { xs in xs[0][1, 0] * xs[0][0, 2, 1] }, at: [h])
        #expect(report.passed, "\(report)")
    }

    @Test(".scalar reads any one-element tensor or variable, whatever its rank")
    func scalar() {
        #expect(Tensor<Double>(shape: [1, 1, 1], scalars: [4]).scalar == 4)
        #expect(Tensor<Float>([2.5]).scalar == 2.5)
        #expect(Variable(Tensor<Double>(shape: [1, 1], scalars: [-1])).scalar == -1)
        #expect((Variable(Tensor<Double>([1, 2])) * 2).sum().scalar == 6)
    }

    @Test("an index out of range names the shape, the index and the caller's line")
    func outOfRange() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let t = Tensor<Double>.zeros(shape: [2, 3])
            _ = t[1, 3]
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("ElementAccessTests.swift:"))
        #expect(text.contains("subscript: index 3 is out of range 0..<3 on axis 1 of shape [2, 3] (indices [1, 3])"))
        #expect(text.contains("Fix:"))
    }

    @Test("more indices than axes, on a Variable, names the rank and the caller's line")
    func tooManyIndices() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Variable(Tensor<Double>([1, 2]))
            _ = x[0, 0]
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("ElementAccessTests.swift:"))
        #expect(text.contains("subscript: 2 indices [0, 0] for a tensor of shape [2] (rank 1)"))
    }

    @Test("x[i] out of range also names the caller's line; negative indices are out of range")
    func singleIndex() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Double>([1, 2])[-1]
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("ElementAccessTests.swift:"))
        #expect(text.contains("index -1 is out of range 0..<2 on axis 0 of shape [2] (indices [-1])"))
    }
}
