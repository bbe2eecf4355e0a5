import Foundation
import Testing
import AutoDiff

/// Programmer errors stop the program with a message naming the operation, the shapes, the caller's place
/// and the fix. Each case runs in a child process (an exit test) and its standard error is checked.
@Suite("Error messages")
struct ErrorMessageTests {
    static func stderr(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test("a broadcasting mismatch names the op and both shapes")
    func broadcastMismatch() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let a = Variable(Tensor<Double>.ones(shape: [2, 3]))
            let b = Variable(Tensor<Double>.ones(shape: [4]))
            _ = a + b
        }
        let text = Self.stderr(result)
        #expect(text.contains("+: shapes [2, 3] and [4] cannot be broadcast together"))
        #expect(text.contains("Fix:"))
    }

    @Test("matmul with mismatched inner sizes names the caller's file and line")
    func matmulMismatch() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let a = Variable(Tensor<Double>.ones(shape: [2, 3]))
            _ = matmul(a, Tensor<Double>.ones(shape: [2, 3]))
        }
        let text = Self.stderr(result)
        #expect(text.contains("ErrorMessageTests.swift:"))
        #expect(text.contains("matmul: shapes [2, 3] and [2, 3] do not fit"))
        #expect(text.contains("Fix:"))
    }

    @Test("backward of a non-scalar without a seed says to reduce or pass a seed")
    func nonScalarBackward() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Variable(Tensor<Double>([1, 2]))
            (x * x).backward()
        }
        let text = Self.stderr(result)
        #expect(text.contains("ErrorMessageTests.swift:"))
        #expect(text.contains("backward(): the output has shape [2], not a single element"))
        #expect(text.contains("pass seed:"))
    }

    @Test("a second backward through a released graph asks for retainGraph")
    func secondBackward() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Variable(2.0)
            let y = exp(x) * x
            y.backward()
            y.backward()
        }
        let text = Self.stderr(result)
        #expect(text.contains("backward(): the graph was already differentiated and released"))
        #expect(text.contains("retainGraph: true"))
    }

    @Test("a scalar of a released graph used in a new graph is refused, not silently wrong")
    func staleScalar() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let w = Variable(2.0)
            let old = w * w
            old.backward()
            let fresh = w * 3      // a new graph reuses the released one's memory
            _ = fresh + old
        }
        let text = Self.stderr(result)
        #expect(text.contains("+: a scalar value of a graph that was already differentiated and released"))
        #expect(text.contains("use .value or .detached()"))
    }

    @Test("a scalar node of another thread's graph used with one of this thread's is refused")
    func scalarsOfTwoThreads() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            final class Box: @unchecked Sendable { var y: Variable<Double>? }
            let box = Box()
            let recorded = DispatchSemaphore(value: 0), finish = DispatchSemaphore(value: 0)
            Thread {
                let w = Variable(2.0)
                box.y = w * w              // a scalar node of this thread's graph
                recorded.signal()
                finish.wait()              // its graph stays current until the process ends
            }.start()
            recorded.wait()
            let v = Variable(3.0)
            _ = v * v + box.y!             // two scalar nodes of two graphs
        }
        let text = Self.stderr(result)
        #expect(text.contains("+: its operands were recorded on two different tapes"))
    }

    @Test("a second backward from a scalar whose graph was released and reused asks for retainGraph")
    func staleBackward() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let w = Variable(2.0)
            let y = w * w
            y.backward()
            (w + 1).backward()
            y.backward()
        }
        let text = Self.stderr(result)
        #expect(text.contains("backward(): a scalar value of a graph that was already differentiated and released"))
        #expect(text.contains("retainGraph: true"))
    }

    @Test("a bad reshape names both shapes")
    func badReshape() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Variable(Tensor<Double>.ones(shape: [2, 3])).reshaped(to: [4])
        }
        let text = Self.stderr(result)
        #expect(text.contains("reshaped(to:): cannot reshape a tensor of shape [2, 3] (6 elements) to [4]"))
    }

    @Test("an out-of-range axis names the axes and the shape")
    func badAxis() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Variable(Tensor<Double>.ones(shape: [2, 3])).sum(alongAxes: 2)
        }
        #expect(Self.stderr(result).contains("sum(alongAxes:): axes [2] are out of range for shape [2, 3]"))
    }

    @Test("backward of a constant says which values need a gradient")
    func constantBackward() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            Variable(Tensor<Double>(1.0), requiresGrad: false).backward()
        }
        #expect(Self.stderr(result).contains("does not require a gradient"))
    }

    @Test("a custom pullback returning the wrong number of gradients names the function")
    func badCustomPullback() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let f = DifferentiableFunction<Double>(name: "twoInputs", forward: { $0[0] * $0[1] },
                                                   pullback: { g, _, _ in [g] })
            f(Variable(1.0), Variable(2.0)).backward()
        }
        #expect(Self.stderr(result).contains("backward() through twoInputs: its pullback returned 1 gradients for 2 inputs"))
    }
}
