import Foundation

/// Evaluation metrics. A metric that is undefined for its input (AUC with a
/// single class, anything on no rows) is nil, never NaN.
public enum Metrics {
    /// Area under the ROC curve by the Mann-Whitney statistic; tied scores
    /// share their average rank.
    public static func auc(scores: [Float], labels: [Float]) -> Double? {
        precondition(scores.count == labels.count, "scores and labels differ in length")
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var positiveRankSum = 0.0, positives = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let averageRank = Double(start + end + 2) / 2
            for position in start...end where labels[order[position]] > 0.5 {
                positiveRankSum += averageRank
                positives += 1
            }
            start = end + 1
        }
        let negatives = Double(order.count) - positives
        guard positives > 0, negatives > 0 else { return nil }
        return (positiveRankSum - positives * (positives + 1) / 2) / (positives * negatives)
    }

    /// Group AUC: each user's AUC weighted by the user's impressions; users
    /// whose impressions are all one class are skipped.
    public static func gauc(scores: [Float], labels: [Float], users: [Int32]) -> Double? {
        var rowsByUser: [Int32: [Int]] = [:]
        for (row, user) in users.enumerated() { rowsByUser[user, default: []].append(row) }
        var weighted = 0.0, weights = 0.0
        // Users in id order: a dictionary's order changes from run to run, and
        // so would the last digits of the sum.
        for (_, rows) in rowsByUser.sorted(by: { $0.key < $1.key }) {
            guard let value = auc(scores: rows.map { scores[$0] }, labels: rows.map { labels[$0] }) else { continue }
            weighted += value * Double(rows.count)
            weights += Double(rows.count)
        }
        return weights > 0 ? weighted / weights : nil
    }

    /// Mean binary cross-entropy of probabilities, clipped to [eps, 1 - eps]
    /// with eps = 1e-7 so that a confident mistake costs a finite amount.
    public static func logLoss(probabilities: [Float], labels: [Float]) -> Double? {
        guard !labels.isEmpty else { return nil }
        let epsilon = 1e-7
        var total = 0.0
        for (probability, label) in zip(probabilities, labels) {
            let p = min(max(Double(probability), epsilon), 1 - epsilon)
            total -= Double(label) * log(p) + (1 - Double(label)) * log(1 - p)
        }
        return total / Double(labels.count)
    }

    /// Pearson's correlation coefficient; nil when either side is constant.
    public static func pearson(_ a: [Float], _ b: [Float]) -> Double? {
        guard a.count == b.count, !a.isEmpty else { return nil }
        let n = Double(a.count)
        let meanA = a.reduce(0.0) { $0 + Double($1) } / n, meanB = b.reduce(0.0) { $0 + Double($1) } / n
        var covariance = 0.0, varianceA = 0.0, varianceB = 0.0
        for (x, y) in zip(a, b) {
            covariance += (Double(x) - meanA) * (Double(y) - meanB)
            varianceA += (Double(x) - meanA) * (Double(x) - meanA)
            varianceB += (Double(y) - meanB) * (Double(y) - meanB)
        }
        guard varianceA > 0, varianceB > 0 else { return nil }
        return covariance / (varianceA * varianceB).squareRoot()
    }

    public static func meanSquaredError(predictions: [Float], labels: [Float]) -> Double? {
        guard !labels.isEmpty else { return nil }
        return zip(predictions, labels).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) } / Double(labels.count)
    }

    public static func rootMeanSquaredError(predictions: [Float], labels: [Float]) -> Double? {
        meanSquaredError(predictions: predictions, labels: labels).map { $0.squareRoot() }
    }

    public static func meanAbsoluteError(predictions: [Float], labels: [Float]) -> Double? {
        guard !labels.isEmpty else { return nil }
        return zip(predictions, labels).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(labels.count)
    }
}

/// Ranking metrics of one user's ranked list against the items they
/// interacted with (binary relevance). Average them over users.
public enum RankingMetrics {
    /// DCG@K / ideal DCG@K with gain 1 / log2(rank + 1).
    public static func ndcg<Item: Hashable>(ranked: [Item], relevant: Set<Item>, k: Int) -> Double? {
        guard !relevant.isEmpty else { return nil }
        var dcg = 0.0
        for (index, item) in ranked.prefix(k).enumerated() where relevant.contains(item) {
            dcg += 1 / log2(Double(index + 2))
        }
        let ideal = (0..<min(k, relevant.count)).reduce(0.0) { $0 + 1 / log2(Double($1 + 2)) }
        return dcg / ideal
    }

    /// Share of the relevant items found in the top K.
    public static func recall<Item: Hashable>(ranked: [Item], relevant: Set<Item>, k: Int) -> Double? {
        guard !relevant.isEmpty else { return nil }
        return Double(ranked.prefix(k).filter { relevant.contains($0) }.count) / Double(relevant.count)
    }

    /// 1 when any relevant item is in the top K.
    public static func hitRate<Item: Hashable>(ranked: [Item], relevant: Set<Item>, k: Int) -> Double? {
        guard !relevant.isEmpty else { return nil }
        return ranked.prefix(k).contains { relevant.contains($0) } ? 1 : 0
    }

    /// 1 / rank of the first relevant item (0 when none is ranked).
    public static func reciprocalRank<Item: Hashable>(ranked: [Item], relevant: Set<Item>) -> Double? {
        guard !relevant.isEmpty else { return nil }
        guard let index = ranked.firstIndex(where: { relevant.contains($0) }) else { return 0 }
        return 1 / Double(index + 1)
    }
}
