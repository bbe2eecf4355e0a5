// The reverse sweep: one pass over the tape from the output back to the first node, no recursion.

extension Tape {
    /// Whether node `j` can receive a gradient (constants cannot).
    @inlinable
    func needsGradient(_ j: Int32) -> Bool {
        !entries[Int(j)].isConstant
    }

    @usableFromInline
    func releasedError(_ i: Int, _ site: CallSite) -> Never {
        usageError("backward()", "the graph was already differentiated and released (node \(i), value of shape \(shape(Int32(i))))",
                   fix: "pass retainGraph: true to the first backward() to differentiate the same graph again, " +
                       "or recompute the forward pass", at: site)
    }

    /// Applies the derivative rule of op node `i` (not a leaf, not a constant) to its output gradient `g`,
    /// handing each input's contribution to `emit` (nil for an input that needs none).
    @_specialize(exported: true, where Scalar == Float, G == Tensor<Float>)
    @_specialize(exported: true, where Scalar == Float, G == Variable<Float>)
    @inlinable
    func applyRule<G: GradientValue>(_ i: Int, _ g: G, _ emit: (Int32, G?) -> Void) where G.Scalar == Scalar {
        let n = Int32(i)
        func node(_ j: Int32) -> G { G._node(self, j) }
        switch op(i) {
        case .leaf, .constant:
            return
        case .arithmetic(let f, let a, let b):
            let (ga, gb) = f.pullback(g, node(a), node(b), node(n), needsGradient(a), needsGradient(b))
            // Handed over, not copied: when a and b are one node, the second contribution is added into the
            // first's buffer, which must then have no other owner (see Tensor.accumulate).
            emit(a, consume ga)
            emit(b, consume gb)
        case .elementwise(let f, let a):
            emit(a, f.pullback(g, node(a), node(n)))
        case .leakyRelu(let a, let alpha):
            emit(a, leakyReluPullback(g, node(a), alpha: alpha))
        case .reduction(let f, let a):
            emit(a, f.pullback(g, node(a), node(n)))
        case .matmul(let a, let b):
            let (ga, gb) = matmulPullback(g, node(a), node(b), needsGradient(a), needsGradient(b))
            emit(a, consume ga)
            emit(b, consume gb)
        case .matmulTransposingRight(let a, let b):
            let (ga, gb) = matmulTransposingRightPullback(g, node(a), node(b), needsGradient(a), needsGradient(b))
            emit(a, consume ga)
            emit(b, consume gb)
        case .shape(let f, let a):
            emit(a, f.pullback(g, inputShape: shape(a)))
        case .indexing(let f, let a):
            emit(a, f.pullback(g, inputShape: shape(a)))
        case .concatenate(let inputs, let axis):
            let parts = concatenatePullback(g, shapes: inputs.map { shape($0) }, axis: axis)
            for (j, part) in zip(inputs, parts) { emit(j, part) }
        case .select(let mask, let a, let b):
            let zero = G(_constant: Tensor(0))
            if needsGradient(a) { emit(a, G._select(mask, g, zero)) }
            if needsGradient(b) { emit(b, G._select(mask, zero, g)) }
        case .custom(let rule, let inputs):
            for (j, part) in zip(inputs, customPullback(rule, g, inputs, n)) { emit(j, part) }
        case .convolution(let f, let inputs):
            for (j, part) in zip(inputs, f.pullback(g, inputs.map(node), inputs.map(needsGradient))) { emit(j, part) }
        }
    }

