import Orchestrator

/// Recursive descent over Formula's grammar, loosest level first:
///   or := and ("or" and)*;  and := not ("and" not)*;  not := "not" not | comparison
///   comparison := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
///   sum := product (("+" | "-") product)*;  product := unary (("*" | "/" | "%") unary)*
///   unary := "-" unary | power;  power := primary ("^" unary)?
///   primary := number | 'text' | "text" | name | "(" or ")"
struct FormulaParser {
    let characters: [Character]
    let names: [String]
    var position = 0
    /// Parentheses, minus signs and nots open a level each; past the limit the
    /// text is refused, not followed down until the stack runs out.
    private var depth = 0
    static let depthLimit = 256

    init(characters: [Character], names: [String]) {
        self.characters = characters
        self.names = names
    }

    mutating func parseAll() throws -> Formula {
        let expression = try or()
        skipSpaces()
        guard position == characters.count else { throw error("unexpected '\(characters[position])'") }
        return expression
    }

    private func error(_ message: String, at column: Int? = nil) -> Formula.ParseError {
        Formula.ParseError(message: message, column: (column ?? position) + 1)
    }

    private mutating func skipSpaces() {
        while position < characters.count, characters[position].isWhitespace { position += 1 }
    }

    /// Consumes `symbol` if it comes next (a keyword only as a whole word).
    private mutating func take(_ symbol: String) -> Bool {
        skipSpaces()
        let word = Array(symbol)
        guard position + word.count <= characters.count, Array(characters[position..<(position + word.count)]) == word else { return false }
        if symbol.first!.isLetter, position + word.count < characters.count, Self.isNameCharacter(characters[position + word.count]) { return false }
        position += word.count
        return true
    }

    private static func isNameCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_" || character == "."
    }

    private mutating func or() throws -> Formula {
        var left = try and()
        while take("or") { left = .binary(.or, left, try and()) }
        return left
    }

    private mutating func and() throws -> Formula {
        var left = try not()
        while take("and") { left = .binary(.and, left, try not()) }
        return left
    }

    private mutating func nested<Result>(_ body: (inout FormulaParser) throws -> Result) throws -> Result {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.depthLimit else { throw error("nested more than \(Self.depthLimit) levels deep") }
        return try body(&self)
    }

    private mutating func not() throws -> Formula {
        take("not") ? .unary(.not, try nested { try $0.not() }) : try comparison()
    }

    private mutating func comparison() throws -> Formula {
        let left = try sum()
        // Longest first, so that "<=" is not read as "<".
        for operation in [Formula.BinaryOperator.lessOrEqual, .greaterOrEqual, .equal, .notEqual, .less, .greater] where take(operation.rawValue) {
            let right = try sum()
            skipSpaces()
            if let next = characters[safe: position], "<>=!".contains(next) {
                throw error("comparisons do not chain; join them with and")
            }
            return .binary(operation, left, right)
        }
        skipSpaces()
        if characters[safe: position] == "=" { throw error("'=' compares nothing; write '==' to compare") }
        return left
    }

    private mutating func sum() throws -> Formula {
        var left = try product()
        while true {
            if take("+") { left = .binary(.add, left, try product()) } else if take("-") { left = .binary(.subtract, left, try product()) } else { return left }
        }
    }

    private mutating func product() throws -> Formula {
        var left = try unary()
        while true {
            if take("*") { left = .binary(.multiply, left, try unary()) }
            else if take("/") { left = .binary(.divide, left, try unary()) }
            else if take("%") { left = .binary(.remainder, left, try unary()) }
            else { return left }
        }
    }

    /// `-2^2` is `-(2^2)` and `2^-1` is `2^(-1)`, as in mathematics.
    private mutating func unary() throws -> Formula {
        take("-") ? .unary(.negate, try nested { try $0.unary() }) : try power()
    }

    private mutating func power() throws -> Formula {
        let base = try primary()
        return take("^") ? .binary(.power, base, try unary()) : base
    }

    private mutating func primary() throws -> Formula {
        skipSpaces()
        guard position < characters.count else { throw error("the expression ends where a value was expected") }
        let start = position, character = characters[position]
        if character == "(" {
            position += 1
            let inner = try nested { try $0.or() }
            guard take(")") else { throw error("missing ')' for the '(' at column \(start + 1)") }
            return inner
        }
        if character == "'" || character == "\"" {
            position += 1
            while position < characters.count, characters[position] != character { position += 1 }
            guard position < characters.count else { throw error("unterminated text starting at column \(start + 1)", at: start) }
            position += 1
            return .text(String(characters[(start + 1)..<(position - 1)]))
        }
        if character.isNumber || character == "." {
            while position < characters.count, characters[position].isNumber || characters[position] == "." { position += 1 }
            // An exponent: 1e-3, 2.5E+4.
            if position < characters.count, "eE".contains(characters[position]) {
                var end = position + 1
                if end < characters.count, "+-".contains(characters[end]) { end += 1 }
                if end < characters.count, characters[end].isNumber {
                    position = end
                    while position < characters.count, characters[position].isNumber { position += 1 }
                }
            }
            let literal = String(characters[start..<position])
            guard let value = Double(literal) else { throw error("'\(literal)' is not a number", at: start) }
            return .number(value)
        }
        if character.isLetter || character == "_" {
            while position < characters.count, Self.isNameCharacter(characters[position]) { position += 1 }
            let name = String(characters[start..<position])
            if ["and", "or", "not"].contains(name) {
                throw error("'\(name)' stands where a value was expected", at: start)
            }
            guard names.contains(name) else {
                throw error("'\(name)' is not a known name\(Suggestion.hint(for: name, in: names)); names here are: \(names.joined(separator: ", "))",
                            at: start)
            }
            return .name(name)
        }
        throw error("unexpected '\(character)'")
    }
}

private extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
