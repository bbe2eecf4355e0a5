// Evaluates an expression on Variables, checking every shape, axis, index and argument before calling the
// library (whose misuse would stop the program): text from the command line must never crash the tool. The shape,
// axis and index checks are the library's own (`ShapeCheck`), their errors turned into expression errors.
#if !FUZZING
import AutoDiff
#endif

typealias V = Variable<Double>

struct Evaluator {
    let values: [String: V]
    /// Operations a program adds to the language, by name (see `GradCheckCommand.run(_:functions:)`).
    var userFunctions: [String: DifferentiableFunction<Double>] = [:]

    /// The functions the language knows, with how they are called: for `--list`, `--help` and suggestions.
    static let functions: [(name: String, usage: String)] = [
        ("exp", "exp(x)"), ("log", "log(x)"), ("sqrt", "sqrt(x)"), ("abs", "abs(x)"), ("sin", "sin(x)"),
        ("cos", "cos(x)"), ("tan", "tan(x)"), ("tanh", "tanh(x)"), ("sigmoid", "sigmoid(x)"), ("relu", "relu(x)"),
        ("softplus", "softplus(x)"), ("gelu", "gelu(x)"), ("silu", "silu(x)"), ("log1p", "log1p(x)"),
        ("expm1", "expm1(x)"), ("leakyRelu", "leakyRelu(x, alpha: 0.01)"), ("pow", "pow(x, y)"),
        ("max", "max(x, y) or max(x, axes: 0)"), ("min", "min(x, y) or min(x, axes: 0)"), ("matmul", "matmul(A, B)"),
        ("sum", "sum(x) or sum(x, axes: [0, 1])"), ("mean", "mean(x) or mean(x, axes: 0)"),
        ("logSumExp", "logSumExp(x, axes: 0)"), ("softmax", "softmax(x, axis: -1)"), ("logSoftmax", "logSoftmax(x, axis: -1)"),
        ("transposed", "transposed(x)"), ("reshaped", "reshaped(x, to: [2, 3])"),
        ("gathering", "gathering(x, atIndices: [2, 0], alongAxis: 0)"), ("concatenate", "concatenate([a, b], alongAxis: 0)"),
        ("conv2d", "conv2d(x, filter: w, bias: b, stride: 1, padding: 0, dilation: 1, groups: 1)"),
        ("conv1d", "conv1d(x, filter: w, bias: b, stride: 1, padding: 0, dilation: 1, groups: 1)"),
        ("maxPool2d", "maxPool2d(x, kernelSize: 2, stride: 2, padding: 0)"),
        ("avgPool2d", "avgPool2d(x, kernelSize: 2, stride: 2, padding: 0)"),
    ]

    func evaluate(_ e: Expression) throws -> V {
        switch e {
        case .number(let v, _):
            return V(Tensor(v), requiresGrad: false)
        case .variable(let name, let at):
            guard let v = values[name] else {
                throw ExpressionError(position: at, message: "no value for the variable '\(name)': give one with --at \(name)=… or --shape \(name)=2x3")
            }
            return v
        case .negate(let x, _):
            return -(try evaluate(x))
        case .binary(let op, let a, let b, let at):
            let x = try evaluate(a), y = try evaluate(b)
            let name = op == "^" ? "^" : String(op)
            try requireBroadcast(name, x, y, at)
            switch op {
            case "+": return x + y
            case "-": return x - y
            case "*": return x * y
            case "/": return x / y
            default: return pow(x, y)
            }
        case .list(let items, let at):
            return V(try constantList(items, at), requiresGrad: false)
        case .call(let name, let args, let at):
            return try call(name, args, at)
        }
    }

    /// A list literal as a constant tensor (nested lists must be rectangular).
    func constantList(_ items: [Expression], _ at: Int) throws -> Tensor<Double> {
        if items.isEmpty { return Tensor<Double>(shape: [0], scalars: []) }
        let parts = try items.map { try evaluate($0).value }
        guard parts.allSatisfy({ $0.shape == parts[0].shape }) else {
            throw ExpressionError(position: at, message: "the elements of this list have different shapes \(parts.map(\.shape))")
        }
        return Tensor(shape: [parts.count] + parts[0].shape, scalars: parts.flatMap(\.scalars))
    }

