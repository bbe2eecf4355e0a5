import AutoDiff
import Testing

/// API.md lists `Tensor` in the `AutoDiff` product: it is declared in `TensorCore` (issue 13: the tensor values in a
/// target of their own) and re-exported, so a user's `import AutoDiff` and the qualified `AutoDiff.Tensor` both work.
@Suite("The AutoDiff module")
struct ModuleTests {
    @Test("AutoDiff.Tensor and AutoDiff.Variable name the types, qualified as API.md lists them")
    func qualifiedNames() {
        let t: AutoDiff.Tensor<Double> = AutoDiff.Tensor<Double>([1, 2, 3])
        let v = AutoDiff.Variable(t)
        #expect(v.value.shape == [3])
        #expect(String(reflecting: type(of: t)) == "TensorCore.Tensor<Swift.Double>")
    }
}
