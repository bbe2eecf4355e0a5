// `import AutoDiff` brings the tensor values too: `Tensor`, its math and kernels live in the TensorCore target,
// which knows nothing of differentiation.
@_exported import TensorCore
