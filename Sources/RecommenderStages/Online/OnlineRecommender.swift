import Foundation
import MultiTaskLearning

/// One user's list on request, computed as the pipeline's predict and rank
/// stages compute the offline lists: candidates (retrieve's for that user, or
/// else the most popular items they have not seen), every task's score from
/// the trained model, the rank expression, the same exclusions and caps. A
/// user the model never saw gets the most popular items, marked as such.
/// Immutable once loaded; safe to call from many threads at once.
public final class OnlineRecommender: Sendable {
    public let runID: String
    public let tasks: [String]
    public let defaultK: Int
    /// The longest list a request can ask for.
    public static let maximumK = 1000

    private let transform: FeatureTransform
    private let encoder: CandidateEncoder
    private let leaveOut: LeaveOneFeatureOut
    /// How many features an explained item names per task.
    public static let explainedFeatures = 3
    private let models: ModelPool
    private let settings: RankStage.Params
    private let expression: Formula
    private let retrieved: [String: (items: [String], scores: [Float])]
    private let candidatesPerUser: Int
    private let allUnseen: Bool
    /// Items by training interactions, most first (ties by name).
    private let popular: [String]
    private let popularity: [String: Int]
    private let mostPopular: Double
    /// Items each user interacted with in training (what popular candidates
    /// skip) and in training or validation (what rank leaves out).
    private let trainSeen: [String: Set<String>], seen: [String: Set<String>]
    /// Each item's category (from its latest training row) for the per-category cap.
    private let categories: [String: String]
    /// Each user's own items (owner_column): never in their list.
    private let owned: [String: Set<String>]
    /// The kept item columns rank's expression reads (rank's `columns`), by item.
    private let itemValues: [String: [String: Double]]

    public struct Recommendations: Encodable, Sendable {
        public enum Source: String, Encodable, Sendable {
            /// Scored by the model and ranked by the expression.
            case model
            /// The cold-start fallback: most popular items, for a user the model never saw.
            case popularity
        }

        public struct Item: Encodable, Sendable {
            public var item: String
            public var rank: Int
            public var score: Double
            /// Each task's score; absent for the popularity fallback.
            public var scores: [String: Double]?
            /// With `explain`: the expression's other inputs (popularity and
            /// retrieval, each from 0 to 1) and where the candidate came from.
            public var explanation: Explanation?

            // JSON has no NaN or infinity (JSONEncoder would refuse the whole
            // answer): a score the model or the expression could not make finite is null.
            public func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(item, forKey: .item)
                try container.encode(rank, forKey: .rank)
                try container.encode(score.isFinite ? score : nil, forKey: .score)
                try container.encodeIfPresent(scores?.mapValues { $0.isFinite ? $0 : nil }, forKey: .scores)
                try container.encodeIfPresent(explanation, forKey: .explanation)
            }

            enum CodingKeys: String, CodingKey { case item, rank, score, scores, explanation }
        }

        public struct Explanation: Encodable, Sendable {
            public var popularity: Double
            public var retrieval: Double?
            public var candidateFrom: String
            /// Per task, the features that moved the item's score most (each
            /// left out in turn), largest first; absent for the popularity fallback.
            public var features: [String: [FeatureChange]]?
        }

        public struct FeatureChange: Encodable, Sendable {
            public var feature: String
            public var change: Double
        }

