/// clean's `derive`: new columns computed row by row from the input's
/// columns by a `Formula`, such as `liked: "rating >= 4"`. A result that
/// is a number (comparisons give 1 or 0) makes a float column, missing where
/// the expression is; a result that is text makes a text column.
enum DerivedColumns {
    static func add(_ expressions: [String: String], to input: Table) throws -> Table {
        var table = input
        let columns = Dictionary(uniqueKeysWithValues: zip(input.names, input.columns))
        for (name, text) in expressions.sorted(by: { $0.key < $1.key }) {
            guard input[name] == nil else {
                throw StageFailure("derive '\(name)': the events already have a column '\(name)'; give the derived column another name")
            }
            let expression: Formula
            do { expression = try Formula.parse(text, names: input.names) } catch let error as Formula.ParseError {
                let derived = expressions.keys.contains { $0 != name && text.contains($0) }
                    ? " (derived columns read the input's columns, not each other)" : ""
                throw StageFailure("derive '\(name)': '\(text)': \(error)\(derived)")
            }
            let values = (0..<input.rowCount).map { row in expression.evaluate { columns[$0]!.expressionValue(row) } }
            if values.contains(where: { if case .text = $0 { true } else { false } }) {
                guard values.allSatisfy({ if case .number = $0 { false } else { true } }) else {
                    throw StageFailure("derive '\(name)': '\(text)' gives text on some rows and numbers on others")
                }
                table[name] = .string(values.map { if case .text(let value) = $0 { value } else { "" } })
            } else {
                table[name] = .float(values.map { $0.number.map(Float.init) ?? .nan })
            }
        }
        return table
    }
}
