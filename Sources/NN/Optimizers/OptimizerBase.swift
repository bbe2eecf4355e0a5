/// What every optimizer shares, so that each one is only its update rule (the shape of mlx-swift's
/// `OptimizerBase`): the parameters, one state slot per parameter, and the loop over the parameters that have
/// a gradient.
///
/// A subclass overrides ``update(_:gradient:state:)``, which changes one parameter given its gradient and the
/// state kept for it between steps (nil before its first update, as PyTorch creates its state lazily).
/// Parameters whose gradient is nil are skipped and their state is left as it is.
///
/// ```swift
/// /// signSGD: θ ← θ − η·sign(g) (Bernstein et al., 2018), with no state.
/// final class SignSGD: OptimizerBase<Never> {
///     override func update(_ parameter: inout Tensor<Float>, gradient: Tensor<Float>, state: inout Never?) {
///         parameter -= gradient.map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) } * learningRate
///     }
/// }
/// ```
open class OptimizerBase<State>: Optimizer {
    /// The parameters it updates, in order.
    public let parameters: [Variable<Float>]
    /// The step size η; schedules and callbacks change it between epochs.
    public var learningRate: Float
    /// The number of times ``step()`` ran.
    public private(set) var stepCount = 0
    /// One slot per parameter, nil until its first update.
    private var states: [State?]

    /// An optimizer for `parameters` with step size `learningRate`.
    public init(parameters: [Variable<Float>], learningRate: Float) {
        self.parameters = parameters
        self.learningRate = learningRate
        states = Array(repeating: nil, count: parameters.count)
    }

    /// Applies ``update(_:gradient:state:)`` to every parameter that has a gradient.
    public final func step() {
        stepCount += 1
        for i in parameters.indices {
            let p = parameters[i]
            guard let gradient = p.grad else { continue }
            var state = states[i]
            states[i] = nil   // the rule holds the only reference to the state's buffers: it can write them in place
            p.updateValue { update(&$0, gradient: gradient, state: &state) }
            states[i] = state
        }
    }

    /// The update rule: changes `parameter` (a value nothing else shares, so in-place writes do not copy) given
    /// its `gradient` and its `state` (nil on its first update; what the rule leaves there comes back next step).
    ///
    /// Every optimizer overrides it; the base has no rule of its own and stops the program if called.
    open func update(_ parameter: inout Tensor<Float>, gradient: Tensor<Float>, state: inout State?) {
        preconditionFailure("\(type(of: self)) must override update(_:gradient:state:) with its update rule")
    }
}
