import Foundation
import Testing
@testable import AutoDiff

/// A conv2d recorded with a broken rule: its filter gradient uses the unfolded input scaled by 2 instead of the
/// columns its forward pass saw (a stale or wrongly reused buffer), so ∂W is twice the truth.
func convolutionWithStaleColumns(_ x: Variable<Double>, _ w: Variable<Double>, padding: Int,
                                 file: StaticString = #fileID, line: UInt = #line) -> Variable<Double> {
    let geometry = convolutionGeometry("conv2d", input: x.shape, filter: w.shape, bias: nil, stride: (1, 1),
                                       padding: (padding, padding), dilation: (1, 1), groups: 1, shown: (x.shape, w.shape),
                                       layout: ("[N, C, H, W]", "[O, C/groups, kH, kW]"), site: CallSite(file: file, line: line))
    let (value, columns) = x.value.convolved(geometry, filter: w.value, bias: nil)
    return Variable.record(value, "conv2d", [x, w], site: CallSite(file: file, line: line)) {
        .convolution(.convolution(geometry, columns: columns * 2), $0)
    }
}

/// A maxPool2d recorded with a broken rule: the gradient goes to each window's first element, not its maximum.
func maxPoolToFirstElement(_ x: Variable<Double>, kernelSize k: Int, file: StaticString = #fileID, line: UInt = #line) -> Variable<Double> {
    let geometry = poolingGeometry("maxPool2d", input: x.shape, kernelSize: k, stride: nil, padding: 0, site: CallSite(file: file, line: line))
    let (value, _) = x.value.maxPooled(geometry)
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    var first: [Int] = []
    for plane in 0..<(n * c) {
        for i in stride(from: 0, through: h - k, by: k) {
            for j in stride(from: 0, through: w - k, by: k) { first.append(plane * h * w + i * w + j) }
        }
    }
    return Variable.record(value, "maxPool2d", [x], site: CallSite(file: file, line: line)) { .convolution(.maxPool(geometry, indices: first), $0) }
}

@Suite("Locating a faulty rule among convolutions and pooling")
struct ConvolutionRuleCheckTests {
    /// Images [2, 2, 4, 4] and filters [3, 2, 3, 3] of distinct values (no ties for a window's maximum).
    static let image = Tensor<Double>(shape: [2, 2, 4, 4], scalars: (0..<64).map { (k: Int) -> Double in
        Foundation.sin(Double(k) * 1.7) + Double(k) / 50
    })
    static let filter = Tensor<Double>(shape: [3, 2, 3, 3], scalars: (0..<54).map { (k: Int) -> Double in Foundation.cos(Double(k) * 0.9) / 3 })
    static let bias = Tensor<Double>([0.1, -0.2, 0.3])

    @Test("with every rule right, a composite of conv2d, conv1d, maxPool2d and avgPool2d passes")
    func allRight() {
        let report = checkGradients(of: { xs in
            let y = conv2d(xs[0], filter: xs[1], bias: xs[2], padding: 1)              // [2, 3, 4, 4]
            let pooled = maxPool2d(tanh(y), kernelSize: 2) + avgPool2d(y, kernelSize: 2)   // [2, 3, 2, 2]
            let sequence = conv1d(pooled.reshaped(to: [2, 3, 4]), filter: xs[1].reshaped(to: [6, 3, 3]), padding: 1)
            return (sequence * sequence).sum()
        }, at: [Self.image, Self.filter, Self.bias])
        #expect(report.passed, "\(report)")
        #expect(report.faultyRule == nil)
    }

    @Test("a convolution whose filter rule is wrong is located, with its place and the filter's element")
    func brokenConvolution() {
        var line = 0
        let report = checkGradients(of: { xs in
            line = #line + 1
            let y = convolutionWithStaleColumns(xs[0], xs[1], padding: 1)
            return (maxPool2d(relu(y + 0.5), kernelSize: 2) * 3).sum()
        }, at: [Self.image, Self.filter])
        #expect(!report.passed)
        let fault = report.faultyRule
        #expect(fault?.operation == "conv2d")
        #expect(fault?.file == "AutoDiffTests/ConvolutionRuleCheckTests.swift" && fault?.line == line)
        #expect(fault?.input == 1)                                    // the filter, not the image
        #expect(fault?.inputShapes == [[2, 2, 4, 4], [3, 2, 3, 3]])
        #expect(fault.map { Swift.abs($0.analytical - 2 * $0.numerical) < 1e-6 } == true)   // twice the truth
    }

    @Test("a max pooling whose rule routes the gradient to the wrong element is located after a correct convolution")
    func brokenPooling() {
        var line = 0
        let report = checkGradients(of: { xs in
            let y = conv2d(xs[0], filter: xs[1], padding: 1)
            line = #line + 1
            let pooled = maxPoolToFirstElement(tanh(y), kernelSize: 2)
            return (pooled * pooled).sum()
        }, at: [Self.image, Self.filter])
        #expect(!report.passed)
        let fault = report.faultyRule
        #expect(fault?.operation == "maxPool2d")
        #expect(fault?.line == line)
        #expect(fault?.input == 0)
        #expect(fault?.inputShapes == [[2, 3, 4, 4]])
    }

    @Test("ties for a window's maximum (ReLU's zeros) are kinks, not faults: the broken rule after them is found")
    func tiesAreNotFaults() {
        let broken = DifferentiableFunction<Double>(name: "brokenSquare", forward: { $0[0] * $0[0] },
                                                    pullback: { g, xs, _ in [g * xs[0]] })
        let report = checkGradients(of: { xs in
            // relu(y − 10) is 0 almost everywhere: most 2×2 windows are ties at 0.
            let pooled = maxPool2d(relu(conv2d(xs[0], filter: xs[1], padding: 1) - 10) + 1, kernelSize: 2)
            return broken(pooled).sum() + broken(xs[0]).sum()   // the second makes the whole check fail
        }, at: [Self.image, Self.filter])
        #expect(!report.passed)
        #expect(report.faultyRule?.operation == "brokenSquare")
        #expect(report.faultyRule?.inputShapes == [[2, 3, 2, 2]])   // the first broken call, after the pooling
    }
}
