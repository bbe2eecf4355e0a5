// The reverse sweep: one pass over the tape from the output back to the first node, no recursion.

extension Tape {
    /// Whether node `j` can receive a gradient (constants cannot).
    @inlinable
    func needsGradient(_ j: Int32) -> Bool {
        if case .constant = ops[Int(j)] { return false }
        return true
    }

    /// Propagates `seed` from node `root` to every node it depends on, in reverse order of recording,
    /// and hands each leaf's gradient to `deliver`.
    ///
    /// The rules run on `G`: `Tensor` for a plain pass, `Variable` to record the pass itself
    /// (`createGraph`), so that the gradients can be differentiated again.
    ///
    /// - Parameter release: mark the op nodes swept as released, so that a second sweep through them stops
    ///   with a message instead of silently reusing them (PyTorch frees them; `retainGraph` keeps them).
    @inlinable
    func sweep<G: GradientValue>(_ type: G.Type, from root: Int32, seed: G, release: Bool, site: CallSite,
                                 deliver: (Leaf<Scalar>, G) -> Void) where G.Scalar == Scalar {
        let savedMode = context.gradientsEnabled
        context.gradientsEnabled = G.self == Variable<Scalar>.self
        defer { context.gradientsEnabled = savedMode }

        var grads = [G?](repeating: nil, count: Int(root) + 1)
        grads[Int(root)] = seed

        @inline(__always)
        func accumulate(_ j: Int32, _ contribution: G?) {
            guard var v = contribution, needsGradient(j) else { return }
            let shape = values[Int(j)].shape
            if v.shape != shape { v = v.summedToShape(shape) }   // undo broadcasting, once, here
            if let existing = grads[Int(j)] { grads[Int(j)] = existing + v } else { grads[Int(j)] = v }
        }
        @inline(__always)
        func node(_ j: Int32) -> G { G._node(self, j) }

        var i = Int(root)
        while i >= 0 {
            defer { i -= 1 }
            guard let g = grads[i] else { continue }
            grads[i] = nil
            let n = Int32(i)
            if !retainRequests.isEmpty, retainRequests.contains(n) {
                retainedGradients[n] = retainedGradients[n].map { $0 + g._tensor } ?? g._tensor
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
                let (ga, gb) = op.pullback(g, node(a), node(b), node(n), needsGradient(a), needsGradient(b))
                accumulate(a, ga)
                accumulate(b, gb)
            case .elementwise(let op, let a):
                accumulate(a, op.pullback(g, node(a), node(n)))
            case .reduction(let op, let a):
                accumulate(a, op.pullback(g, node(a), node(n)))
            case .matmul(let a, let b):
                let (ga, gb) = matmulPullback(g, node(a), node(b), needsGradient(a), needsGradient(b))
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
                let zero = G(_constant: Tensor(0))
                if needsGradient(a) { accumulate(a, G._select(mask, g, zero)) }
                if needsGradient(b) { accumulate(b, G._select(mask, zero, g)) }
            case .custom(let rule, let inputs):
                for (j, part) in zip(inputs, customPullback(rule, g, inputs, n)) { accumulate(j, part) }
            }
            if release { ops[i] = .released }
        }
    }

    /// Runs a user-defined pullback (written with `Variable`s) and checks what it returned.
    @inlinable
    func customPullback<G: GradientValue>(_ rule: CustomRule<Scalar>, _ g: G, _ inputs: [Int32], _ n: Int32) -> [G?]
    where G.Scalar == Scalar {
        func asVariable(_ x: G) -> Variable<Scalar> {
            (x as? Variable<Scalar>) ?? Variable(constant: x._tensor)
        }
        let parts = rule.pullback(asVariable(g), inputs.map { asVariable(G._node(self, $0)) }, asVariable(G._node(self, n)))
        if parts.count != inputs.count {
            usageError("backward() through \(rule.name)", "its pullback returned \(parts.count) gradients for \(inputs.count) inputs",
                       fix: "return one gradient (or nil) per input, in order", at: rule.site)
        }
        return zip(inputs, parts).map { j, part in
            guard let part else { return nil }
            let shape = values[Int(j)].shape
            if part.shape != shape && !ShapeMath.broadcasts(shape, to: part.shape) {
                usageError("backward() through \(rule.name)",
                           "its pullback returned a gradient of shape \(part.shape) for an input of shape \(shape)",
                           fix: "return gradients shaped like the inputs", at: rule.site)
            }
            return (part as? G) ?? G(_constant: part.value)
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
        if createGraph {
            tape.sweep(Variable<Scalar>.self, from: index, seed: Variable(constant: seedValue), release: false,
                       site: site) { leaf, g in
                leaf.grad = leaf.grad.map { $0 + g.value } ?? g.value
            }
        } else {
            tape.sweep(Tensor<Scalar>.self, from: index, seed: seedValue, release: !retainGraph, site: site) { leaf, g in
                leaf.grad = leaf.grad.map { $0 + g } ?? g
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
    } else if let tape = output.tape {
        if createGraph {
            tape.sweep(Variable<Scalar>.self, from: output.index, seed: Variable(constant: seedValue), release: false,
                       site: site) { leaf, g in
                let key = ObjectIdentifier(leaf)
                totals[key] = totals[key].map { $0 + g } ?? g
            }
        } else {
            tape.sweep(Tensor<Scalar>.self, from: output.index, seed: seedValue, release: !retainGraph,
                       site: site) { leaf, g in
                let key = ObjectIdentifier(leaf)
                totals[key] = Variable(constant: totals[key].map { $0.value + g } ?? g)
            }
            if !retainGraph { tape.close() }
        }
    }
    return inputs.map { x in totals[ObjectIdentifier(x.leaf!)] ?? Variable(constant: .zeros(like: x.value)) }
}