    /// A plain backward pass (nothing recorded): propagates `seed` from node `root` back to the first node
    /// and hands each leaf's gradient to `deliver`.
    ///
    /// Gradients of rank-0 nodes live in a plain scalar buffer; which nodes received one is a bit of their entry
    /// (``Entry/reached``, cleared as the node is swept). A scalar node is differentiated from the values stored
    /// when it was recorded (``sweepScalarNode(_:_:_:)``: `grad[a] += g·∂y/∂a`, `grad[b] += g·∂y/∂b`); another
    /// rank-0 arithmetic or elementwise node (an operand came from a tensor graph) runs its rule on plain scalars
    /// (``sweepRankZeroNode(_:_:)``); every other node runs its rule on tensors (``applyRule(_:_:_:)``).
    ///
    /// - Parameter release: mark the nodes swept as released, so that a second sweep through them stops
    ///   with a message instead of silently reusing them (PyTorch frees them; `retainGraph` keeps them).
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    func sweepPlain(from root: Int32, seed: Tensor<Scalar>, release: Bool, site: CallSite,
                    deliver: (Leaf<Scalar>, Tensor<Scalar>) -> Void) {
        let count = Int(root) + 1
        // A plain buffer for rank-0 gradients: no uniqueness check per access.
        let scalarGrads = UnsafeMutablePointer<Scalar>.allocate(capacity: count)
        scalarGrads.initialize(repeating: 0, count: count)
        defer { scalarGrads.deallocate() }
        var tensorGrads = [Tensor<Scalar>?](repeating: nil, count: tensors.count)
        let entries = self.entries
        // Rules and hooks run on tensors with recording off: nothing they compute (a custom rule that uses a
        // leaf, say) is appended to this tape while it is swept.
        let savedRecording = context.gradientsEnabled
        context.gradientsEnabled = false
        defer { context.gradientsEnabled = savedRecording }
        differentiatedRoot = root

        let rootSlot = entries[Int(root)].slot
        entries[Int(root)].flags |= Entry<Scalar>.Flags.reached
        if rootSlot < 0 { scalarGrads[Int(root)] = seed.inline } else { tensorGrads[Int(rootSlot)] = seed }

        // Retained gradients, hooks and a watching thread (anomalies, a trace) look at every node: such a
        // sweep takes the general path for every node, the others the scalar paths.
        let watch = context.watch
        let inspecting = !retainRequests.isEmpty || !hooks.isEmpty || watch != nil
        // Sweeping a node clears its reached bit and, unless the graph is retained, marks it released.
        let mark = release ? Entry<Scalar>.Flags.released : 0
        // The flag that sends a node to the scalar path: none while inspecting.
        let scalarPath = inspecting ? 0 : Entry<Scalar>.Flags.scalarNode
        var i = count - 1
        while i >= 0 {
            defer { i -= 1 }
            let entry = entries[i]
            guard entry.reached else { continue }
            if entry.released { releasedError(i, site) }
            let swept = entry.flags & ~Entry<Scalar>.Flags.reached
            if entry.flags & scalarPath != 0 {
                entries[i].flags = swept | mark
                sweepScalarNode(entry, scalarGrads[i], scalarGrads, entries)
                continue
            }
            // Leaves and constants are never marked released.
            entries[i].flags = entry.isLeaf || entry.isConstant ? swept : swept | mark
            if entry.isConstant { continue }   // takes no gradient
            let slot = entry.slot
            let n = Int32(i)
            if inspecting {
                var g = slot < 0 ? Tensor(scalarGrads[i]) : tensorGrads[Int(slot)]!
                if let nodeHooks = hooks[n] {
                    g = applyHooks(nodeHooks, to: g, node: n, site: site)
                    if slot < 0 { scalarGrads[i] = g.inline } else { tensorGrads[Int(slot)] = g }
                }
                if retainRequests.contains(n) {
                    retainedGradients[n] = retainedGradients[n].map { $0 + g } ?? g
                }
                if let watch { watch.trace?(traceReceives(i, g)) }
            }
            if slot < 0 && !inspecting && sweepRankZeroNode(i, scalarGrads) { continue }
            let g = slot < 0 ? Tensor(scalarGrads[i]) : tensorGrads[Int(slot)]!
            if slot >= 0 { tensorGrads[Int(slot)] = nil }
            if entry.isLeaf {
                let leaf = leaves[Int(entry.a)]
                deliver(leaf, leaf.hooks.isEmpty ? g : leaf.applyHooks(to: g, site: site))
                continue
            }
            applyRule(i, g) { j, contribution in
                guard var c = contribution, needsGradient(j) else { return }
                if let watch { watchContribution(watch, from: i, to: j, gradient: g, contribution: c) }
                let target = entries[Int(j)].slot
                if target < 0 {
                    if c.rank != 0 { c = c.sum() }   // undo broadcasting, once, here
                    scalarGrads[Int(j)] += c.inline
                } else {
                    let shape = tensors[Int(target)].shape
                    if c.shape != shape { c = c.summedToShape(shape) }
                    Tensor.accumulate(c, into: &tensorGrads[Int(target)])   // in place: no new buffer per use
                }
                entries[Int(j)].flags |= Entry<Scalar>.Flags.reached
            }
        }
    }

    /// Differentiates scalar node `entry` given its gradient `g`: its local partials (its rule at g = 1 on the
    /// stored values), times `g`, added into its inputs' gradients in `grads`, which are marked reached. (A
    /// constant input receives a contribution too, never read; only a power skips computing it, a logarithm.)
    @inlinable @inline(__always)
    func sweepScalarNode(_ entry: Entry<Scalar>, _ g: Scalar, _ grads: UnsafeMutablePointer<Scalar>,
                         _ entries: UnsafeMutablePointer<Entry<Scalar>>) {
        let a = Int(entry.a)
        if entry.kind == .arithmetic {
            let b = Int(entry.b)
            let needB = entry.code != ArithmeticOp.power.rawValue || !entries[b].isConstant
            let (da, db) = entry.arithmeticOp.partials(entries[a].scalar, entries[b].scalar, entry.scalar, needB: needB)
            grads[a] += g * da
            entries[a].flags |= Entry<Scalar>.Flags.reached
            grads[b] += g * db
            entries[b].flags |= Entry<Scalar>.Flags.reached
        } else {
            let x = entries[a].scalar
            // relu (the nonlinearity of micrograd-style networks) without the call through the switch of rules.
            let d = entry.code == ElementwiseOp.relu.rawValue ? ElementwiseOp.relu.partial(x, entry.scalar)
                : entry.elementwiseOp.partial(x, entry.scalar)
            grads[a] += g * d
            entries[a].flags |= Entry<Scalar>.Flags.reached
        }
    }

