// `import NN` also gives everything of AutoDiff: tensors, variables and the differentiable operations.
@_exported import AutoDiff
// Data sets, scaling, one-hot encoding, CSV tables and safetensors files: NNData, which needs only the tensor
// values, so that a release build compiles it beside AutoDiff.
@_exported import NNData