    /// Runs checks of the library's validation layer; a ``ShapeError`` becomes an expression error at `at`.
    func check<R>(_ at: Int, _ body: () throws(ShapeError) -> R) throws -> R {
        do {
            return try body()
        } catch {
            throw ExpressionError(position: at, message: error.description)
        }
    }

    func requireBroadcast(_ op: String, _ x: V, _ y: V, _ at: Int) throws {
        _ = try check(at) { () throws(ShapeError) in try ShapeCheck.broadcast(x.shape, y.shape, operation: op) }
    }

    /// Whole numbers from a constant argument (an axis, a list of axes, a shape, indices).
    func integers(_ v: V, _ what: String, _ at: Int) throws -> [Int] {
        try v.value.scalars.map { x in
            guard x == x.rounded(), abs(x) < 1e9 else {
                throw ExpressionError(position: at, message: "\(what) must be whole numbers; got \(x)")
            }
            return Int(x)
        }
    }

    /// The axes a constant argument lists, checked against `shape` and made non-negative.
    func axes(_ v: V, of shape: [Int], _ op: String, _ at: Int) throws -> [Int] {
        let list = try integers(v, "axes", at)
        return try check(at) { () throws(ShapeError) in try ShapeCheck.axes(list, of: shape, operation: op) }
    }

