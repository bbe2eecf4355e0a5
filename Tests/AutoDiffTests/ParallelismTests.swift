import Testing
import AutoDiff

@Suite("Parallel kernels")
struct ParallelismTests {
    @Test("matmul and its gradients are bit-identical on 1 and 2 threads", arguments: [[70, 130, 66], [2, 3, 64, 96, 80]])
    func threadCountDoesNotChangeResults(shape: [Int]) {
        var rng = SeededGenerator(seed: 11)
        let batch = Array(shape.dropLast(3)), m = shape[shape.count - 3], k = shape[shape.count - 2], n = shape[shape.count - 1]
        let a = Tensor<Float>.randomNormal(shape: batch + [m, k], using: &rng)
        let b = Tensor<Float>.randomNormal(shape: batch + [k, n], using: &rng)
        func run(threads: Int) -> [Tensor<Float>] {
            let saved = Parallelism.threadCount
            Parallelism.threadCount = threads
            defer { Parallelism.threadCount = saved }
            let x = Variable(a), w = Variable(b)
            let y = matmul(x, w)
            (y * y).sum().backward()
            return [y.value, x.grad!, w.grad!]
        }
        let one = run(threads: 1), two = run(threads: 2), three = run(threads: 3)
        #expect(one == two)
        #expect(one == three)
    }
}