        public var user: String
        public var runId: String
        public var source: Source
        public var expression: String
        public var items: [Item]
    }

    public init(_ artifacts: ServingArtifacts) throws {
        runID = artifacts.runID
        let model = try ModelStore.load(from: artifacts.model)
        tasks = model.architecture.tasks.map(\.name)
        transform = try JSONDecoder().decode(FeatureTransform.self, from: Data(contentsOf: artifacts.transform))
        let history = try TableFolder.read(artifacts.history)
        encoder = try CandidateEncoder(history: history, transform: transform, schema: model.architecture.features)
        leaveOut = try LeaveOneFeatureOut(history: history, transform: transform, schema: model.architecture.features)
        models = ModelPool(model)
        settings = artifacts.rank
        defaultK = settings.topK
        candidatesPerUser = artifacts.candidatesPerUser
        allUnseen = artifacts.allUnseen
        do { expression = try Formula.parse(settings.expression, names: tasks + RankStage.signals + settings.columns) } catch {
            throw StageFailure("rank's expression '\(settings.expression)': \(error)")
        }

        let items = try history.userItemKeys().items
        var popularity: [String: Int] = [:], lastItemRow: [String: Int] = [:]
        for row in history.loggedRows {
            popularity[items[row], default: 0] += 1
            lastItemRow[items[row]] = row
        }
        self.popularity = popularity
        popular = popularity.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        mostPopular = Double(popularity.values.max() ?? 1)
        trainSeen = try Table.seenItems(in: [history])
        seen = try Table.seenItems(in: [history] + (try artifacts.valid.map { [try TableFolder.read($0)] } ?? []))
        if settings.maxPerCategory > 0 {
            guard let column = history["keep.\(settings.categoryColumn)"] else {
                throw StageFailure("max_per_category needs the category column kept by features (keep: [\(settings.categoryColumn)])")
            }
            categories = lastItemRow.mapValues { column.text($0) }
        } else {
            categories = [:]
        }
        itemValues = Dictionary(uniqueKeysWithValues: try RankStage.itemColumns(settings.columns, in: history, tasks: tasks).map { name, column in
            (name, lastItemRow.compactMapValues { row in column.number(row).flatMap { $0.isFinite ? $0 : nil } })
        })
        owned = try Table.ownedItems(in: [history], column: settings.ownerColumn)
        var retrieved: [String: (items: [String], scores: [Float])] = [:]
        if let url = artifacts.candidates {
            let table = try TableFolder.read(url)
            let (candidateUsers, candidateItems) = try table.userItemKeys()
            let scores = table.floats("retrieval.score") ?? []
            for row in 0..<table.rowCount {
                retrieved[candidateUsers[row], default: ([], [])].items.append(candidateItems[row])
                if !scores.isEmpty { retrieved[candidateUsers[row]]!.scores.append(scores[row]) }
            }
        }
        self.retrieved = retrieved
    }

    /// A server answers requests side by side, one core each: OpenBLAS then
    /// runs each request's products on the caller's thread.
    public static func useOneBLASThreadPerRequest() {
        BLAS.setThreads(1)
    }

    /// The top `k` for `user`, leaving out `exclude` as well as what rank leaves out.
    public func recommend(user: String, k: Int, exclude: Set<String> = [], explain: Bool = false) -> Recommendations {
        let skip = exclude.union(settings.excludeSeen ? seen[user] ?? [] : []).union(owned[user] ?? [])
        guard encoder.knows(user: user) else {
            let items = popular.lazy.filter { !skip.contains($0) }.prefix(k).enumerated().map { rank, item in
                Recommendations.Item(item: item, rank: rank + 1, score: Double(popularity[item]!), scores: nil,
                                     explanation: explain ? Explanation(popularity: Double(popularity[item]!) / mostPopular,
                                                                        retrieval: nil, candidateFrom: "popularity") : nil)
            }
            return Recommendations(user: user, runId: runID, source: .popularity, expression: settings.expression, items: Array(items))
        }
        let candidates: [String], retrievalScores: [Float]
        let candidateFrom: String
        if let found = retrieved[user] {
            (candidates, retrievalScores, candidateFrom) = (found.items, found.scores, "retrieve")
        } else {
            let unseen = popular.lazy.filter { self.trainSeen[user]?.contains($0) != true }
            (candidates, retrievalScores, candidateFrom) = (allUnseen ? Array(unseen) : Array(unseen.prefix(candidatesPerUser)), [], "popular")
        }
        let data = encoder.dataset(user: user, items: candidates, tasks: tasks)
        let predictions = models.withModel { Predictor.predict($0, on: data, workers: 1) }
        let low = retrievalScores.min() ?? 0, high = retrievalScores.max() ?? 0
        var ranked: [(row: Int, score: Double)] = []
        ranked.reserveCapacity(candidates.count)
        for row in candidates.indices {
            let retrieval: Double? = retrievalScores.isEmpty ? nil : high > low ? Double((retrievalScores[row] - low) / (high - low)) : 1
            let popularity = Double(self.popularity[candidates[row]] ?? 0) / mostPopular
            let score = expression.evaluate { name in
                switch name {
                case "popularity": .number(popularity)
                case "retrieval": retrieval.map { .number($0) } ?? .missing
                case let column where itemValues[column] != nil:
                    itemValues[column]![candidates[row]].map { .number($0) } ?? .missing
                default: tasks.firstIndex(of: name).map { .number(Double(predictions[$0][row])) } ?? .missing
                }
            }.number ?? 0
            ranked.append((row, score))
        }
        ranked.sort { $0.score != $1.score ? $0.score > $1.score : candidates[$0.row] < candidates[$1.row] }
        var chosen: [Recommendations.Item] = [], chosenRows: [Int] = [], used: Set<String> = [], perCategory: [String: Int] = [:]
        for candidate in ranked where chosen.count < k {
            let item = candidates[candidate.row]
            if used.contains(item) || skip.contains(item) { continue }
            if settings.maxPerCategory > 0 {
                let category = categories[item] ?? ""
                if perCategory[category, default: 0] >= settings.maxPerCategory { continue }
                perCategory[category, default: 0] += 1
            }
            used.insert(item)
            chosenRows.append(candidate.row)
            let retrieval: Double? = retrievalScores.isEmpty ? nil
                : high > low ? Double((retrievalScores[candidate.row] - low) / (high - low)) : 1
            chosen.append(Recommendations.Item(
                item: item, rank: chosen.count + 1, score: candidate.score,
                scores: Dictionary(uniqueKeysWithValues: tasks.indices.map { (tasks[$0], Double(predictions[$0][candidate.row])) }),
                explanation: explain ? Explanation(popularity: Double(popularity[item] ?? 0) / mostPopular, retrieval: retrieval,
                                                   candidateFrom: candidateFrom) : nil))
        }
        if explain, !chosen.isEmpty {
            let changes = models.withModel { leaveOut.changes(of: data.subset(chosenRows), model: $0, workers: 1) }
            for index in chosen.indices {
                chosen[index].explanation?.features = Dictionary(uniqueKeysWithValues: tasks.indices.map { task in
                    (tasks[task], leaveOut.strongest(changes[index][task], count: Self.explainedFeatures)
                        .map { Recommendations.FeatureChange(feature: $0.feature, change: $0.change) })
                })
            }
        }
        return Recommendations(user: user, runId: runID, source: .model, expression: settings.expression, items: chosen)
    }

    public typealias Explanation = Recommendations.Explanation

    /// Every task's score for rows of raw feature values (column -> value),
    /// through the fitted transform as predict's input was encoded. A row
    /// without a feature the model reads is an error naming it.
    public func score(_ rows: [[String: RawValue]]) throws -> [[String: Double]] {
        let features = transform.categorical.map(\.name) + (transform.text ?? []).map(\.name) + transform.numeric.map(\.name)
        if let absent = features.first(where: { name in rows.contains { $0[name] == nil } }) {
            let row = rows.firstIndex { $0[absent] == nil }!
            throw StageFailure("rows[\(row)] has no '\(absent)'; every row needs \(features.joined(separator: ", ")) (null where unknown)")
        }
        // Only the features become columns: a client's other keys cost nothing.
        let encoded = try transform.encode(RawValue.table(rows, columns: features), requireLabels: false)
        let data = try EncodedData.dataset(encoded, transform: transform, schema: encoder.schema, tasks: tasks)
        let predictions = models.withModel { Predictor.predict($0, on: data, workers: 1) }
        return rows.indices.map { row in Dictionary(uniqueKeysWithValues: tasks.indices.map { (tasks[$0], Double(predictions[$0][row])) }) }
    }
}