    func call(_ name: String, _ args: [Expression.Argument], _ at: Int) throws -> V {
        if let custom = userFunctions[name] {
            guard args.count == 1, args[0].label == nil else {
                throw ExpressionError(position: at, message: "\(name) takes one unlabelled argument")
            }
            return custom(try evaluate(args[0].value))
        }
        guard Self.functions.contains(where: { $0.name == name }) else {
            var message = "unknown function '\(name)'"
            if let near = nearest(name) { message += "; did you mean '\(near)'?" }
            throw ExpressionError(position: at, message: message)
        }
        let usage = Self.functions.first { $0.name == name }!.usage
        // concatenate reads a list of values, so it looks at its argument before evaluating it.
        if name == "concatenate" { return try concatenateCall(args, at, usage) }
        let positional = try args.filter { $0.label == nil }.map { try evaluate($0.value) }
        var labeled: [String: (V, Int)] = [:]
        for a in args where a.label != nil { labeled[a.label!] = (try evaluate(a.value), a.position) }

        func arity(_ n: Int, labels allowed: Set<String> = []) throws {
            if positional.count != n {
                throw ExpressionError(position: at, message: "\(name) takes \(n) unlabelled argument\(n == 1 ? "" : "s"), got \(positional.count): use \(usage)")
            }
            if let bad = labeled.keys.sorted().first(where: { !allowed.contains($0) }) {
                throw ExpressionError(position: labeled[bad]!.1, message: "\(name) has no argument '\(bad):': use \(usage)")
            }
        }

        switch name {
        case "exp", "log", "sqrt", "abs", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "softplus", "gelu", "silu",
             "log1p", "expm1":
            try arity(1)
            let x = positional[0]
            switch name {
            case "exp": return exp(x)
            case "log": return log(x)
            case "sqrt": return sqrt(x)
            case "abs": return abs(x)
            case "sin": return sin(x)
            case "cos": return cos(x)
            case "tan": return tan(x)
            case "tanh": return tanh(x)
            case "sigmoid": return sigmoid(x)
            case "relu": return relu(x)
            case "gelu": return gelu(x)
            case "silu": return silu(x)
            case "log1p": return log1p(x)
            case "expm1": return expm1(x)
            default: return softplus(x)
            }
        case "leakyRelu":
            try arity(1, labels: ["alpha"])
            var alpha = 0.01
            if let (a, p) = labeled["alpha"] {
                guard a.scalarCount == 1 else { throw ExpressionError(position: p, message: "leakyRelu: alpha must be one number") }
                alpha = a.value.scalars[0]
            }
            return leakyRelu(positional[0], alpha: alpha)
        case "pow":
            try arity(2)
            try requireBroadcast("pow", positional[0], positional[1], at)
            return pow(positional[0], positional[1])
        case "max", "min":
            if positional.count == 2 {
                try arity(2)
                try requireBroadcast(name, positional[0], positional[1], at)
                return name == "max" ? max(positional[0], positional[1]) : min(positional[0], positional[1])
            }
            try arity(1, labels: ["axes", "alongAxes"])
            let x = positional[0]
            guard let (a, p) = labeled["axes"] ?? labeled["alongAxes"] else {
                throw ExpressionError(position: at, message: "\(name) takes two values, or one value and axes: use \(usage)")
            }
            let list = try axes(a, of: x.shape, name, p)
            return name == "max" ? x.max(alongAxes: list) : x.min(alongAxes: list)
        case "matmul":
            try arity(2)
            let (a, b) = (positional[0], positional[1])
            _ = try check(at) { () throws(ShapeError) in try ShapeCheck.matmul(a.shape, b.shape) }
            return matmul(a, b)
        case "sum", "mean", "logSumExp":
            try arity(1, labels: ["axes", "alongAxes"])
            let x = positional[0]
            let given = labeled["axes"] ?? labeled["alongAxes"]
            if name == "logSumExp" && given == nil {
                return logSumExp(x, alongAxes: Array(0..<x.rank))
            }
            guard let (a, p) = given else { return name == "sum" ? x.sum() : x.mean() }
            let list = try axes(a, of: x.shape, name, p)
            switch name {
            case "sum": return x.sum(alongAxes: list)
            case "mean": return x.mean(alongAxes: list)
            default: return logSumExp(x, alongAxes: list)
            }
        case "softmax", "logSoftmax":
            try arity(1, labels: ["axis", "alongAxis"])
            let x = positional[0]
            var axis = -1, axisAt = at
            if let (a, p) = labeled["axis"] ?? labeled["alongAxis"] {
                let list = try integers(a, "the axis", p)
                guard list.count == 1 else { throw ExpressionError(position: p, message: "\(name) takes one axis") }
                (axis, axisAt) = (list[0], p)
            }
            axis = try check(axisAt) { () throws(ShapeError) in try ShapeCheck.axis(axis, of: x.shape, operation: name) }
            return name == "softmax" ? softmax(x, alongAxis: axis) : logSoftmax(x, alongAxis: axis)
        case "transposed":
            try arity(1)
            return positional[0].transposed()
        case "conv2d", "conv1d":
            try arity(1, labels: ["filter", "bias", "stride", "padding", "dilation", "groups"])
            return try convolutionCall(name, positional[0], labeled, at, usage)
        case "maxPool2d", "avgPool2d":
            try arity(1, labels: ["kernelSize", "stride", "padding"])
            return try poolingCall(name, positional[0], labeled, at, usage)
        case "reshaped":
            try arity(1, labels: ["to"])
            guard let (s, p) = labeled["to"] else { throw ExpressionError(position: at, message: "reshaped needs to: [sizes]: use \(usage)") }
            let sizes = try integers(s, "sizes", p)
            let shape = try check(p) { () throws(ShapeError) in try ShapeCheck.reshape(positional[0].shape, to: sizes) }
            return positional[0].reshaped(to: shape)
        default:   // gathering
            try arity(1, labels: ["atIndices", "alongAxis"])
            let x = positional[0]
            guard let (i, p) = labeled["atIndices"] else { throw ExpressionError(position: at, message: "gathering needs atIndices: [..]: use \(usage)") }
            var axis = 0
            if let (a, ap) = labeled["alongAxis"] { axis = try integers(a, "the axis", ap).first ?? 0 }
            let indices = try integers(i, "indices", p)
            let normalized = try check(p) { () throws(ShapeError) in
                try ShapeCheck.gathering(indices, alongAxis: axis, of: x.shape)
            }
            return x.gathering(atIndices: indices, alongAxis: normalized)
        }
    }

