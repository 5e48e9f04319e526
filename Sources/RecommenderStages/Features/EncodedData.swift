import Foundation
import MultiTaskLearning

/// Turns an encoded table (see `FeatureTransform.encode`) into the
/// learning core's `Dataset`, with the tasks in the model's order.
enum EncodedData {
    static func dataset(_ table: Table, transform: FeatureTransform, schema: FeatureSchema, tasks: [String]) throws -> Dataset {
        let rows = table.rowCount
        var numeric = [Float](repeating: 0, count: rows * schema.numericCount)
        for (position, name) in schema.numericNames.enumerated() {
            guard case .float(let values)? = table["num.\(name)"] else { throw StageFailure("the table has no encoded numeric feature '\(name)'") }
            for row in 0..<rows { numeric[row * schema.numericCount + position] = values[row] }
        }
        let categoricalCount = schema.categorical.count
        var categorical = [Int32](repeating: 0, count: rows * categoricalCount)
        for (position, feature) in schema.categorical.enumerated() {
            guard case .int(let values)? = table["cat.\(feature.name)"] else { throw StageFailure("the table has no encoded categorical feature '\(feature.name)'") }
            for row in 0..<rows { categorical[row * categoricalCount + position] = Int32(min(max(values[row], 0), Int64(feature.cardinality - 1))) }
        }
        var labels: [[Float]] = [], masks: [[Float]?] = []
        for task in tasks {
            if case .float(let values)? = table["label.\(task)"] {
                labels.append(values.map { $0.isNaN ? 0 : $0 })
                masks.append(values.contains { $0.isNaN } ? values.map { $0.isNaN ? 0 : 1 } : nil)
            } else {
                labels.append([Float](repeating: 0, count: rows))
                masks.append([Float](repeating: 0, count: rows))
            }
        }
        var users: [Int32]?
        if case .string(let keys)? = table["key.user"] {
            var index: [String: Int32] = [:]
            users = keys.map { key in
                if let known = index[key] { return known }
                let next = Int32(index.count)
                index[key] = next
                return next
            }
        }
        let tokens = try TextTokens.matrix(table, features: schema.text)
        return Dataset(schema: schema, taskNames: tasks, numeric: numeric, categorical: categorical, tokens: tokens, labels: labels,
                       masks: masks, users: users)
    }
}
