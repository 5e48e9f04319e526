import Foundation

/// The one expression language of the stages: clean's derived columns
/// (`liked: "rating >= 4"`, `hour: "(timestamp % 86400) / 3600"`) and rank's
/// fusion of scores (`click * popularity^0.25`). docs/EXPRESSIONS.md is its reference.
///
/// Values are numbers, text or missing. Operators, loosest first: `or`,
/// `and`, `not`, comparisons (`< <= > >= == !=`), `+ -`, `* / %`, unary
/// minus, `^` (right to left). A comparison or logical operator gives 1 or 0.
/// Missing values: arithmetic or a comparison with a missing value is
/// missing; `and` and `or` follow three-valued logic (false and missing is
/// false, true or missing is true); a division by zero is missing.
indirect enum Formula: Equatable, Sendable {
    case number(Double)
    case text(String)
    case name(String)
    case unary(UnaryOperator, Formula)
    case binary(BinaryOperator, Formula, Formula)

    enum UnaryOperator: String, Sendable { case negate = "-", not }
    enum BinaryOperator: String, Sendable, CaseIterable {
        case or, and
        case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "==", notEqual = "!="
        case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%", power = "^"
    }

    enum Value: Equatable, Sendable {
        case number(Double)
        case text(String)
        case missing

        var number: Double? {
            switch self {
            case .number(let value): value
            case .text(let text): Double(text)
            case .missing: nil
            }
        }

        static func truth(_ condition: Bool) -> Value { .number(condition ? 1 : 0) }
    }

    struct ParseError: Error, CustomStringConvertible {
        var message: String
        /// 1-based column in the expression's text.
        var column: Int
        var description: String { "column \(column): \(message)" }
    }

    /// Parses `text`; a name not in `names` is an error naming the closest one.
    static func parse(_ text: String, names: [String]) throws -> Formula {
        var parser = FormulaParser(characters: Array(text), names: names)
        let expression = try parser.parseAll()
        return expression
    }

    /// Every name the expression reads.
    var names: Set<String> {
        switch self {
        case .number, .text: []
        case .name(let name): [name]
        case .unary(_, let inner): inner.names
        case .binary(_, let left, let right): left.names.union(right.names)
        }
    }

    func evaluate(_ lookup: (String) -> Value) -> Value {
        switch self {
        case .number(let value): return .number(value)
        case .text(let text): return .text(text)
        case .name(let name): return lookup(name)
        case .unary(.negate, let inner):
            return inner.evaluate(lookup).number.map { .number(-$0) } ?? .missing
        case .unary(.not, let inner):
            return inner.evaluate(lookup).number.map { .truth($0 == 0) } ?? .missing
        case .binary(.and, let left, let right):
            let (a, b) = (left.evaluate(lookup).number, right.evaluate(lookup).number)
            if a == 0 || b == 0 { return .truth(false) }
            guard a != nil, b != nil else { return .missing }
            return .truth(true)
        case .binary(.or, let left, let right):
            let (a, b) = (left.evaluate(lookup).number, right.evaluate(lookup).number)
            if let a, a != 0 { return .truth(true) }
            if let b, b != 0 { return .truth(true) }
            guard a != nil, b != nil else { return .missing }
            return .truth(false)
        case .binary(let operation, let left, let right):
            // A result that is not a finite number ((-2)^0.5, inf - inf) is missing, never a silent NaN.
            let result = Self.apply(operation, left.evaluate(lookup), right.evaluate(lookup))
            if case .number(let value) = result, !value.isFinite { return .missing }
            return result
        }
    }

    /// A number for rank: missing counts as 0.
    func evaluate(_ values: [String: Double]) -> Double {
        evaluate { name in values[name].map { .number($0) } ?? .missing }.number ?? 0
    }

    private static func apply(_ operation: BinaryOperator, _ a: Value, _ b: Value) -> Value {
        if a == .missing || b == .missing { return .missing }
        // Text compares with text as text; anything else compares as numbers.
        if case .text(let x) = a, case .text(let y) = b {
            switch operation {
            case .equal: return .truth(x == y)
            case .notEqual: return .truth(x != y)
            case .less: return .truth(x < y)
            case .lessOrEqual: return .truth(x <= y)
            case .greater: return .truth(x > y)
            case .greaterOrEqual: return .truth(x >= y)
            default: break
            }
        }
        guard let x = a.number, let y = b.number else { return .missing }
        switch operation {
        case .less: return .truth(x < y)
        case .lessOrEqual: return .truth(x <= y)
        case .greater: return .truth(x > y)
        case .greaterOrEqual: return .truth(x >= y)
        case .equal: return .truth(x == y)
        case .notEqual: return .truth(x != y)
        case .add: return .number(x + y)
        case .subtract: return .number(x - y)
        case .multiply: return .number(x * y)
        case .divide: return y == 0 ? .missing : .number(x / y)
        case .remainder: return y == 0 ? .missing : .number(x.truncatingRemainder(dividingBy: y))
        case .power: return .number(pow(x, y))
        case .and, .or: return .missing  // handled in evaluate
        }
    }
}

extension Column {
    /// A row's value for expressions: NaN and empty text are missing.
    func expressionValue(_ row: Int) -> Formula.Value {
        switch self {
        case .float(let values): values[row].isNaN ? .missing : .number(Double(values[row]))
        case .int(let values): .number(Double(values[row]))
        case .string(let values): values[row].isEmpty ? .missing : .text(values[row])
        }
    }
}