    /// One whole number from a labelled argument, or `default` when it is absent.
    func integer(_ labeled: [String: (V, Int)], _ label: String, _ name: String, default value: Int?, _ at: Int,
                 _ usage: String) throws -> Int {
        guard let (v, p) = labeled[label] else {
            if let value { return value }
            throw ExpressionError(position: at, message: "\(name) needs \(label): use \(usage)")
        }
        let list = try integers(v, label, p)
        guard list.count == 1 else { throw ExpressionError(position: p, message: "\(name): \(label) must be one number") }
        return list[0]
    }

    /// conv2d and conv1d, with every shape and number checked first (the library's rules, as messages).
    func convolutionCall(_ name: String, _ x: V, _ labeled: [String: (V, Int)], _ at: Int, _ usage: String) throws -> V {
        guard let (w, wp) = labeled["filter"] else { throw ExpressionError(position: at, message: "\(name) needs filter: use \(usage)") }
        let stride = try integer(labeled, "stride", name, default: 1, at, usage)
        let padding = try integer(labeled, "padding", name, default: 0, at, usage)
        let dilation = try integer(labeled, "dilation", name, default: 1, at, usage)
        let groups = try integer(labeled, "groups", name, default: 1, at, usage)
        let bias = labeled["bias"]?.0
        try check(wp) { () throws(ShapeError) in
            if name == "conv2d" {
                try ShapeCheck.conv2d(input: x.shape, filter: w.shape, bias: bias?.shape, stride: stride, padding: padding,
                                      dilation: dilation, groups: groups)
            } else {
                try ShapeCheck.conv1d(input: x.shape, filter: w.shape, bias: bias?.shape, stride: stride, padding: padding,
                                      dilation: dilation, groups: groups)
            }
        }
        if name == "conv2d" {
            return conv2d(x, filter: w, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
        }
        return conv1d(x, filter: w, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    /// maxPool2d and avgPool2d, with every shape and number checked first.
    func poolingCall(_ name: String, _ x: V, _ labeled: [String: (V, Int)], _ at: Int, _ usage: String) throws -> V {
        let kernel = try integer(labeled, "kernelSize", name, default: nil, at, usage)
        let stride = try integer(labeled, "stride", name, default: kernel, at, usage)
        let padding = try integer(labeled, "padding", name, default: 0, at, usage)
        try check(at) { () throws(ShapeError) in
            try ShapeCheck.pool2d(name, input: x.shape, kernelSize: kernel, stride: stride, padding: padding)
        }
        if name == "maxPool2d" { return maxPool2d(x, kernelSize: kernel, stride: stride, padding: padding) }
        return avgPool2d(x, kernelSize: kernel, stride: stride, padding: padding)
    }

    func concatenateCall(_ args: [Expression.Argument], _ at: Int, _ usage: String) throws -> V {
        guard let first = args.first, first.label == nil, case .list(let items, let listAt) = first.value, !items.isEmpty else {
            throw ExpressionError(position: at, message: "concatenate takes a list of values: use \(usage)")
        }
        let parts = try items.map { try evaluate($0) }
        var axis = 0
        for a in args.dropFirst() {
            guard a.label == "alongAxis" || a.label == "axis" else {
                throw ExpressionError(position: a.position, message: "concatenate has no such argument: use \(usage)")
            }
            axis = try integers(try evaluate(a.value), "the axis", a.position).first ?? 0
        }
        let normalized = try check(listAt) { () throws(ShapeError) in
            try ShapeCheck.concatenate(parts.map(\.shape), alongAxis: axis)
        }
        return concatenate(parts, alongAxis: normalized)
    }

    /// The known function closest to `name` (edit distance at most 3), for "did you mean".
    func nearest(_ name: String) -> String? {
        nearestName(to: name, in: Self.functions.map(\.name) + userFunctions.keys.sorted())
    }
}