    /// A recorded backward pass (`createGraph`): the rules run on `Variable`s, so the gradients it delivers
    /// are themselves recorded and can be differentiated again.
    @_specialize(exported: true, where Scalar == Float)
    @inlinable
    func sweepRecorded(from root: Int32, seed: Variable<Scalar>, site: CallSite,
                       deliver: (Leaf<Scalar>, Variable<Scalar>) -> Void) {
        let savedMode = context.gradientsEnabled
        context.gradientsEnabled = true
        // The rules' own operations are recorded, not checked as forward operations of the user's code.
        let watch = context.watch
        let savedPhase = watch?.inBackward
        watch?.inBackward = true
        defer {
            context.gradientsEnabled = savedMode
            if let savedPhase { watch?.inBackward = savedPhase }
        }
        differentiatedRoot = root

        var grads = [Variable<Scalar>?](repeating: nil, count: Int(root) + 1)
        grads[Int(root)] = seed
        var i = Int(root)
        while i >= 0 {
            defer { i -= 1 }
            guard let incoming = grads[i] else { continue }
            grads[i] = nil
            if isReleased(i) { releasedError(i, site) }
            let n = Int32(i)
            var g = incoming
            if let nodeHooks = hooks[n] {
                // A hook sees and returns tensors: a changed gradient is a constant for higher derivatives.
                let changed = applyHooks(nodeHooks, to: g.value, node: n, site: site)
                if changed != g.value { g = Variable(constant: changed) }
            }
            if !retainRequests.isEmpty, retainRequests.contains(n) {
                retainedGradients[n] = retainedGradients[n].map { $0 + g.value } ?? g.value
            }
            if let watch { watch.trace?(traceReceives(i, g.value)) }
            let entry = entries[i]
            if entry.isConstant { continue }
            if entry.isLeaf {
                let leaf = leaves[Int(entry.a)]
                if !leaf.hooks.isEmpty {
                    let changed = leaf.applyHooks(to: g.value, site: site)
                    if changed != g.value { g = Variable(constant: changed) }
                }
                deliver(leaf, g)
                continue
            }
            applyRule(i, g) { j, contribution in
                guard var v = contribution, needsGradient(j) else { return }
                if let watch { watchContribution(watch, from: i, to: j, gradient: g.value, contribution: v.value) }
                let shape = shape(j)
                if v.shape != shape { v = v.summedToShape(shape) }   // undo broadcasting, once, here
                grads[Int(j)] = grads[Int(j)].map { $0 + v } ?? v
            }
        }
    }

    /// Differentiates a rank-0 arithmetic or elementwise node `i` that is not a scalar node (an operand came from a
    /// tensor graph) when its operands are rank 0 too: its rule on plain scalars (G = ``RuleScalar``), adding the
    /// inputs' contributions into `grads` and marking them reached. Returns false (doing nothing) otherwise.
    @inlinable @inline(__always)
    func sweepRankZeroNode(_ i: Int, _ grads: UnsafeMutablePointer<Scalar>) -> Bool {
        let entry = entries[i]
        let g = RuleScalar(grads[i])
        @inline(__always)
        func add(_ j: Int32, _ c: RuleScalar<Scalar>?) {
            guard let c else { return }
            grads[Int(j)] += c.value
            entries[Int(j)].flags |= Entry<Scalar>.Flags.reached
        }
        let a = entry.a, b = entry.b
        switch entry.kind {
        case .arithmetic:
            let ea = entries[Int(a)], eb = entries[Int(b)]
            guard ea.slot < 0, eb.slot < 0 else { return false }
            let (da, db) = entry.arithmeticOp.pullback(g, RuleScalar(ea.scalar), RuleScalar(eb.scalar),
                                                       RuleScalar(entry.scalar), !ea.isConstant, !eb.isConstant)
            if !ea.isConstant { add(a, da) }
            if !eb.isConstant { add(b, db) }
            return true
        case .elementwise:
            let ea = entries[Int(a)]
            guard ea.slot < 0 else { return false }
            if !ea.isConstant { add(a, entry.elementwiseOp.pullback(g, RuleScalar(ea.scalar), RuleScalar(entry.scalar))) }
            return true
        case .leaf, .constant, .matmul, .extended:
            return false
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
            let shape = shape(j)
            if part.shape != shape && !ShapeMath.broadcasts(shape, to: part.shape) {
                usageError("backward() through \(rule.name)",
                           "its pullback returned a gradient of shape \(part.shape) for an input of shape \(shape)",
                           fix: "return gradients shaped like the inputs", at: rule.site)
            }
            return (part as? G) ?? G(_constant: part.value)
        }
    }
}
