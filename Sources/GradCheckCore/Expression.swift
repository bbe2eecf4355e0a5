// The expression language of `gradcheck`: numbers, variables, + − × ÷ ^, unary minus, parentheses, lists
// (`[1, 2]`) and calls of the library's operations by their Swift names, with labelled arguments
// (`logSumExp(v, axes: 0)`).
#if !FUZZING
import AutoDiff
#endif

/// A parse or evaluation error in expression text: where it is and what was expected.
struct ExpressionError: Error, Equatable {
    /// The offset (in characters) of the offending character.
    let position: Int
    let message: String

    /// The message, the expression, and a caret under the offending character.
    func render(_ text: String) -> String {
        let shown = text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\t", with: " ")
        return "\(message) (column \(position + 1))\n  \(shown)\n  \(String(repeating: " ", count: min(position, shown.count)))^"
    }
}

enum Token: Equatable {
    case number(Double)
    case identifier(String)
    case symbol(Character)
    case end
}

struct Lexer {
    /// The tokens of `text` with their offsets.
    static func tokens(_ text: String) throws -> [(token: Token, position: Int)] {
        let chars = Array(text)
        var out: [(Token, Int)] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            if c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber) {
                let start = i
                while i < chars.count, chars[i].isNumber || chars[i] == "." { i += 1 }
                if i < chars.count, chars[i] == "e" || chars[i] == "E" {
                    var j = i + 1
                    if j < chars.count, chars[j] == "+" || chars[j] == "-" { j += 1 }
                    if j < chars.count, chars[j].isNumber {
                        i = j
                        while i < chars.count, chars[i].isNumber { i += 1 }
                    }
                }
                let literal = String(chars[start..<i])
                guard let value = Double(literal), value.isFinite else {
                    throw ExpressionError(position: start, message: "'\(literal)' is not a number")
                }
                out.append((.number(value), start))
                continue
            }
            if c.isLetter || c == "_" {
                let start = i
                while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" { i += 1 }
                out.append((.identifier(String(chars[start..<i])), start))
                continue
            }
            if "+-*/^()[],:".contains(c) {
                out.append((.symbol(c), i))
                i += 1
                continue
            }
            throw ExpressionError(position: i, message: "unexpected character '\(c)'")
        }
        out.append((.end, chars.count))
        return out
    }
}

/// A parsed expression.
indirect enum Expression: Equatable {
    case number(Double, at: Int)
    case variable(String, at: Int)
    case negate(Expression, at: Int)
    case binary(Character, Expression, Expression, at: Int)
    case call(String, [Argument], at: Int)
    case list([Expression], at: Int)

    struct Argument: Equatable {
        let label: String?
        let value: Expression
        let position: Int
    }

    var position: Int {
        switch self {
        case .number(_, let p), .variable(_, let p), .negate(_, let p), .binary(_, _, _, let p), .call(_, _, let p),
             .list(_, let p):
            return p
        }
    }

    /// The names of the variables it reads, in order of first appearance.
    var variables: [String] {
        var seen: [String] = []
        func walk(_ e: Expression) {
            switch e {
            case .number: break
            case .variable(let name, _): if !seen.contains(name) { seen.append(name) }
            case .negate(let x, _): walk(x)
            case .binary(_, let a, let b, _): walk(a); walk(b)
            case .call(_, let args, _): args.forEach { walk($0.value) }
            case .list(let items, _): items.forEach(walk)
            }
        }
        walk(self)
        return seen
    }
}

/// A recursive-descent parser. Precedence, lowest first: `+ −`, `× ÷`, unary `−`, `^` (right-associative).
struct Parser {
    private var tokens: [(token: Token, position: Int)]
    private var index = 0
    private var depth = 0
    /// Deeper nesting is refused (a parse error, not a stack overflow).
    static let maximumDepth = 128

    static func parse(_ text: String) throws -> Expression {
        var parser = Parser(tokens: try Lexer.tokens(text))
        let e = try parser.expression()
        guard case .end = parser.current.token else {
            throw ExpressionError(position: parser.current.position, message: "expected an operator or the end, found \(parser.describe(parser.current.token))")
        }
        return e
    }

    private init(tokens: [(token: Token, position: Int)]) { self.tokens = tokens }

    private var current: (token: Token, position: Int) { tokens[index] }
    private mutating func advance() { if index < tokens.count - 1 { index += 1 } }

    private func describe(_ t: Token) -> String {
        switch t {
        case .number(let v): return "the number \(v)"
        case .identifier(let s): return "'\(s)'"
        case .symbol(let c): return "'\(c)'"
        case .end: return "the end of the expression"
        }
    }

    private mutating func nested<T>(_ body: (inout Parser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        if depth > Parser.maximumDepth {
            throw ExpressionError(position: current.position, message: "the expression is nested too deeply (more than \(Parser.maximumDepth) levels)")
        }
        return try body(&self)
    }

    private mutating func expect(_ c: Character, _ what: String) throws {
        guard case .symbol(c) = current.token else {
            throw ExpressionError(position: current.position, message: "expected \(what), found \(describe(current.token))")
        }
        advance()
    }

    mutating func expression() throws -> Expression {
        try nested { p in
            var left = try p.term()
            while case .symbol(let c) = p.current.token, c == "+" || c == "-" {
                let at = p.current.position
                p.advance()
                left = .binary(c, left, try p.term(), at: at)
            }
            return left
        }
    }

    private mutating func term() throws -> Expression {
        var left = try unary()
        while case .symbol(let c) = current.token, c == "*" || c == "/" {
            let at = current.position
            advance()
            left = .binary(c, left, try unary(), at: at)
        }
        return left
    }

    private mutating func unary() throws -> Expression {
        try nested { p in
            if case .symbol("-") = p.current.token {
                let at = p.current.position
                p.advance()
                return .negate(try p.unary(), at: at)
            }
            if case .symbol("+") = p.current.token {
                p.advance()
                return try p.unary()
            }
            return try p.power()
        }
    }

    private mutating func power() throws -> Expression {
        let base = try primary()
        if case .symbol("^") = current.token {
            let at = current.position
            advance()
            return .binary("^", base, try unary(), at: at)
        }
        return base
    }

    private mutating func primary() throws -> Expression {
        let (token, at) = current
        switch token {
        case .number(let v):
            advance()
            return .number(v, at: at)
        case .identifier(let name):
            advance()
            guard case .symbol("(") = current.token else { return .variable(name, at: at) }
            advance()
            var args: [Expression.Argument] = []
            if case .symbol(")") = current.token {
                advance()
                return .call(name, args, at: at)
            }
            while true {
                let argAt = current.position
                var label: String? = nil
                if case .identifier(let l) = current.token, index + 1 < tokens.count, case .symbol(":") = tokens[index + 1].token {
                    label = l
                    advance()
                    advance()
                }
                args.append(.init(label: label, value: try expression(), position: argAt))
                if case .symbol(",") = current.token { advance(); continue }
                try expect(")", "',' or ')' to close the arguments of \(name)")
                return .call(name, args, at: at)
            }
        case .symbol("("):
            advance()
            let e = try expression()
            try expect(")", "')'")
            return e
        case .symbol("["):
            advance()
            var items: [Expression] = []
            if case .symbol("]") = current.token {
                advance()
                return .list(items, at: at)
            }
            while true {
                items.append(try expression())
                if case .symbol(",") = current.token { advance(); continue }
                try expect("]", "',' or ']' to close the list")
                return .list(items, at: at)
            }
        default:
            throw ExpressionError(position: at, message: "expected a number, a variable, a function call, '(' or '[', found \(describe(token))")
        }
    }
}
