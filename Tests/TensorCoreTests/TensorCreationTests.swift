import Testing
import TensorCore
import TensorLinearAlgebra
import TensorMath

@Suite("Making tensors: linspace, arange, zeros, ones, full")
struct TensorCreationTests {
    @Test("linspace includes both ends, the last exactly")
    func linspace() {
        #expect(Tensor<Double>.linspace(from: -3, to: 3, count: 7) == Tensor([-3, -2, -1, 0, 1, 2, 3]))
        let t = Tensor<Float>.linspace(from: 0, to: 1, count: 11)
        #expect(t.shape == [11])
        #expect(t.scalars.last == 1)
        #expect(t.isAlmostEqual(to: Tensor<Float>((0...10).map { Float($0) / 10 }), absoluteTolerance: 1e-7))
        #expect(Tensor<Double>.linspace(from: 2, to: -2, count: 3) == Tensor([2, 0, -2]))
        #expect(Tensor<Double>.linspace(from: 5, to: 9, count: 1) == Tensor([5]))
        #expect(Tensor<Double>.linspace(from: 5, to: 9, count: 0).shape == [0])
    }

    @Test("arange excludes its end, as NumPy's and PyTorch's do")
    func arange() {
        #expect(Tensor<Float>.arange(0, 10) == Tensor((0..<10).map(Float.init)))
        #expect(Tensor<Double>.arange(1, 2, step: 0.25) == Tensor([1, 1.25, 1.5, 1.75]))
        #expect(Tensor<Double>.arange(0, 1, step: 0.3) == Tensor([0, 0.3, 0.6, 0.8999999999999999]))  // ⌈1/0.3⌉ = 4 values
        #expect(Tensor<Double>.arange(3, 0, step: -1) == Tensor([3, 2, 1]))
        #expect(Tensor<Double>.arange(2, 2).shape == [0])
        #expect(Tensor<Double>.arange(5, 0).shape == [0])       // counting up from above the end: empty
        #expect(Tensor<Float>.arange(-1, 1, step: 0.5) == Tensor([-1, -0.5, 0, 0.5]))
        // n values from a, d apart: arange(0, n) * d + a.
        let stepped: Tensor<Double> = Tensor<Double>.arange(0, 3) * 2 + 1
        #expect(stepped == Tensor<Double>([1, 3, 5]))
    }

    @Test("zeros, ones and full of any shape, rank 0 included")
    func filled() {
        #expect(Tensor<Float>.zeros(shape: [3, 4]).scalars == Array(repeating: 0, count: 12))
        #expect(Tensor<Float>.ones(shape: [3]) == Tensor([1, 1, 1]))
        #expect(Tensor<Double>.full(shape: [2, 2], value: 0.5) == Tensor([[0.5, 0.5], [0.5, 0.5]]))
        #expect(Tensor<Double>.full(shape: [], value: 7).rank == 0)
        #expect(Tensor<Double>.full(shape: [], value: 7).scalar == 7)
        #expect(Tensor<Double>.zeros(shape: [0, 3]).scalarCount == 0)
    }

    @Test("filling past the first 4 KB block (copied, or set by memset for zero bytes) writes every element",
          arguments: [1, 511, 512, 513, 1_024, 1_025, 4_099, 100_003])
    func largeFills(count: Int) {
        for value in [0.0, -0.0, 1.5, -.infinity, .nan, .leastNonzeroMagnitude] {
            let d = Tensor<Double>(repeating: value, shape: [count]).scalars
            #expect(d.count == count && d.allSatisfy { $0.bitPattern == value.bitPattern })
            let f = Tensor<Float>(repeating: Float(value), shape: [count, 1]).scalars
            #expect(f.count == count && f.allSatisfy { $0.bitPattern == Float(value).bitPattern })
        }
        let flags = Tensor<Bool>(repeating: true, shape: [count]).scalars
        #expect(flags.count == count && flags.allSatisfy { $0 })
        #expect(Tensor<Bool>(repeating: false, shape: [count]).scalars.allSatisfy { !$0 })
        // A broadcast of one element is such a fill.
        #expect(Tensor<Double>([2.5]).broadcasted(to: [count]).scalars == Array(repeating: 2.5, count: count))
    }
}