/// A raw feature value sent by a client: a JSON number, text (a boolean
/// becomes the text "true" or "false") or null.
public enum RawValue: Sendable, Equatable {
    case number(Double), text(String), missing

    /// The named columns of rows as a table: a column of numbers (missing as
    /// NaN) where every value is a number or missing, else a column of text.
    static func table(_ rows: [[String: RawValue]], columns names: [String]) -> Table {
        var table = Table()
        for name in names {
            let values = rows.map { $0[name] ?? .missing }
            if values.allSatisfy({ if case .text = $0 { false } else { true } }) {
                table[name] = .float(values.map { if case .number(let value) = $0 { Float(value) } else { .nan } })
            } else {
                table[name] = .string(values.map {
                    switch $0 {
                    case .number(let value): Column.format(Float(value))
                    case .text(let text): text
                    case .missing: ""
                    }
                })
            }
        }
        return table
    }
}

/// Copies of the model for requests served at the same time: a forward pass
/// writes into its model's buffers, so each request borrows one of its own.
private final class ModelPool: @unchecked Sendable {
    private let original: any MultiTaskModel
    private var idle: [any MultiTaskModel] = []
    private let lock = NSLock()

    init(_ model: any MultiTaskModel) {
        original = model
    }

    func withModel<Result>(_ body: (any MultiTaskModel) throws -> Result) rethrows -> Result {
        let model = lock.withLock { idle.popLast() } ?? original.inferenceReplica()
        defer { lock.withLock { idle.append(model) } }
        return try body(model)
    }
}
