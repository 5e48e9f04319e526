import Foundation
import MultiTaskLearning

/// One definition of "how good are these lists", applied alike to the
/// model's lists and to every baseline (docs/stages/evaluate.md):
/// - seen: a user's items in the history tables (train, and valid when
///   given; sampled negatives are not interactions). They are left out of the
///   baselines' lists and never relevant.
///   Items the user owns (their own posts, by `ownerColumn`) count as seen.
/// - relevant: a user's test items whose relevance label is 1, less the seen ones.
/// - users: those with at least one relevant item; each counts once, with a
///   list or not (no list scores 0), so every figure has one denominator.
struct RankingEvaluation {
    let k: Int
    let seen: [String: Set<String>]
    let relevant: [String: Set<String>]
    /// The denominator, in a fixed order, so sums come out the same every run.
    let users: [String]

    init(k: Int, test: Table, relevance: String, history: [Table], ownerColumn: String? = nil) throws {
        guard case .string(let testUsers)? = test["key.user"], case .string(let testItems)? = test["key.item"],
              let labels = test.floats("label.\(relevance)") else {
            throw StageFailure("ranking metrics need key.user, key.item and label.\(relevance) in the test table")
        }
        var seen = try Table.seenItems(in: history)
        if let ownerColumn {
            for (user, items) in try Table.ownedItems(in: history + [test], column: ownerColumn) { seen[user, default: []].formUnion(items) }
        }
        var relevant: [String: Set<String>] = [:]
        for row in testUsers.indices where labels[row] == 1 && seen[testUsers[row]]?.contains(testItems[row]) != true {
            relevant[testUsers[row], default: []].insert(testItems[row])
        }
        self.k = k
        self.seen = seen
        self.relevant = relevant
        users = relevant.keys.sorted()
    }

    /// Mean NDCG, recall, hit rate and reciprocal rank at K over `users`.
    func score(_ lists: [String: [String]]) -> EvaluateStage.RankingResult {
        guard !users.isEmpty else { return EvaluateStage.RankingResult(k: k, users: 0) }
        var sums = (ndcg: 0.0, recall: 0.0, hit: 0.0, mrr: 0.0)
        for user in users {
            let ranked = Array((lists[user] ?? []).prefix(k)), wanted = relevant[user]!
            sums.ndcg += RankingMetrics.ndcg(ranked: ranked, relevant: wanted, k: k) ?? 0
            sums.recall += RankingMetrics.recall(ranked: ranked, relevant: wanted, k: k) ?? 0
            sums.hit += RankingMetrics.hitRate(ranked: ranked, relevant: wanted, k: k) ?? 0
            sums.mrr += RankingMetrics.reciprocalRank(ranked: ranked, relevant: wanted) ?? 0
        }
        let n = Double(users.count)
        return EvaluateStage.RankingResult(k: k, users: users.count, ndcg: sums.ndcg / n, recall: sums.recall / n,
                                           hitRate: sums.hit / n, mrr: sums.mrr / n)
    }

    /// Every user's top K of `order` (best first), less the items the user has seen.
    func lists(from order: [String]) -> [String: [String]] {
        Dictionary(uniqueKeysWithValues: users.map { user in
            let skip = seen[user] ?? []
            return (user, Array(order.lazy.filter { !skip.contains($0) }.prefix(k)))
        })
    }

    /// EASE's lists (every logged training row an interaction): each user's
    /// best K unseen training items by score, ties by item id; no list for a
    /// user without training rows.
    func easeLists(train: Table, lambda: Double) throws -> [String: [String]] {
        let logged = train.rows(train.loggedRows)
        let (users, items) = try logged.userItemKeys()
        let interactions = Interactions(users: users, items: items)
        let model = try EASE(interactions, lambda: lambda)
        var lists: [String: [String]] = [:]
        for user in self.users {
            guard let row = interactions.byUser[user] else { continue }
            let skip = seen[user] ?? []
            lists[user] = TopK.indices(of: model.scores(row), count: k) { skip.contains(interactions.items[$0]) }.map { interactions.items[$0] }
        }
        return lists
    }

    /// Items by their count of positive relevance labels in `train`, most first,
    /// ties by item id; items without a positive follow, by id.
    static func popularityOrder(_ train: Table, relevance: String) throws -> [String] {
        let (_, items) = try train.userItemKeys()
        guard let labels = train.floats("label.\(relevance)") else {
            throw StageFailure("the popularity baseline needs label.\(relevance) in the history table")
        }
        var positives: [String: Int] = [:]
        for row in train.loggedRows { positives[items[row], default: 0] += labels[row] == 1 ? 1 : 0 }
        return positives.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
    }

    /// The mean true `quantity` (click, purchase_value, engagement, ...: the
    /// truth's expected value at the top of a page) of the items in each
    /// user's list, over `users`. A missing or short list adds nothing for its
    /// empty places: each list counts as K places.
    func expectedValue(_ lists: [String: [String]], truth: SimulatorTruth, quantity: String = "click") -> Double {
        var total = 0.0
        for user in users {
            for item in (lists[user] ?? []).prefix(k) { total += truth.expected(quantity, user: user, item: item) ?? 0 }
        }
        return total / Double(max(users.count * k, 1))
    }

    /// Each user's best K items by the true `quantity` among `catalog`, less seen items: the ceiling.
    func oracleLists(catalog: [String], truth: SimulatorTruth, quantity: String = "click") -> [String: [String]] {
        Dictionary(uniqueKeysWithValues: users.map { user in
            let skip = seen[user] ?? []
            let scored = catalog.filter { !skip.contains($0) }.map { ($0, truth.expected(quantity, user: user, item: $0) ?? 0) }
            return (user, scored.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(k).map(\.0))
        })
    }

    /// The mean true `quantity` of every unseen catalog item: what random lists get on average.
    func randomExpectedValue(catalog: [String], truth: SimulatorTruth, quantity: String = "click") -> Double {
        var total = 0.0
        for user in users {
            let skip = seen[user] ?? []
            let values = catalog.filter { !skip.contains($0) }.map { truth.expected(quantity, user: user, item: $0) ?? 0 }
            total += values.reduce(0, +) / Double(max(values.count, 1))
        }
        return total / Double(max(users.count, 1))
    }
}
