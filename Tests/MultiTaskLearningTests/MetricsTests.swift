import Foundation
import Testing
@testable import MultiTaskLearning

@Suite("Metrics")
struct MetricsTests {
    @Test func aucByHandWithTies() throws {
        // Positives 0.8 and 0.4; negatives 0.4 and 0.1. Pairs: (0.8>0.4), (0.8>0.1),
        // (0.4 = 0.4 counts half), (0.4>0.1): 3.5 of 4.
        #expect(Metrics.auc(scores: [0.8, 0.4, 0.4, 0.1], labels: [1, 1, 0, 0]) == 0.875)
        #expect(Metrics.auc(scores: [0.1, 0.9], labels: [1, 0]) == 0)
        #expect(Metrics.auc(scores: [0.3, 0.5], labels: [1, 1]) == nil, "one class: undefined")
    }

    @Test func gaucSkipsUsersWithOneClassAndWeightsByImpressions() throws {
        // User 1: AUC 1 over 2 rows; user 2: AUC 0 over 4 rows; user 3: only positives, skipped.
        let scores: [Float] = [0.9, 0.1, 0.1, 0.2, 0.8, 0.9, 0.5]
        let labels: [Float] = [1, 0, 1, 1, 0, 0, 1]
        let users: [Int32] = [1, 1, 2, 2, 2, 2, 3]
        let value = try #require(Metrics.gauc(scores: scores, labels: labels, users: users))
        let expected = (1.0 * 2 + 0.0 * 4) / 6
        #expect(abs(value - expected) < 1e-12)
        #expect(Metrics.gauc(scores: [0.5], labels: [1], users: [1]) == nil)
    }

    @Test func lossesByHand() throws {
        let logLoss = try #require(Metrics.logLoss(probabilities: [0.5, 0.9], labels: [1, 0]))
        #expect(abs(logLoss - (log(2) - log(0.1)) / 2) < 1e-6)
        #expect(Metrics.logLoss(probabilities: [0, 1], labels: [1, 0])!.isFinite, "clipped, never infinite")
        #expect(Metrics.meanSquaredError(predictions: [1, 2, 3], labels: [1, 4, 0]) == 13.0 / 3)
        #expect(Metrics.rootMeanSquaredError(predictions: [0, 0], labels: [3, 4]) == (12.5).squareRoot())
        #expect(Metrics.meanAbsoluteError(predictions: [1, -1], labels: [0, 1]) == 1.5)
        #expect(Metrics.meanSquaredError(predictions: [], labels: []) == nil)
    }

    @Test func rankingMetricsByHand() throws {
        let ranked = ["a", "b", "c", "d"]
        let relevant: Set = ["b", "d", "z"]
        // DCG@4 = 1/log2(3) + 1/log2(5); ideal = 1 + 1/log2(3) + 1/log2(4).
        let expected = (1 / log2(3.0) + 1 / log2(5.0)) / (1 + 1 / log2(3.0) + 0.5)
        #expect(try abs(#require(RankingMetrics.ndcg(ranked: ranked, relevant: relevant, k: 4)) - expected) < 1e-12)
        #expect(RankingMetrics.recall(ranked: ranked, relevant: relevant, k: 2) == 1.0 / 3)
        #expect(RankingMetrics.hitRate(ranked: ranked, relevant: relevant, k: 1) == 0)
        #expect(RankingMetrics.hitRate(ranked: ranked, relevant: relevant, k: 2) == 1)
        #expect(RankingMetrics.reciprocalRank(ranked: ranked, relevant: relevant) == 0.5)
        #expect(RankingMetrics.ndcg(ranked: ranked, relevant: Set<String>(), k: 3) == nil)
    }

    /// Values computed with numpy and scipy by Fixtures/make_metrics_fixture.py.
    @Test func matchTheFixtureComputedWithScipy() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        let rows = try String(contentsOf: folder.appendingPathComponent("metrics_fixture.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("metrics_expected.json"))) as? [String: Double])
        let users = rows.map { Int32($0[0]) }, labels = rows.map { Float($0[1]) }, scores = rows.map { Float($0[2]) }
        let targets = rows.map { Float($0[3]) }, predictions = rows.map { Float($0[4]) }
        #expect(try abs(#require(Metrics.auc(scores: scores, labels: labels)) - expected["auc"]!) < 1e-12)
        #expect(try abs(#require(Metrics.gauc(scores: scores, labels: labels, users: users)) - expected["gauc"]!) < 1e-12)
        // Float32 inputs: agreement to float precision.
        #expect(try abs(#require(Metrics.logLoss(probabilities: scores, labels: labels)) - expected["logloss"]!) < 1e-6)
        #expect(try abs(#require(Metrics.meanSquaredError(predictions: predictions, labels: targets)) - expected["mse"]!) < 1e-6)
        #expect(try abs(#require(Metrics.rootMeanSquaredError(predictions: predictions, labels: targets)) - expected["rmse"]!) < 1e-6)
        #expect(try abs(#require(Metrics.meanAbsoluteError(predictions: predictions, labels: targets)) - expected["mae"]!) < 1e-6)
    }
}

@Suite("Metrics come out the same on every run")
struct MetricDeterminismTests {
    @Test func gaucSumsUsersInIdOrder() throws {
        var random = RandomSource(seed: 12)
        let rows = 6_000
        let users = (0..<rows).map { _ in Int32(random.int(below: 700)) }
        let scores = (0..<rows).map { _ in random.uniform() }
        let labels = (0..<rows).map { _ in random.uniform() < 0.3 ? Float(1) : 0 }
        // The sum taken user by user in id order; a dictionary's order would change its last bits.
        var weighted = 0.0, weights = 0.0
        for user in Set(users).sorted() {
            let mine = users.indices.filter { users[$0] == user }
            guard let auc = Metrics.auc(scores: mine.map { scores[$0] }, labels: mine.map { labels[$0] }) else { continue }
            weighted += auc * Double(mine.count)
            weights += Double(mine.count)
        }
        #expect(try #require(Metrics.gauc(scores: scores, labels: labels, users: users)) == weighted / weights)
    }
}
