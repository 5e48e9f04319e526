import Foundation
import MultiTaskLearning
import Orchestrator

/// features: splits the events into train, valid and test, fits the feature
/// transform on train (vocabularies, statistics, buckets, text hashing), and writes the
/// three encoded tables and the transform that predict applies to new data.
struct FeaturesStage: BuiltinStage {
    let name = "features"

    struct Params: Decodable {
        var categorical, numeric, text, userFeatures, itemFeatures, keep: [String]
        var transforms, labels, positiveLabels: [String: String]
        var hashBuckets: [String: Int]
        var fillMissingLabels: [String: Double]
        var negatives: [String: ParamValue]
        var minCount, seed, textBuckets, textSlots: Int
        var userColumn, itemColumn, timeColumn: String
        var split: Splitter.Method
        var validFraction, testFraction, leakageThreshold: Double

        enum CodingKeys: String, CodingKey {
            case categorical, numeric, text, transforms, labels, negatives, keep, split, seed
            case textBuckets = "text_buckets", textSlots = "text_slots"
            case hashBuckets = "hash_buckets", minCount = "min_count", positiveLabels = "positive_labels",
                 fillMissingLabels = "fill_missing_labels", userColumn = "user_column", itemColumn = "item_column",
                 userFeatures = "user_features", itemFeatures = "item_features", timeColumn = "time_column",
                 validFraction = "valid_fraction", testFraction = "test_fraction", leakageThreshold = "leakage_threshold"
        }

        /// Every column list with its wildcards (`g_*`) expanded against the events' columns.
        mutating func expandWildcards(in events: Table) {
            for path in [\Params.categorical, \.numeric, \.text, \.userFeatures, \.itemFeatures, \.keep] {
                self[keyPath: path] = FeaturesStage.expand(self[keyPath: path], in: events)
            }
        }
    }

    func run(_ context: BuiltinContext) throws {
        var params = try context.params(Params.self)
        let events = try context.table("events")
        params.expandWildcards(in: events)
        let categorical = params.categorical, numeric = params.numeric
        let labels = params.labels
        guard !labels.isEmpty else { throw StageFailure("'labels' is empty: map each task to its label column, e.g. {click: click}") }
        if let reserved = labels.keys.sorted().first(where: EvaluationMetrics.sections.contains) {
            throw StageFailure("labels: a task cannot be named '\(reserved)': evaluate's metrics.json has a section of that name; the reserved names are \(EvaluationMetrics.sections.sorted().joined(separator: ", "))")
        }
        try refuseLabelsAsFeatures(labels, features: ["categorical": categorical, "numeric": numeric, "text": params.text,
                                                      "user_features": params.userFeatures, "item_features": params.itemFeatures])
        if let both = params.text.first(where: { (categorical + numeric).contains($0) }) {
            throw StageFailure("column '\(both)' is in 'text' and in '\(categorical.contains(both) ? "categorical" : "numeric")': a column is one kind of feature")
        }
        for column in categorical + numeric + params.text + labels.values.sorted() where events[column] == nil {
            throw StageFailure("no column '\(column)' in the events table; columns are: \(events.names.joined(separator: ", "))")
        }

        let (trainRows, validRows, testRows) = try Splitter(params).split(events)
        var train = events.rows(trainRows)
        if let sampling = try negativeSampling(params) {
            let added: Int
            (train, added) = try sampling.augment(train)
            context.log("features: \(added) sampled negatives for '\(sampling.task)' (\(sampling.perPositive) per positive) added to train")
        }
        // Fitted on the logged rows: sampled negatives would count toward vocabularies and statistics.
        let logged = train.rows(train.loggedRows)
        var transform = try fit(logged, params)
        transform.warnings += LeakageCheck.warnings(logged, transform: transform, threshold: params.leakageThreshold)
        let describing = params.userFeatures + params.itemFeatures
        for name in params.text where !describing.isEmpty && !describing.contains(name) {
            transform.warnings.append("text '\(name)' is in neither user_features nor item_features: candidate rows (predict's candidates, serve, explain) will have no text for it")
        }
        for warning in transform.warnings { context.log("warning: \(warning)") }

        var encodedTrain = try transform.encode(train)
        encodedTrain[NegativeSampling.flagColumn] = train[NegativeSampling.flagColumn]
        try context.write(encodedTrain, to: "train")
        for (name, rows) in [("valid", validRows), ("test", testRows)] {
            try context.write(try transform.encode(events.rows(rows)), to: name)
        }
        try context.writeJSON(transform, to: "transform")
        context.log("features: \(train.rowCount) train, \(validRows.count) valid, \(testRows.count) test rows; "
                    + "\(transform.categorical.count) categorical, \(transform.numeric.count) numeric, \(params.text.count) text features")
    }

