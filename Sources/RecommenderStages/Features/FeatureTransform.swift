import Foundation
import MultiTaskLearning

/// The fitted feature transform: vocabularies, statistics and label rules,
/// learned on the training split and applied unchanged to every other table
/// (valid, test, candidates at predict time).
public struct FeatureTransform: Codable, Sendable {
    public struct Categorical: Codable, Sendable {
        public var name: String
        /// Value -> code (1...); unseen or rare values get code 0.
        public var vocabulary: [String: Int]?
        /// Hashing instead of a vocabulary: code = 1 + hash % buckets.
        public var hashBuckets: Int?
        /// Numeric column cut at these boundaries into buckets 1...; missing is 0.
        public var boundaries: [Float]?

        public var cardinality: Int {
            if let vocabulary { return vocabulary.count + 1 }
            if let hashBuckets { return hashBuckets + 1 }
            return (boundaries?.count ?? 0) + 2
        }
    }

    public struct Numeric: Codable, Sendable {
        public var name: String
        /// standardize, log1p (then standardized) or none.
        public var method: String
        public var mean: Float
        public var deviation: Float
    }

    public struct Label: Codable, Sendable {
        public var task: String
        public var column: String
        /// The text that means 1, or a condition on the label's value that
        /// starts with a comparison: ">= 4", "== 'yes'" (see `rule`).
        public var positive: String?
        /// Value for rows without the label; nil masks those rows out.
        public var fillMissing: Float?
    }

    public var categorical: [Categorical]
    public var numeric: [Numeric]
    /// Text columns, hashed into token ids (`TextTokens`); nil in transforms fitted before text features.
    public var text: [TextFeature]?
    public var labels: [Label]
    public var userColumn: String?
    public var itemColumn: String?
    /// Raw columns that describe the user and the item (for candidate rows).
    public var userFeatures: [String]
    public var itemFeatures: [String]
    /// Raw columns passed through untouched (item category for rank, diagnostics).
    public var keep: [String]
    public var warnings: [String]

    /// The model's inputs, in the order `encode` writes them.
    public func schema(embeddingDimension: Int) -> FeatureSchema {
        FeatureSchema(numericNames: numeric.map(\.name),
                      categorical: categorical.map { CategoricalFeature(name: $0.name, cardinality: $0.cardinality) },
                      text: text ?? [], embeddingDimension: embeddingDimension)
    }

    /// Applies the transform: `cat.NAME` codes, `num.NAME` values, `text.NAME`
    /// (the text itself, hashed when read), `label.TASK` (NaN where missing),
    /// `key.user`, `key.item`, `keep.NAME`.
    public func encode(_ table: Table, requireLabels: Bool = true) throws -> Table {
        var encoded = Table()
        for feature in categorical {
            guard let column = table[feature.name] else { throw StageFailure("no column '\(feature.name)' to encode") }
            encoded["cat.\(feature.name)"] = .int((0..<table.rowCount).map { Int64(code(feature, column, $0)) })
        }
        for feature in numeric {
            guard let column = table[feature.name] else { throw StageFailure("no column '\(feature.name)' to encode") }
            encoded["num.\(feature.name)"] = .float((0..<table.rowCount).map { row in
                // Missing (NaN) and infinite values: the train mean, 0 after standardizing.
                guard var value = column.number(row), value.isFinite else { return feature.method == "none" ? feature.mean : 0 }
                if feature.method == "log1p" { value = log1p(max(value, 0)) }
                return feature.method == "none" ? Float(value) : (Float(value) - feature.mean) / feature.deviation
            })
        }
        for feature in text ?? [] {
            guard let column = table[feature.name] else { throw StageFailure("no column '\(feature.name)' to encode") }
            encoded["text.\(feature.name)"] = .string((0..<table.rowCount).map { column.text($0) })
        }
        for label in labels {
            guard let column = table[label.column] else {
                if requireLabels { throw StageFailure("no label column '\(label.column)' for task '\(label.task)'") }
                continue
            }
            let rule = try label.rule()
            encoded["label.\(label.task)"] = .float((0..<table.rowCount).map { row in rule(column, row) ?? (label.fillMissing ?? .nan) })
        }
        for (role, name) in [("user", userColumn), ("item", itemColumn)] {
            if let name, let column = table[name] { encoded["key.\(role)"] = .string((0..<table.rowCount).map { column.text($0) }) }
        }
        for name in keep {
            if let column = table[name] { encoded["keep.\(name)"] = column }
        }
        return encoded
    }

    private func code(_ feature: Categorical, _ column: Column, _ row: Int) -> Int {
        if let boundaries = feature.boundaries {
            guard let value = column.number(row) else { return 0 }
            return 1 + boundaries.filter { Float(value) >= $0 }.count
        }
        let text = column.text(row)
        if let buckets = feature.hashBuckets { return 1 + Int(StableHash.fnv1a(text) % UInt64(buckets)) }
        return feature.vocabulary?[text] ?? 0
    }
}

/// FNV-1a: a hash that is the same in every process (Swift's Hasher is seeded per run).
enum StableHash {
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0100_0000_01b3
        }
        return hash
    }
}

extension FeatureTransform.Label {
    /// How a row of the label column becomes the task's label: nil when missing.
    /// A `positive` that starts with a comparison is a condition on the value
    /// (`>= 4` is 1 for 4 and 5, 0 for 1 to 3); any other `positive` is the
    /// text that means 1; without one, the column's number is the label.
    func rule() throws -> (Column, Int) -> Float? {
        guard let positive else { return { column, row in column.number(row).map(Float.init) } }
        let trimmed = positive.trimmingCharacters(in: .whitespaces)
        guard let first = trimmed.first, "<>=!".contains(first) else {
            return { column, row in
                let text = column.text(row)
                return text.isEmpty ? nil : (text == positive ? 1 : 0)
            }
        }
        let condition: Formula
        do { condition = try Formula.parse("value " + trimmed, names: ["value"]) } catch let error as Formula.ParseError {
            throw StageFailure("positive_labels '\(task)': '\(positive)' is not a condition on the value: \(error.message)")
        }
        return { column, row in
            condition.evaluate { _ in column.expressionValue(row) }.number.map(Float.init)
        }
    }
}
