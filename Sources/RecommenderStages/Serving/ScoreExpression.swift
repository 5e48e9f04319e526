import Foundation

/// An arithmetic expression over task scores, for fusing them into one
/// ranking score: `click * conversion`, `0.7*click + 0.3*rating/5`,
/// `click * popularity^0.5`. Numbers, names (the tasks, and the signals the
/// caller adds, such as popularity), + - * / ^ (power, right to left),
/// unary minus and parentheses.
indirect enum ScoreExpression: Equatable {
    case number(Double)
    case task(String)
    case negate(ScoreExpression)
    case binary(Character, ScoreExpression, ScoreExpression)

    struct ParseError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static func parse(_ text: String, tasks: [String]) throws -> ScoreExpression {
        var parser = Parser(characters: Array(text), tasks: tasks)
        let expression = try parser.sum()
        parser.skipSpaces()
        guard parser.position == parser.characters.count else {
            throw ParseError(message: "unexpected '\(parser.characters[parser.position])' at column \(parser.position + 1) of '\(text)'")
        }
        return expression
    }

    /// Every name the expression reads.
    var names: Set<String> {
        switch self {
        case .number: []
        case .task(let name): [name]
        case .negate(let inner): inner.names
        case .binary(_, let left, let right): left.names.union(right.names)
        }
    }

    func evaluate(_ scores: [String: Double]) -> Double {
        switch self {
        case .number(let value): value
        case .task(let name): scores[name] ?? 0
        case .negate(let inner): -inner.evaluate(scores)
        case .binary(let operation, let left, let right):
            switch operation {
            case "+": left.evaluate(scores) + right.evaluate(scores)
            case "-": left.evaluate(scores) - right.evaluate(scores)
            case "*": left.evaluate(scores) * right.evaluate(scores)
            case "^": pow(left.evaluate(scores), right.evaluate(scores))
            default: right.evaluate(scores) == 0 ? 0 : left.evaluate(scores) / right.evaluate(scores)
            }
        }
    }

    private struct Parser {
        let characters: [Character]
        let tasks: [String]
        var position = 0

        init(characters: [Character], tasks: [String]) {
            self.characters = characters
            self.tasks = tasks
        }

        mutating func skipSpaces() {
            while position < characters.count, characters[position] == " " { position += 1 }
        }

        mutating func sum() throws -> ScoreExpression {
            var left = try product()
            while true {
                skipSpaces()
                guard position < characters.count, "+-".contains(characters[position]) else { return left }
                let operation = characters[position]
                position += 1
                left = .binary(operation, left, try product())
            }
        }

        mutating func product() throws -> ScoreExpression {
            var left = try power()
            while true {
                skipSpaces()
                guard position < characters.count, "*/".contains(characters[position]) else { return left }
                let operation = characters[position]
                position += 1
                left = .binary(operation, left, try power())
            }
        }

        /// `a ^ b ^ c` is `a ^ (b ^ c)`, and `-a ^ 2` is `-(a ^ 2)`, as in mathematics.
        mutating func power() throws -> ScoreExpression {
            let base = try unary()
            skipSpaces()
            guard position < characters.count, characters[position] == "^" else { return base }
            position += 1
            return .binary("^", base, try powerOperand())
        }

        private mutating func powerOperand() throws -> ScoreExpression {
            skipSpaces()
            if position < characters.count, characters[position] == "-" {
                position += 1
                return .negate(try power())
            }
            return try power()
        }

        mutating func unary() throws -> ScoreExpression {
            skipSpaces()
            guard position < characters.count else { throw ParseError(message: "the expression ends where a value was expected") }
            let character = characters[position]
            if character == "-" {
                position += 1
                return .negate(try power())
            }
            if character == "(" {
                position += 1
                let inner = try sum()
                skipSpaces()
                guard position < characters.count, characters[position] == ")" else { throw ParseError(message: "missing ')'") }
                position += 1
                return inner
            }
            if character.isNumber || character == "." {
                let start = position
                while position < characters.count, characters[position].isNumber || characters[position] == "." { position += 1 }
                guard let value = Double(String(characters[start..<position])) else {
                    throw ParseError(message: "'\(String(characters[start..<position]))' is not a number")
                }
                return .number(value)
            }
            if character.isLetter || character == "_" {
                let start = position
                while position < characters.count, characters[position].isLetter || characters[position].isNumber || characters[position] == "_" {
                    position += 1
                }
                let name = String(characters[start..<position])
                guard tasks.contains(name) else {
                    throw ParseError(message: "'\(name)' is not a task or signal; names are: \(tasks.joined(separator: ", "))")
                }
                return .task(name)
            }
            throw ParseError(message: "unexpected '\(character)' at column \(position + 1)")
        }
    }
}
