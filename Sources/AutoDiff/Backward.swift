// The reverse sweep: one pass over the tape from the output back to the first node, no recursion.

extension Tape {
    /// The recorded value of node `j` as a variable for a derivative rule: a constant, or with `createGraph`
    /// a node of this tape so that the rule's own operations are recorded (higher-order gradients).
    @inlinable
    func variable(_ j: Int32, _ createGraph: Bool) -> Variable<Scalar> {
        createGraph ? Variable(value: values[Int(j)], tape: self, index: j) : Variable(constant: values[Int(j)])
    }

    /// Whether node `j` can receive a gradient (constants cannot).
    @inlinable
    func needsGradient(_ j: Int32) -> Bool {
        if case .constant = ops[Int(j)] { return false }
        return true
    }

    /// Propagates `seed` from node `root` to every node it depends on, in reverse order of recording,
    /// and hands each leaf's total gradient to `deliver`.
    ///
    /// - Parameters:
    ///   - createGraph: record the sweep itself, so the gradients can be differentiated again.
    ///   - release: mark the op nodes swept as released, so that a second sweep through them stops with
    ///     a message instead of silently reusing them (PyTorch frees them; `retainGraph` keeps them).
    @inlinable
    func sweep(from root: Int32, seed: Variable<Scalar>, createGraph: Bool, release: Bool, site: CallSite,
               deliver: (Leaf<Scalar>, Variable<Scalar>) -> Void) {
        let savedMode = context.gradientsEnabled
        context.gradientsEnabled = createGraph
        defer { context.gradientsEnabled = savedMode }

        var grads = [Variable<Scalar>?](repeating: nil, count: Int(root) + 1)
        grads[Int(root)] = seed

        @inline(__always)
        func accumulate(_ j: Int32, _ contribution: Variable<Scalar>?) {
            guard var v = contribution, needsGradient(j) else { return }
            let shape = values[Int(j)].shape
            if v.shape != shape { v = v.summedToShape(shape) }   // undo broadcasting, once, here
            if let existing = grads[Int(j)] { grads[Int(j)] = existing + v } else { grads[Int(j)] = v }
        }

        var i = Int(root)
        while i >= 0 {
            defer { i -= 1 }
            guard let g = grads[i] else { continue }
            grads[i] = nil
            let node = Int32(i)
            if !retainRequests.isEmpty, retainRequests.contains(node) {
                retainedGradients[node] = retainedGradients[node].map { $0 + g.value } ?? g.value
            }
            switch ops[i] {
            case .leaf(let k):
                deliver(leaves[Int(k)], g)
                continue
            case .constant:
                continue
            case .released:
                usageError("backward()", "the graph was already differentiated and released (node \(i), value of shape \(values[i].shape))",
                           fix: "pass retainGraph: true to the first backward() to differentiate the same graph again, " +
                               "or recompute the forward pass", at: site)
            case .arithmetic(let op, let a, let b):
                let (ga, gb) = op.pullback(g, variable(a, createGraph), variable(b, createGraph), variable(node, createGraph),
                                           needsGradient(a), needsGradient(b))
                accumulate(a, ga)
                accumulate(b, gb)
            case .elementwise(let op, let a):
                accumulate(a, op.pullback(g, variable(a, createGraph), variable(node, createGraph)))
            case .reduction(let op, let a):
                accumulate(a, op.pullback(g, variable(a, createGraph), variable(node, createGraph)))
            case .matmul(let a, let b):
                let (ga, gb) = matmulPullback(g, variable(a, createGraph), variable(b, createGraph),
                                              needsGradient(a), needsGradient(b))
                accumulate(a, ga)
                accumulate(b, gb)
            case .shape(let op, let a):
                accumulate(a, op.pullback(g, inputShape: values[Int(a)].shape))
            case .indexing(let op, let a):
                accumulate(a, op.pullback(g, inputShape: values[Int(a)].shape))
            case .concatenate(let inputs, let axis):
                let parts = concatenatePullback(g, shapes: inputs.map { values[Int($0)].shape }, axis: axis)
                for (j, part) in zip(inputs, parts) { accumulate(j, part) }
            case .select(let mask, let a, let b):
                let zero = Variable<Scalar>(constant: Tensor(0))
                if needsGradient(a) { accumulate(a, select(mask, g, zero)) }
                if needsGradient(b) { accumulate(b, select(mask, zero, g)) }
            case .custom(let rule, let inputs):
                let parts = rule.pullback(g, inputs.map { variable($0, createGraph) }, variable(node, createGraph))
                if parts.count != inputs.count {
                    usageError("backward() through \(rule.name)", "its pullback returned \(parts.count) gradients for \(inputs.count) inputs",
                               fix: "return one gradient (or nil) per input, in order", at: rule.site)
                }
                for (j, part) in zip(inputs, parts) {
                    if let part, part.shape != values[Int(j)].shape,
                       !ShapeMath.broadcasts(values[Int(j)].shape, to: part.shape) {
                        usageError("backward() through \(rule.name)",
                                   "its pullback returned a gradient of shape \(part.shape) for an input of shape \(values[Int(j)].shape)",
                                   fix: "return gradients shaped like the inputs", at: rule.site)
                    }
                    accumulate(j, part)
                }
            }
            if release { ops[i] = .released }
        }
    }
}

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
    @inlinable
    public func backward(seed: Tensor<Scalar>? = nil, retainGraph: Bool = false, createGraph: Bool = false,
                         file: StaticString = #fileID, line: UInt = #line) {
        let site = CallSite(file: file, line: line)
        let seedValue = Variable.checkedSeed(seed, for: value, op: "backward()", site: site)
        if let leaf {
            leaf.grad = leaf.grad.map { $0 + seedValue } ?? seedValue
            return
        }
        guard let tape else {
            usageError("backward()", "this value (shape \(shape)) does not require a gradient: it was computed from constants " +
                       "only, or inside withoutGradients { }", fix: "make the inputs you differentiate by leaves: Variable(tensor)",
                       at: site)
        }
        tape.sweep(from: index, seed: Variable(constant: seedValue), createGraph: createGraph,
                   release: !(retainGraph || createGraph), site: site) { leaf, g in
            leaf.grad = leaf.grad.map { $0 + g.value } ?? g.value
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
    } else if let tape = output.tape {
        tape.sweep(from: output.index, seed: Variable(constant: seedValue), createGraph: createGraph,
                   release: !(retainGraph || createGraph), site: site) { leaf, g in
            let key = ObjectIdentifier(leaf)
            totals[key] = totals[key].map { $0 + g } ?? g
        }
        if !(retainGraph || createGraph) { tape.close() }
    }
    return inputs.map { x in totals[ObjectIdentifier(x.leaf!)] ?? Variable(constant: .zeros(like: x.value)) }
}
