// `import AutoDiff` brings the tensor values too: `Tensor` (TensorCore), its math (TensorMath) and its reductions,
// products and convolutions (TensorLinearAlgebra), which know nothing of differentiation.
@_exported import TensorCore
@_exported import TensorMath
@_exported import TensorLinearAlgebra
// The graph pictures (`TapeGraph`: DOT, Mermaid, SVG) are drawn by the TapeDrawing target, which knows
// nothing of tapes or tensors, so that a release build compiles it beside TensorCore.
@_exported import TapeDrawing
