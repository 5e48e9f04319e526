import Foundation
import Orchestrator

/// retrieve: the first of two stages every production recommender has. It
/// picks a few hundred candidates per user from the training interactions;
/// predict then scores only those with the multi-task model.
struct RetrieveStage: BuiltinStage {
    let name = "retrieve"

    struct Params: Decodable {
        enum Method: String, Decodable { case popularity, ease, itemKNN = "item_knn", twoTower = "two_tower" }
        var method: Method
        var candidatesPerUser, neighbours, maxItems: Int
        /// ease's L2 penalty.
        var lambda: Double
        var weightLabel, segmentColumn, ownerColumn: String
        /// two_tower's settings.
        var towerUnits: [Int]
        var dimension, epochs, batchSize, seed: Int
        var learningRate: Double

        enum CodingKeys: String, CodingKey {
            case method, lambda, neighbours, dimension, epochs, seed
            case candidatesPerUser = "candidates_per_user", weightLabel = "weight_label", segmentColumn = "segment_column",
                 towerUnits = "tower_units", batchSize = "batch_size", learningRate = "learning_rate", maxItems = "max_items",
                 ownerColumn = "owner_column"
        }

        var towerSettings: TwoTowerRetrieval.Settings {
            TwoTowerRetrieval.Settings(hidden: towerUnits, dimension: dimension, epochs: epochs, batchSize: batchSize,
                                       learningRate: Float(learningRate), seed: UInt64(seed))
        }
    }

    func run(_ context: BuiltinContext) throws {
        let params = try context.params(Params.self)
        let fullHistory = try context.table("history")
        // Sampled negatives are no interactions: leave them out of everything here.
        let history = fullHistory.rows(fullHistory.loggedRows)
        let (historyUsers, historyItems) = try history.userItemKeys()
        let weightLabel = params.weightLabel
        var weights: [Float]?
        if !weightLabel.isEmpty {
            guard let labels = history.floats("label.\(weightLabel)") else {
                throw StageFailure("weight_label '\(weightLabel)': the history has no label.\(weightLabel); its labels are "
                    + history.names.filter { $0.hasPrefix("label.") }.map { String($0.dropFirst(6)) }.joined(separator: ", "))
            }
            weights = labels.map { $0.isNaN ? 0 : $0 }
        }
        let interactions = Interactions(users: historyUsers, items: historyItems, weights: weights)
        var seen = try Table.seenItems(in: [history] + (context.input("valid") != nil ? [try context.table("valid")] : []))
        // A user's own items (their posts) are never their candidates.
        for (user, items) in try Table.ownedItems(in: [fullHistory], column: params.ownerColumn) {
            seen[user, default: []].formUnion(items)
        }
        let targets = Array(Set(try context.table("users").userItemKeys().users)).sorted()
        let count = params.candidatesPerUser
        let method = params.method

        let popular = interactions.popularityOrder
        let segmentColumn = params.segmentColumn
        let segments = segmentColumn.isEmpty ? nil : try SegmentPopularity(history: history, column: segmentColumn, interactions: interactions)
        var model: (any ItemToItem)?
        var towers: TwoTowerRetrieval?
        if method == .itemKNN { model = ItemNeighbours(interactions, neighbours: params.neighbours) }
        if method == .twoTower {
            guard context.input("transform") != nil else { throw StageFailure("two_tower needs the input 'transform' (features.transform)") }
            let positives = (0..<history.rowCount).filter { (weights?[$0] ?? 1) > 0 }
            towers = try TwoTowerRetrieval(history: history, rows: positives, interactions: interactions,
                                           transform: try context.readJSON(FeatureTransform.self, from: "transform"),
                                           settings: params.towerSettings, report: context.log)
        }
        if method == .ease {
            let limit = params.maxItems
            guard interactions.items.count <= limit else {
                throw StageFailure("ease over \(interactions.items.count) items needs a \(interactions.items.count)^2 inverse "
                    + "(\(interactions.items.count * interactions.items.count * 8 / 1_048_576) MiB), more than max_items \(limit) allows; use method: popularity or raise max_items")
            }
            model = try EASE(interactions, lambda: params.lambda)
        }
        var users: [String] = [], items: [String] = [], scores: [Float] = [], ranks: [Int64] = []
        var coldUsers = 0
        // The user's seen items as a mask over item indices, set and cleared per
        // user: the skip test runs once per catalog item per user.
        var isSeen = [Bool](repeating: false, count: interactions.items.count)
        for user in targets {
            let seenIndices = (seen[user] ?? []).compactMap { interactions.itemIndex[$0] }
            for index in seenIndices { isSeen[index] = true }
            let picks: [(item: Int, score: Double)]
            if let values = towers?.scores(for: user) ?? interactions.byUser[user].flatMap({ row in model?.scores(row) }) {
                picks = TopK.indices(of: values, count: count) { isSeen[$0] }.map { ($0, values[$0]) }
            } else {
                if model != nil || towers != nil { coldUsers += 1 }
                let order = segments?.order(for: user) ?? popular
                picks = order.lazy.filter { !isSeen[$0] }.prefix(count).map { ($0, interactions.popularity[$0]) }
            }
            for index in seenIndices { isSeen[index] = false }
            for (rank, pick) in picks.enumerated() {
                users.append(user)
                items.append(interactions.items[pick.item])
                scores.append(Float(pick.score))
                ranks.append(Int64(rank + 1))
            }
        }
        try context.write(Table([("key.user", .string(users)), ("key.item", .string(items)), ("retrieval.score", .float(scores)),
                                 ("retrieval.rank", .int(ranks))]), to: "candidates")
        context.log("retrieve: \(method.rawValue), up to \(count) of \(interactions.items.count) items for \(targets.count) users (\(users.count) candidates)"
            + (coldUsers > 0 ? "; \(coldUsers) users without interactions got the most popular items" : ""))
    }
}

/// An item-to-item model: a user's score for every item from the items they interacted with.
protocol ItemToItem {
    func scores(_ row: Set<Int>) -> [Double]
}

extension EASE: ItemToItem {}
extension ItemNeighbours: ItemToItem {}
