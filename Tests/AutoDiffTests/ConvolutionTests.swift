import Foundation
import Testing
@testable import AutoDiff

/// One case of `Fixtures/convolution-reference.json`, written by PyTorch (`make_convolution_reference.py`).
struct ConvolutionReference: Decodable, CustomTestStringConvertible {
    let op: String
    let input: [Int]
    let filter: [Int]?
    let bias: Int?
    let kernelSize: Int?
    let stride: Int
    let padding: Int
    let dilation: Int?
    let groups: Int?
    let shape: [Int]
    let output: [Double]

    var testDescription: String {
        "\(op) \(input)" + (filter.map { " × \($0)" } ?? " k\(kernelSize ?? 0)") + " stride \(stride) padding \(padding)" +
            (dilation.map { " dilation \($0)" } ?? "") + (groups.map { " groups \($0)" } ?? "")
    }

    /// Element i is sin(0.37·i + offset), as the script makes them.
    static func filled(_ shape: [Int], _ offset: Double) -> Tensor<Double> {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: (0..<n).map { sin(0.37 * Double($0) + offset) })
    }

    static let all: [ConvolutionReference] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/convolution-reference.json")
        return (try? JSONDecoder().decode([ConvolutionReference].self, from: Data(contentsOf: url))) ?? []
    }()
}

@Suite("Convolution and pooling")
struct ConvolutionTests {
    @Test("the reference file has every case")
    func referenceLoads() {
        #expect(ConvolutionReference.all.count == 15)
    }

    @Test("outputs equal PyTorch's (float64), on Tensor and on Variable", arguments: ConvolutionReference.all)
    func matchesPyTorch(_ c: ConvolutionReference) {
        let x = ConvolutionReference.filled(c.input, 0.1)
        let tensor: Tensor<Double>, variable: Variable<Double>
        switch c.op {
        case "conv2d", "conv1d":
            let w = ConvolutionReference.filled(c.filter!, 0.2)
            let b = c.bias.map { ConvolutionReference.filled([$0], 0.3) }
            let (d, g) = (c.dilation ?? 1, c.groups ?? 1)
            if c.op == "conv2d" {
                tensor = conv2d(x, filter: w, bias: b, stride: c.stride, padding: c.padding, dilation: d, groups: g)
                variable = conv2d(Variable(x), filter: Variable(w), bias: b.map { Variable($0) }, stride: c.stride,
                                  padding: c.padding, dilation: d, groups: g)
            } else {
                tensor = conv1d(x, filter: w, bias: b, stride: c.stride, padding: c.padding, dilation: d, groups: g)
                variable = conv1d(Variable(x), filter: Variable(w), bias: b.map { Variable($0) }, stride: c.stride,
                                  padding: c.padding, dilation: d, groups: g)
            }
        case "maxPool2d":
            tensor = maxPool2d(x, kernelSize: c.kernelSize!, stride: c.stride, padding: c.padding)
            variable = maxPool2d(Variable(x), kernelSize: c.kernelSize!, stride: c.stride, padding: c.padding)
        default:
            tensor = avgPool2d(x, kernelSize: c.kernelSize!, stride: c.stride, padding: c.padding)
            variable = avgPool2d(Variable(x), kernelSize: c.kernelSize!, stride: c.stride, padding: c.padding)
        }
        #expect(tensor.shape == c.shape)
        #expect(variable.value == tensor)
        #expect(zip(tensor.scalars, c.output).allSatisfy { abs($0 - $1) <= 1e-12 })
    }