    /// The `negatives` param, read: nil when it is empty.
    private func negativeSampling(_ params: Params) throws -> NegativeSampling? {
        let spec = params.negatives, labels = params.labels
        guard !spec.isEmpty else { return nil }
        for key in spec.keys where !["task", "per_positive", "seed"].contains(key) {
            throw StageFailure("negatives: unknown key '\(key)'\(Suggestion.hint(for: key, in: ["task", "per_positive", "seed"])); write {task: T, per_positive: N, seed: S}")
        }
        guard case .string(let task)? = spec["task"], let column = labels[task] else {
            throw StageFailure("negatives: 'task' must name one of the labelled tasks: \(labels.keys.sorted().joined(separator: ", "))")
        }
        func wholeNumber(_ key: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
            guard let raw = spec[key] else { return value }
            guard case .int(let whole) = raw, range.contains(whole) else {
                throw StageFailure("negatives: \(key) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(raw)")
            }
            return whole
        }
        let perPositive = try wholeNumber("per_positive", default: 4, in: 1...1000)
        let seed = try wholeNumber("seed", default: 7, in: 0...Int.max)
        if params.positiveLabels[task] != nil {
            throw StageFailure("negatives: task '\(task)' reads its label through positive_labels; derive a 0/1 column in clean instead")
        }
        let itemFeatures = params.itemFeatures
        guard !itemFeatures.isEmpty else {
            throw StageFailure("negatives need item_features: the columns that describe an item, copied from the sampled item's row")
        }
        return NegativeSampling(task: task, labelColumn: column, userColumn: params.userColumn, itemColumn: params.itemColumn,
                                perPositive: perPositive, seed: UInt64(seed),
                                itemFeatures: itemFeatures, labelColumns: Array(Set(labels.values)))
    }

    /// Column names, where "x*" stands for every column starting with "x".
    static func expand(_ patterns: [String], in table: Table) -> [String] {
        patterns.flatMap { pattern -> [String] in
            guard pattern.hasSuffix("*") else { return [pattern] }
            return table.names.filter { $0.hasPrefix(pattern.dropLast()) }
        }
    }

    private func refuseLabelsAsFeatures(_ labels: [String: String], features: [String: [String]]) throws {
        for (task, column) in labels.sorted(by: { $0.key < $1.key }) {
            for (list, columns) in features.sorted(by: { $0.key < $1.key }) where columns.contains(column) {
                throw StageFailure("column '\(column)' is the label of task '\(task)' and cannot also be a feature: remove it from '\(list)'")
            }
        }
    }

