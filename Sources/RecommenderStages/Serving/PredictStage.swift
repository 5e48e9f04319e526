import Foundation
import MultiTaskLearning
import Orchestrator

/// predict: scores rows with every task. In `table` mode it scores the given
/// encoded table (the test split); in `candidates` mode it scores, for each
/// user of that table with history, items they have not interacted with:
/// the most popular ones, or all of them.
struct PredictStage: BuiltinStage {
    let name = "predict"

    struct Params: Decodable {
        enum Mode: String, Decodable { case table, candidates }
        enum CandidateSource: String, Decodable { case popular, allUnseen = "all_unseen" }
        var mode: Mode
        var candidates: CandidateSource
        var candidatesPerUser: Int

        enum CodingKeys: String, CodingKey {
            case mode, candidates, candidatesPerUser = "candidates_per_user"
        }
    }

    func run(_ context: BuiltinContext) throws {
        let params = try context.params(Params.self)
        let model = try context.model()
        let transform = try context.readJSON(FeatureTransform.self, from: "transform")
        let tasks = model.architecture.tasks.map(\.name)
        var rows = try context.table("dataset")
        if params.mode == .candidates {
            guard context.input("history") != nil else { throw StageFailure("mode 'candidates' needs the input 'history' (the training rows)") }
            let candidates = Candidates(transform: transform, history: try context.table("history"),
                                        perUser: params.candidatesPerUser, allUnseen: params.candidates == .allUnseen)
            rows = context.input("candidates") != nil ? try candidates.make(retrieved: try context.table("candidates"))
                                                      : try candidates.make(for: rows)
        }
        let data = try EncodedData.dataset(rows, transform: transform, schema: model.architecture.features, tasks: tasks)
        let predictions = Predictor.predict(model, on: data)
        var scores = Table()
        for name in rows.names where ["key.", "label.", "keep.", "retrieval."].contains(where: { name.hasPrefix($0) }) {
            scores[name] = rows[name]
        }
        for (task, values) in zip(tasks, predictions) { scores["score.\(task)"] = .float(values) }
        try context.write(scores, to: "scores")
        context.log("predict: \(scores.rowCount) rows scored for \(tasks.joined(separator: ", "))")
    }
}

/// Candidate rows: a user's features from their latest training row, an
/// item's features from its latest row, other (context) features at their
/// most common value (no text for a text feature).
struct Candidates {
    let transform: FeatureTransform
    let history: Table
    let perUser: Int
    let allUnseen: Bool

    /// The training rows indexed: each user's and item's latest row, item counts, seen items.
    private struct HistoryIndex {
        var lastUserRow: [String: Int] = [:], lastItemRow: [String: Int] = [:], popularity: [String: Int] = [:]
        var seen: [String: Set<String>] = [:]
    }

    private func index() throws -> HistoryIndex {
        let (historyUsers, historyItems) = try history.userItemKeys()
        var index = HistoryIndex()
        for row in history.loggedRows {
            index.lastUserRow[historyUsers[row]] = row
            index.lastItemRow[historyItems[row]] = row
            index.popularity[historyItems[row], default: 0] += 1
            index.seen[historyUsers[row], default: []].insert(historyItems[row])
        }
        return index
    }

    /// The most popular unseen items (or all of them) for each user of `target` with history.
    func make(for target: Table) throws -> Table {
        guard case .string(let targetUsers)? = target["key.user"] else {
            throw StageFailure("candidates need user and item keys: set user_column and item_column in features")
        }
        let index = try index()
        let ranked = index.popularity.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        let users = Array(Set(targetUsers)).filter { index.lastUserRow[$0] != nil }.sorted()

        var pairs: [(user: String, item: String)] = []
        for user in users {
            let unseen = ranked.lazy.filter { !index.seen[user]!.contains($0) }
            pairs += (allUnseen ? Array(unseen) : Array(unseen.prefix(perUser))).map { (user, $0) }
        }
        return rows(for: pairs, index: index)
    }

    /// The pairs a retrieve stage chose, with its retrieval.* columns carried
    /// along. Users without training rows are left out: the model knows nothing
    /// of them, and rank serves them the popular items (marked as such).
    func make(retrieved: Table) throws -> Table {
        let (users, items) = try retrieved.userItemKeys()
        let index = try index()
        let known = users.indices.filter { index.lastUserRow[users[$0]] != nil }
        var table = rows(for: known.map { (user: users[$0], item: items[$0]) }, index: index)
        for name in retrieved.names where name.hasPrefix("retrieval.") { table[name] = retrieved[name]!.rows(known) }
        return table
    }

    private func rows(for pairs: [(user: String, item: String)], index: HistoryIndex) -> Table {
        let lastUserRow = index.lastUserRow, lastItemRow = index.lastItemRow
        var table = Table()
        table["key.user"] = .string(pairs.map(\.user))
        table["key.item"] = .string(pairs.map(\.item))
        for name in history.names where ["cat.", "num.", "text.", "keep."].contains(where: name.hasPrefix) {
            let raw = name.split(separator: ".", maxSplits: 1).last.map(String.init) ?? name
            let source: (String, String) -> Int? = transform.userFeatures.contains(raw)
                ? { user, _ in lastUserRow[user] }
                : (transform.itemFeatures.contains(raw) || name.hasPrefix("keep.")) ? { _, item in lastItemRow[item] } : { _, _ in nil }
            switch history[name]! {
            case .int(let values):
                let common = MissingValues.mostFrequent(values) ?? 0
                table[name] = .int(pairs.map { pair in source(pair.user, pair.item).map { values[$0] } ?? common })
            case .float(let values):
                let fallback: Float = name.hasPrefix("num.") ? 0 : .nan
                table[name] = .float(pairs.map { pair in source(pair.user, pair.item).map { values[$0] } ?? fallback })
            case .string(let values):
                table[name] = .string(pairs.map { pair in source(pair.user, pair.item).map { values[$0] } ?? "" })
            }
        }
        return table
    }
}