    @Test("a hand-computed convolution: a 2×2 filter of ones sums each window; the bias adds")
    func handComputed() {
        let x = Tensor<Double>(shape: [1, 1, 3, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let y = conv2d(x, filter: .ones(shape: [1, 1, 2, 2]), bias: Tensor([10]))
        #expect(y == Tensor(shape: [1, 1, 2, 2], scalars: [22, 26, 34, 38]))
        #expect(maxPool2d(x, kernelSize: 2, stride: 1) == Tensor(shape: [1, 1, 2, 2], scalars: [5, 6, 8, 9]))
        #expect(avgPool2d(x, kernelSize: 2, stride: 2, padding: 1) == Tensor(shape: [1, 1, 2, 2], scalars: [0.25, 1.25, 2.75, 7]))
        // The stride defaults to the kernel size.
        #expect(maxPool2d(x, kernelSize: 2).shape == [1, 1, 1, 1])
    }

    @Test("max pooling: the first of equal maxima takes the gradient, a NaN wins the window (PyTorch's rules)")
    func maxPoolTiesAndNaN() {
        let x = Variable(Tensor<Double>(shape: [1, 1, 2, 4], scalars: [2, 5, 1, .nan, 5, 2, 3, 4]))
        let y = maxPool2d(x, kernelSize: 2)
        #expect(y.value.scalars[0] == 5 && y.value.scalars[1].isNaN)
        y.backward(seed: Tensor(shape: [1, 1, 1, 2], scalars: [1, 1]))
        #expect(x.grad == Tensor(shape: [1, 1, 2, 4], scalars: [0, 1, 0, 1, 0, 0, 0, 0]))
    }

    @Test("gradients of a convolution equal the hand-computed ones")
    func handComputedGradient() {
        // y = Σ conv(x, w): ∂w[p, q] = Σ of the x elements under tap (p, q); ∂x[i, j] = Σ of the taps covering it.
        let x = Variable(Tensor<Double>(shape: [1, 1, 3, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9]))
        let w = Variable(Tensor<Double>(shape: [1, 1, 2, 2], scalars: [1, 10, 100, 1000]))
        let b = Variable(Tensor<Double>([0.5]))
        conv2d(x, filter: w, bias: b).sum().backward()
        #expect(w.grad == Tensor(shape: [1, 1, 2, 2], scalars: [12, 16, 24, 28]))
        #expect(x.grad == Tensor(shape: [1, 1, 3, 3], scalars: [1, 11, 10, 101, 1111, 1010, 100, 1100, 1000]))
        #expect(b.grad == Tensor([4]))
    }

    @Test("forward and backward are bit-identical on 1, 2 and 3 threads")
    func threadCountDoesNotChangeResults() {
        var rng = SeededGenerator(seed: 5)
        // Large enough that im2col, col2im (8 images × 72 taps × 256 positions) and each group's product
        // (8 × 36 × 2048) are split between threads.
        let xs = Tensor<Float>.randomNormal(shape: [8, 8, 16, 16], using: &rng)
        let ws = Tensor<Float>.randomNormal(shape: [16, 4, 3, 3], using: &rng)
        let bs = Tensor<Float>.randomNormal(shape: [16], using: &rng)
        func run(threads: Int) -> [Tensor<Float>] {
            let saved = Parallelism.threadCount
            Parallelism.threadCount = threads
            defer { Parallelism.threadCount = saved }
            let x = Variable(xs), w = Variable(ws), b = Variable(bs)
            let y = maxPool2d(relu(conv2d(x, filter: w, bias: b, padding: 1, groups: 2)), kernelSize: 2)
            let z = avgPool2d(y, kernelSize: 3, stride: 1, padding: 1)
            (z * z).sum().backward()
            return [z.value, x.grad!, w.grad!, b.grad!]
        }
        let one = run(threads: 1), two = run(threads: 2), three = run(threads: 3)
        if SystemBLAS.isActive {
            // A system BLAS does not promise bit-identical results across thread counts (documented).
            #expect(ParallelismTests.close(one, two) && ParallelismTests.close(one, three))
        } else {
            #expect(one == two)
            #expect(one == three)
        }
    }

    @Test("unfold and fold are adjoint: ⟨unfold(x), c⟩ = ⟨x, fold(c)⟩")
    func adjoint() {
        var rng = SeededGenerator(seed: 3)
        let g = ConvolutionGeometry(batch: 2, channels: 3, height: 5, width: 6, kernel: (3, 2), stride: (2, 1),
                                    padding: (1, 2), dilation: (1, 2), groups: 1)
        let x = Tensor<Double>.randomNormal(shape: g.inputShape, using: &rng)
        let c = Tensor<Double>.randomNormal(shape: g.columnsShape, using: &rng)
        let left = (x.unfolded(g) * c).sum().scalar, right = (x * c.folded(g)).sum().scalar
        #expect(abs(left - right) <= 1e-12 * max(1, abs(left)))
    }
    @Test("a filter whose channels do not fit the input names conv2d, both shapes, the caller's line and the fix")
    func channelMismatch() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Variable(Tensor<Double>.ones(shape: [1, 3, 5, 5]))
            _ = conv2d(x, filter: Variable(Tensor<Double>.ones(shape: [4, 2, 3, 3])))
        }
        let text = ErrorMessageTests.stderr(result)
        #expect(text.contains("ConvolutionTests.swift:"))
        #expect(text.contains("conv2d: input of shape [1, 3, 5, 5] and filter of shape [4, 2, 3, 3]"))
        #expect(text.contains("Fix: the filter's axis 1 must be input channels / groups = 3"))
    }

    @Test("a kernel larger than the padded input, and an unbatched image, stop with the fix")
    func noOutputPosition() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = conv1d(Tensor<Float>.ones(shape: [1, 1, 4]), filter: .ones(shape: [1, 1, 3]), dilation: 3)
        }
        #expect(ErrorMessageTests.stderr(result).contains("conv1d: input of shape [1, 1, 4] and filter of shape [1, 1, 3]"))
        #expect(ErrorMessageTests.stderr(result).contains("there is no output position"))
        let unbatched = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = maxPool2d(Variable(Tensor<Float>.ones(shape: [3, 8, 8])), kernelSize: 2)
        }
        #expect(ErrorMessageTests.stderr(unbatched).contains("maxPool2d: input of shape [3, 8, 8]"))
        #expect(ErrorMessageTests.stderr(unbatched).contains("add a batch axis"))
    }
}
