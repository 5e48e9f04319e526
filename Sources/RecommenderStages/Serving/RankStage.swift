import Foundation
import Orchestrator

/// rank: top-K items per user by a fusion of task scores, excluding items the
/// user has already seen or owns (their own posts, with `owner_column`),
/// with an optional cap per category; users without
/// history get the most popular items (cold start). Writes
/// recommendations.csv: user, rank, item, score and each task's score.
struct RankStage: BuiltinStage {
    let name = "rank"
    /// Names an expression may use beside the tasks, each from 0 to 1:
    /// popularity, an item's training interactions over the most any item has;
    /// retrieval, retrieve's score, min-max scaled over the user's candidates.
    static let signals = ["popularity", "retrieval"]

    struct Params: Decodable {
        var expression, categoryColumn, ownerColumn: String
        var columns: [String]
        var topK, maxPerCategory: Int
        var excludeSeen: Bool

        enum CodingKeys: String, CodingKey {
            case expression, topK = "top_k", excludeSeen = "exclude_seen", maxPerCategory = "max_per_category",
                 categoryColumn = "category_column", ownerColumn = "owner_column", columns
        }
    }

    func run(_ context: BuiltinContext) throws {
        let params = try context.params(Params.self)
        let scores = try context.table("scores")
        let tasks = scores.names.filter { $0.hasPrefix("score.") }.map { String($0.dropFirst(6)) }
        let expression: Formula
        do { expression = try Formula.parse(params.expression, names: tasks + Self.signals + params.columns) } catch {
            throw StageFailure("param 'expression': \(error)")
        }
        let itemColumns = try Self.itemColumns(params.columns, in: scores, tasks: tasks)
        guard case .string(let users)? = scores["key.user"], case .string(let items)? = scores["key.item"] else {
            throw StageFailure("the scores have no key.user and key.item columns")
        }
        let topK = params.topK, cap = params.maxPerCategory
        let categoryColumn = scores["keep.\(params.categoryColumn)"]
        if cap > 0, categoryColumn == nil {
            throw StageFailure("max_per_category needs the category column kept by features (keep: [\(params.categoryColumn)])")
        }
        let taskColumns = tasks.map { scores.floats("score.\($0)")! }

        let interactions = try ["history", "valid"].filter { context.input($0) != nil }.map { try context.table($0) }
        // Owners from the scores (candidate rows) and the training rows (the cold-start lists' popular items).
        let historyTables = context.input("history") != nil ? Array(interactions.prefix(1)) : []
        let owned = try Table.ownedItems(in: [scores] + historyTables, column: params.ownerColumn)
        let seen = try Table.seenItems(in: interactions)
        // Popularity (the cold-start lists) counts training rows only.
        var popularity: [String: Int] = [:]
        if context.input("history") != nil, let history = interactions.first {
            let items = try history.userItemKeys().items
            for row in history.loggedRows { popularity[items[row], default: 0] += 1 }
        }
        let excludeSeen = params.excludeSeen
        if expression.names.contains("popularity"), popularity.isEmpty {
            throw StageFailure("the expression uses popularity, which needs the input 'history' (the training rows)")
        }
        let mostPopular = Double(popularity.values.max() ?? 1)
        let retrieval = scores.floats("retrieval.score")
        if expression.names.contains("retrieval"), retrieval == nil {
            throw StageFailure("the expression uses retrieval, which needs scores of retrieved candidates (predict with the input 'candidates')")
        }

        var rowsByUser: [String: [Int]] = [:]
        for row in 0..<scores.rowCount { rowsByUser[users[row], default: []].append(row) }
        var lines = ["user,rank,item,score," + tasks.joined(separator: ",") + ",source"]
        for user in rowsByUser.keys.sorted() {
            let rows = rowsByUser[user]!
            let retrievalRange = retrieval.map { values in rows.map { values[$0] } }.map { ($0.min() ?? 0, $0.max() ?? 0) }
            let ranked = rows.map { row -> (row: Int, score: Double) in
                var values = Dictionary(uniqueKeysWithValues: zip(tasks, taskColumns.map { Double($0[row]) }))
                values["popularity"] = Double(popularity[items[row]] ?? 0) / mostPopular
                if let retrieval, let (low, high) = retrievalRange {
                    values["retrieval"] = high > low ? Double((retrieval[row] - low) / (high - low)) : 1
                }
                // A missing value leaves the name out: the expression reads it as missing (0), never NaN.
                for (name, column) in itemColumns {
                    if let value = column.number(row), value.isFinite { values[name] = value }
                }
                return (row, expression.evaluate(values))
            }.sorted { $0.score != $1.score ? $0.score > $1.score : items[$0.row] < items[$1.row] }
            var chosen: [(row: Int, score: Double)] = [], perCategory: [String: Int] = [:], used: Set<String> = []
            for candidate in ranked where chosen.count < topK {
                let item = items[candidate.row]
                if used.contains(item) || (excludeSeen && seen[user]?.contains(item) == true) || owned[user]?.contains(item) == true { continue }
                if cap > 0, let category = categoryColumn?.text(candidate.row) {
                    if perCategory[category, default: 0] >= cap { continue }
                    perCategory[category, default: 0] += 1
                }
                used.insert(item)
                chosen.append(candidate)
            }
            for (rank, candidate) in chosen.enumerated() {
                let taskScores = taskColumns.map { String(format: "%.6f", $0[candidate.row]) }.joined(separator: ",")
                lines.append("\(user),\(rank + 1),\(items[candidate.row]),\(String(format: "%.6f", candidate.score)),\(taskScores),model")
            }
        }
        // Cold start: users to serve who have no scored candidates get the most popular items.
        var fallbackUsers = 0
        if context.input("users") != nil, case .string(let wanted)? = try context.table("users")["key.user"] {
            let popular = popularity.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
            for user in Set(wanted).subtracting(rowsByUser.keys).sorted() {
                fallbackUsers += 1
                let picks = popular.filter { !(excludeSeen && seen[user]?.contains($0) == true) && owned[user]?.contains($0) != true }.prefix(topK)
                let empty = Array(repeating: "", count: tasks.count).joined(separator: ",")
                for (rank, item) in picks.enumerated() {
                    lines.append("\(user),\(rank + 1),\(item),\(popularity[item]!),\(empty),popularity")
                }
            }
        }
        try (lines.joined(separator: "\n") + "\n").write(to: context.output("recommendations"), atomically: true, encoding: .utf8)
        context.log("rank: top-\(topK) lists for \(rowsByUser.count) users by '\(params.expression)', \(fallbackUsers) users by popularity")
    }

    /// The kept item columns (`keep.NAME`) an expression may read by name,
    /// e.g. price for an expected purchase value.
    static func itemColumns(_ names: [String], in table: Table, tasks: [String]) throws -> [(String, Column)] {
        try names.map { name in
            if (tasks + signals).contains(name) {
                throw StageFailure("param 'columns': '\(name)' is already a task or signal name the expression reads")
            }
            guard let column = table["keep.\(name)"] else {
                throw StageFailure("param 'columns': '\(name)' is not kept by features (keep: [\(name)]) so the expression cannot read it")
            }
            if case .string = column { throw StageFailure("param 'columns': '\(name)' holds text; the expression reads numbers") }
            return (name, column)
        }
    }
}
