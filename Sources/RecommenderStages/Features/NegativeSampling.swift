import Foundation
import MultiTaskLearning

/// Negative sampling for implicit feedback (watched, bought: only positives
/// are logged). For every training row whose `task` label is 1, `perPositive`
/// rows are added: the same user and context with an item drawn uniformly
/// from the training items the user never interacted with, the task's label
/// 0 and every other task's label missing (masked out of their losses). Only
/// training rows are read: validation and test rows neither choose nor
/// exclude an item. Seeded.
struct NegativeSampling {
    var task, labelColumn, userColumn, itemColumn: String
    var perPositive: Int
    var seed: UInt64
    /// Columns that describe an item: copied from the sampled item's latest row.
    var itemFeatures: [String]
    /// Every task's label column: the others are set missing on sampled rows.
    var labelColumns: [String]

    /// `train` with the sampled rows appended, and how many were added.
    func augment(_ train: Table) throws -> (table: Table, added: Int) {
        guard let labels = train[labelColumn], let users = train[userColumn], let items = train[itemColumn] else {
            throw StageFailure("negatives: the events need the columns '\(labelColumn)', '\(userColumn)' and '\(itemColumn)'")
        }
        if case .string = labels { throw StageFailure("negatives: the label column '\(labelColumn)' of '\(task)' must hold 0 and 1; derive one in clean, e.g. derive: {\(task): \"...\"}") }
        var latestRow: [String: Int] = [:], seen: [String: Set<String>] = [:]
        for row in 0..<train.rowCount {
            latestRow[items.text(row)] = row
            seen[users.text(row), default: []].insert(items.text(row))
        }
        let catalog = latestRow.keys.sorted()
        var random = RandomSource(seed: seed)
        var sources: [Int] = [], picks: [Int] = []
        for row in 0..<train.rowCount where labels.number(row) == 1 {
            let user = users.text(row)
            for _ in 0..<perPositive {
                // A user who saw nearly everything may have no unseen item left: give up after a bounded number of draws.
                for _ in 0..<64 {
                    let item = catalog[random.int(below: catalog.count)]
                    guard seen[user]?.contains(item) != true else { continue }
                    seen[user, default: []].insert(item)
                    sources.append(row)
                    picks.append(latestRow[item]!)
                    break
                }
            }
        }
        var table = Table()
        let itemSide = Set(itemFeatures + [itemColumn])
        for (name, column) in zip(train.names, train.columns) {
            let from = itemSide.contains(name) ? picks : sources
            if name == labelColumn {
                table[name] = .float(train.floats(name)! + Array(repeating: 0, count: from.count))
            } else if labelColumns.contains(name) {
                // Another task's label: missing on sampled rows, whatever its type.
                table[name] = switch column {
                case .string(let values): .string(values + Array(repeating: "", count: from.count))
                default: .float(train.floats(name)! + Array(repeating: .nan, count: from.count))
                }
            } else {
                table[name] = column.appending(column.rows(from))
            }
        }
        table[Self.flagColumn] = .float(Array(repeating: 0, count: train.rowCount) + Array(repeating: 1, count: sources.count))
        return (table, sources.count)
    }

    /// 1 on the rows this sampling added: later stages leave them out of
    /// "what the user interacted with" (seen items, popularity, retrieval).
    static let flagColumn = "sampled.negative"
}



extension Column {
    func appending(_ other: Column) -> Column {
        switch (self, other) {
        case (.float(let a), .float(let b)): .float(a + b)
        case (.int(let a), .int(let b)): .int(a + b)
        case (.string(let a), .string(let b)): .string(a + b)
        default: preconditionFailure("appending a \(other.typeName) column to a \(typeName) one")
        }
    }
}
