/// A tensor a layer keeps and saves in its parameter file but does not train: PyTorch's buffers, such as
/// `BatchNorm`'s `running_mean`, `running_var` and `num_batches_tracked`.
///
/// A buffer is a reference: the layer updates it in place (in training mode) and parameter files read and
/// write it under the layer's name for it. Its values are kept as `Double`, which holds every `F32` value and
/// every whole number up to 2⁵³ exactly; ``dtype`` says how it is stored in a file.
public final class Buffer {
    /// How a buffer is stored in a safetensors file.
    public enum DType: String, Sendable {
        /// 32-bit floats (`F32`), like the model's parameters.
        case float32 = "F32"
        /// 64-bit signed integers (`I64`), like PyTorch's `num_batches_tracked`.
        case int64 = "I64"
    }

    /// The stored values.
    public var value: Tensor<Double>
    /// The file type.
    public let dtype: DType

    /// A buffer holding `value`, stored as `dtype`.
    public init(_ value: Tensor<Double>, dtype: DType = .float32) {
        self.value = value
        self.dtype = dtype
    }

    /// The shape of the stored tensor.
    public var shape: [Int] { value.shape }
}
