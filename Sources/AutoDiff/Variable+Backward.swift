// The public entry points of the backward pass: `backward()` and `gradients(of:withRespectTo:)`. The sweep
// itself is in Backward.swift.

extension Variable {
    /// Computes the gradient of this value with respect to every leaf it depends on, adding it into their
    /// ``grad`` (reverse-mode: one sweep over the tape, from this value back).
    ///
    /// - Parameters:
    ///   - seed: dL/dself; required when this value is not a scalar (a vector–Jacobian product).
    ///   - retainGraph: keep the graph so that it can be differentiated again; otherwise a second
    ///     `backward()` through it stops with a message.
    ///   - createGraph: record the backward pass itself, so that gradients can be differentiated again
    ///     (implies `retainGraph`).
    ///   - file: the caller's file, named in error messages (filled in by the compiler).
    ///   - line: the caller's line, likewise.
    @inlinable
    public func backward(seed: Tensor<Scalar>? = nil, retainGraph: Bool = false, createGraph: Bool = false,
                         file: StaticString = #fileID, line: UInt = #line) {
        let site = CallSite(file: file, line: line)
        let seedValue = Variable.checkedSeed(seed, for: value, op: "backward()", site: site)
        if let leaf {
            let g = leaf.hooks.isEmpty ? seedValue : leaf.applyHooks(to: seedValue, site: site)
            Tensor.accumulate(g, into: &leaf.grad)
            return
        }
        guard let tape = tape("backward()", site: site) else {
            usageError("backward()", "this value (shape \(shape)) does not require a gradient: it was computed from constants " +
                       "only, or inside withoutGradients { }", fix: "make the inputs you differentiate by leaves: Variable(tensor)",
                       at: site)
        }
        if createGraph {
            tape.sweepRecorded(from: index, seed: Variable(constant: seedValue), site: site) { leaf, g in
                Tensor.accumulate(g.value, into: &leaf.grad)
            }
        } else {
            tape.sweepPlain(from: index, seed: seedValue, release: !retainGraph, site: site) { leaf, g in
                Tensor.accumulate(g, into: &leaf.grad)
            }
        }
        if !(retainGraph || createGraph) { tape.close() }
    }

    @inlinable
    static func checkedSeed(_ seed: Tensor<Scalar>?, for value: Tensor<Scalar>, op: StaticString, site: CallSite) -> Tensor<Scalar> {
        guard let seed else {
            if value.scalarCount != 1 {
                usageError("\(op)", "the output has shape \(value.shape), not a single element",
                           fix: "reduce it to a scalar first (e.g. .sum() or .mean()), or pass seed: a tensor of shape \(value.shape)",
                           at: site)
            }
            return Tensor(repeating: 1, shape: value.shape)
        }
        if seed.shape != value.shape {
            usageError("\(op)", "the seed has shape \(seed.shape) but the output has shape \(value.shape)",
                       fix: "pass a seed shaped like the output", at: site)
        }
        return seed
    }
}

/// The gradients of `output` with respect to `inputs`, returned instead of accumulated into `grad`
/// (PyTorch's `torch.autograd.grad`).
///
/// With `createGraph: true` the returned gradients are recorded, so they can be differentiated again.
/// An input `output` does not depend on gets a zero gradient.
@inlinable
public func gradients<Scalar: TensorScalar>(
    of output: Variable<Scalar>, withRespectTo inputs: [Variable<Scalar>], seed: Tensor<Scalar>? = nil,
    retainGraph: Bool = false, createGraph: Bool = false, file: StaticString = #fileID, line: UInt = #line
) -> [Variable<Scalar>] {
    let site = CallSite(file: file, line: line)
    let seedValue = Variable.checkedSeed(seed, for: output.value, op: "gradients(of:withRespectTo:)", site: site)
    for x in inputs where x.leaf == nil {
        usageError("gradients(of:withRespectTo:)", "an input of shape \(x.shape) is not a leaf variable",
                   fix: "differentiate with respect to leaves made by Variable(tensor)", at: site)
    }
    var totals = [ObjectIdentifier: Variable<Scalar>]()
    if let leaf = output.leaf {
        totals[ObjectIdentifier(leaf)] = Variable(constant: seedValue)
    } else if let tape = output.tape("gradients(of:withRespectTo:)", site: site) {
        if createGraph {
            tape.sweepRecorded(from: output.index, seed: Variable(constant: seedValue), site: site) { leaf, g in
                let key = ObjectIdentifier(leaf)
                totals[key] = totals[key].map { $0 + g } ?? g
            }
        } else {
            tape.sweepPlain(from: output.index, seed: seedValue, release: !retainGraph, site: site) { leaf, g in
                let key = ObjectIdentifier(leaf)
                totals[key] = Variable(constant: totals[key].map { $0.value + g } ?? g)
            }
            if !retainGraph { tape.close() }
        }
    }
    return inputs.map { x in totals[ObjectIdentifier(x.leaf!)] ?? Variable(constant: .zeros(like: x.value)) }
}
