// `import NN` also gives everything of AutoDiff: tensors, variables and the differentiable operations.
@_exported import AutoDiff