    private func fit(_ train: Table, _ params: Params) throws -> FeatureTransform {
        let minimumCount = params.minCount
        let hashBuckets = params.hashBuckets
        let methods = params.transforms
        let labels = params.labels
        var categoricalFeatures: [FeatureTransform.Categorical] = []
        var numericFeatures: [FeatureTransform.Numeric] = []
        var nonFinite: [String] = []

        for name in params.categorical {
            let column = train[name]!
            if let buckets = hashBuckets[name] {
                categoricalFeatures.append(.init(name: name, hashBuckets: buckets))
                continue
            }
            var counts: [String: Int] = [:]
            for row in 0..<train.rowCount { counts[column.text(row), default: 0] += 1 }
            let kept = counts.filter { $0.value >= minimumCount }.keys.sorted()
            categoricalFeatures.append(.init(name: name, vocabulary: Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($1, $0 + 1) })))
        }
        for name in params.numeric {
            let method = methods[name] ?? "standardize"
            let all = (0..<train.rowCount).map { train[name]!.number($0) }
            let values = all.compactMap { $0 }.filter(\.isFinite)
            let missing = all.count { $0 == nil }, infinite = all.count - missing - values.count
            let bucketed = method.hasPrefix("buckets:")
            if missing + infinite > 0 {
                // Stated once, where it is decided: what such values are encoded as.
                let rule = bucketed ? "a missing value gets a code of its own, an infinite one the first or last bucket" : "encoded as the train mean"
                nonFinite.append("numeric '\(name)': \(missing) missing and \(infinite) infinite values in \(train.rowCount) train rows, \(rule)")
            }
            if bucketed {
                guard let count = Int(method.dropFirst(8)), count >= 2 else { throw StageFailure("transforms: '\(name)': write buckets:N with N >= 2") }
                guard !values.isEmpty else {
                    throw StageFailure("transforms: '\(name)': buckets need finite values in the train rows, and there are none")
                }
                let sorted = values.sorted()
                let boundaries = (1..<count).map { Float(sorted[min(sorted.count - 1, $0 * sorted.count / count)]) }
                categoricalFeatures.append(.init(name: name, boundaries: Array(Set(boundaries)).sorted()))
                continue
            }
            guard ["standardize", "log1p", "none"].contains(method) else {
                throw StageFailure("transforms: '\(name)': unknown method '\(method)'; use standardize, log1p, none or buckets:N")
            }
            let transformed = method == "log1p" ? values.map { log1p(max($0, 0)) } : values
            let mean = transformed.isEmpty ? 0 : transformed.reduce(0, +) / Double(transformed.count)
            let variance = transformed.isEmpty ? 1 : transformed.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(transformed.count)
            numericFeatures.append(.init(name: name, method: method, mean: Float(mean), deviation: Float(max(variance.squareRoot(), 1e-6))))
        }
        let labelRules = labels.keys.sorted().map { task in
            FeatureTransform.Label(task: task, column: labels[task]!, positive: params.positiveLabels[task],
                                   fillMissing: params.fillMissingLabels[task].map(Float.init))
        }
        let textFeatures = params.text.map { TextFeature(name: $0, buckets: params.textBuckets, slots: params.textSlots) }
        return FeatureTransform(categorical: categoricalFeatures, numeric: numericFeatures, text: textFeatures.isEmpty ? nil : textFeatures,
                                labels: labelRules,
                                userColumn: train[params.userColumn] != nil ? params.userColumn : nil,
                                itemColumn: train[params.itemColumn] != nil ? params.itemColumn : nil,
                                userFeatures: params.userFeatures, itemFeatures: params.itemFeatures,
                                keep: params.keep, warnings: nonFinite)
    }
}

/// Splits rows into train, valid and test: at random (seeded), by time (the
/// latest rows are tested), or by user (each user's rows stay together).
struct Splitter {
    enum Method: String, Decodable { case random, time, user }
    var method: Method
    var validFraction: Double
    var testFraction: Double
    var seed: UInt64
    var timeColumn: String?
    var userColumn: String?

    init(_ params: FeaturesStage.Params) throws {
        method = params.split
        validFraction = params.validFraction
        testFraction = params.testFraction
        seed = UInt64(params.seed)
        timeColumn = params.timeColumn
        userColumn = params.userColumn
        guard validFraction + testFraction < 1 else { throw StageFailure("valid_fraction + test_fraction must be below 1") }
    }

