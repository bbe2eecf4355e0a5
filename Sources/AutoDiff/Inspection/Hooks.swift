// Gradient hooks (PyTorch's register_hook): a function called with a node's gradient during backward, whose
// result is used in its place.

/// A function registered on a variable, called with its gradient in each backward pass.
@usableFromInline
final class GradientHook<Scalar: TensorScalar> {
    let body: (Tensor<Scalar>) -> Tensor<Scalar>
    init(_ body: @escaping (Tensor<Scalar>) -> Tensor<Scalar>) { self.body = body }

    /// The hook's result for `g`, which must keep `g`'s shape.
    func apply(_ g: Tensor<Scalar>, site: CallSite) -> Tensor<Scalar> {
        let result = body(g)
        if result.shape != g.shape {
            usageError("backward()", "a gradient hook returned a tensor of shape \(result.shape) for a gradient of shape \(g.shape)",
                       fix: "return a tensor shaped like the gradient it was given (e.g. gradient * 0.5)", at: site)
        }
        return result
    }
}

extension Leaf {
    @usableFromInline
    func applyHooks(to g: Tensor<Scalar>, site: CallSite) -> Tensor<Scalar> {
        var g = g
        for hook in hooks { g = hook.apply(g, site: site) }
        return g
    }
}

/// What ``Variable/registerHook(_:)`` returns: ``remove()`` unregisters the hook.
public final class HookHandle {
    private var removal: (() -> Void)?
    init(removal: @escaping () -> Void) { self.removal = removal }

    /// Unregisters the hook: later backward passes no longer call it. Removing twice does nothing.
    public func remove() {
        removal?()
        removal = nil
    }
}

extension Variable {
    /// Registers `hook` to be called with this value's gradient dL/dself in every backward pass that reaches
    /// it; what it returns is used instead (so it changes every gradient computed from it). PyTorch's
    /// `register_hook`.
    ///
    /// On a leaf, the hook gets the gradient of each backward pass before it is added into ``grad``; on a
    /// computed value (of this graph), the gradient once every use of the value has contributed. The hook runs
    /// with recording off; in a `createGraph` pass a changed gradient is a constant for higher derivatives.
    ///
    /// ```swift
    /// let handle = w.registerHook { gradient in gradient * 0.5 }   // halve w's gradient
    /// handle.remove()
    /// ```
    ///
    /// - Returns: a handle whose ``HookHandle/remove()`` unregisters the hook.
    @discardableResult
    public func registerHook(_ hook: @escaping (Tensor<Scalar>) -> Tensor<Scalar>,
                             file: StaticString = #fileID, line: UInt = #line) -> HookHandle {
        let made = GradientHook(hook)
        if let leaf {
            leaf.hooks.append(made)
            return HookHandle { [weak leaf] in leaf?.hooks.removeAll { $0 === made } }
        }
        guard let tape = self.tape("registerHook(_:)", site: CallSite(file: file, line: line)) else {
            usageError("registerHook(_:)", "this value (shape \(shape)) does not require a gradient, so no backward pass reaches it",
                       fix: "register hooks on leaves (Variable(tensor)) or on values computed from them", at: CallSite(file: file, line: line))
        }
        let node = index
        tape.hooks[node, default: []].append(made)
        let id = tape.id
        return HookHandle { [weak tape] in
            guard let tape, tape.id == id else { return }
            tape.hooks[node]?.removeAll { $0 === made }
            if tape.hooks[node]?.isEmpty == true { tape.hooks[node] = nil }
        }
    }
}
