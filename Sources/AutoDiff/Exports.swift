// `import AutoDiff` brings the tensor values too: `Tensor`, its math and kernels live in the TensorCore target,
// which knows nothing of differentiation.
@_exported import TensorCore
// The graph pictures (`TapeGraph`: DOT, Mermaid, SVG) are drawn by the TapeDrawing target, which knows
// nothing of tapes or tensors, so that a release build compiles it beside TensorCore.
@_exported import TapeDrawing