    func split(_ table: Table) throws -> ([Int], [Int], [Int]) {
        var random = RandomSource(seed: seed)
        let rows = table.rowCount
        switch method {
        case .random:
            var order = Array(0..<rows)
            random.shuffle(&order)
            return cut(order)
        case .time:
            guard let name = timeColumn, let column = table[name] else { throw StageFailure("split: time needs an existing 'time_column'") }
            let order = (0..<rows).sorted { (column.number($0) ?? 0, $0) < (column.number($1) ?? 0, $1) }
            return cut(order)
        case .user:
            guard let name = userColumn, let column = table[name] else { throw StageFailure("split: user needs an existing 'user_column'") }
            var users = Array(Set((0..<rows).map { column.text($0) })).sorted()
            random.shuffle(&users)
            let (trainUsers, validUsers, _) = cut(Array(users.indices))
            let trainSet = Set(trainUsers.map { users[$0] }), validSet = Set(validUsers.map { users[$0] })
            var result: ([Int], [Int], [Int]) = ([], [], [])
            for row in 0..<rows {
                let user = column.text(row)
                if trainSet.contains(user) { result.0.append(row) } else if validSet.contains(user) { result.1.append(row) } else { result.2.append(row) }
            }
            return result
        }
    }

    /// The first share of `order` for train, then valid, then test.
    private func cut<T>(_ order: [T]) -> ([T], [T], [T]) {
        let testCount = Int((Double(order.count) * testFraction).rounded())
        let validCount = Int((Double(order.count) * validFraction).rounded())
        let trainEnd = order.count - testCount - validCount
        return (Array(order[..<trainEnd]), Array(order[trainEnd..<(trainEnd + validCount)]), Array(order[(trainEnd + validCount)...]))
    }
}

/// Warns about a feature that predicts a label almost perfectly: usually a
/// label (or something computed from it) slipped into the features.
enum LeakageCheck {
    static func warnings(_ train: Table, transform: FeatureTransform, threshold: Double) -> [String] {
        var warnings: [String] = []
        for label in transform.labels {
            guard let column = train[label.column] else { continue }
            guard let rule = try? label.rule() else { continue }
            let rows = (0..<train.rowCount).filter { rule(column, $0) != nil }
            let target = rows.map { rule(column, $0)! }
            let binary = Set(target).isSubset(of: [0, 1])
            for feature in transform.numeric.map(\.name) + transform.categorical.map(\.name) {
                guard let values = train[feature] else { continue }
                let scores: [Float]
                let isNumeric = transform.numeric.contains { $0.name == feature }
                    || transform.categorical.contains { $0.name == feature && $0.boundaries != nil }
                if isNumeric {
                    scores = rows.map { Float(values.number($0) ?? 0) }
                } else {
                    // A categorical feature scores each row by its value's mean label,
                    // unless it has so many values that any would look predictive.
                    var sums: [String: (Double, Double)] = [:]
                    for (index, row) in rows.enumerated() {
                        sums[values.text(row), default: (0, 0)].0 += Double(target[index])
                        sums[values.text(row), default: (0, 0)].1 += 1
                    }
                    guard sums.count * 20 <= rows.count else { continue }
                    scores = rows.map { row in
                        let (total, count) = sums[values.text(row)]!
                        return Float(total / count)
                    }
                }
                let strength: Double
                if binary {
                    guard let auc = Metrics.auc(scores: scores, labels: target) else { continue }
                    strength = max(auc, 1 - auc)
                } else {
                    guard let correlation = Metrics.pearson(scores, target) else { continue }
                    strength = abs(correlation)
                }
                if strength.isFinite, strength >= threshold {
                    warnings.append("feature '\(feature)' predicts the label of task '\(label.task)' almost perfectly (\(binary ? "AUC" : "|correlation|") \(String(format: "%.4f", strength))): check it is not derived from the label")
                }
            }
        }
        return warnings
    }
}
