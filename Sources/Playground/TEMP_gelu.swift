import NN
// Interim: the tanh approximation of GELU, until the exact primitive from main is merged (then this file goes).
func gelu(_ x: Variable<Float>) -> Variable<Float> { x * 0.5 * (1 + tanh((x + x * x * x * 0.044715) * 0.7978845608)) }
