// libFuzzer entry for the gradcheck expression language: built by Scripts/fuzz.sh gradcheck together with
// the AutoDiff sources and the tool's core (one module, -D FUZZING). Each input is parsed as an expression,
// evaluated on a few fixed variables of different shapes, differentiated, and also split into command-line
// words for the option parser. Any crash, trap or hang is a bug: bad text must end in a typed error.

let fuzzValues: [String: Tensor<Double>] = [
    "x": Tensor(0.5),
    "y": Tensor(-2.0),
    "v": Tensor([1, 2, 3]),
    "A": Tensor([[1, 2, 3], [4, 5, 6]]),
    "B": Tensor([[1, -1], [0, 2], [3, 1]]),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? Options(text.split(whereSeparator: \.isWhitespace).map(String.init))
    guard let expression = try? Parser.parse(text) else { return 0 }
    let names = expression.variables
    guard names.allSatisfy({ fuzzValues[$0] != nil }) else { return 0 }
    let inputs = names.map { fuzzValues[$0]! }
    let constants = Dictionary(uniqueKeysWithValues: names.map { ($0, Variable(fuzzValues[$0]!, requiresGrad: false)) })
    guard (try? withoutGradients({ try Evaluator(values: constants).evaluate(expression) })) != nil else { return 0 }
    if names.isEmpty {   // a constant: the tool's --order 2 path (it once trapped on no inputs)
        _ = checkSecondOrderGradients(of: { _ in
            ((try? Evaluator(values: [:]).evaluate(expression)) ?? Variable(Tensor(0.0), requiresGrad: false)).sum()
        }, at: [])
    }
    _ = gradients(at: inputs, of: { xs in
        let vars = Dictionary(uniqueKeysWithValues: zip(names, xs).map { ($0, $1) })
        return ((try? Evaluator(values: vars).evaluate(expression)) ?? Variable(Tensor(0.0), requiresGrad: false)).sum()
    })
    return 0
}
