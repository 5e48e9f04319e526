import Foundation
import Testing
@testable import MultiTaskLearning
@testable import Orchestrator
@testable import RecommenderStages

/// The model's lists and the baselines are judged on the same users with the
/// same exclusions; the figures below are worked out by hand.
@Suite("Ranking beside popularity and the simulator's truth")
struct RankingBaselineTests {
    static func table(_ rows: [(String, String, Float)]) -> Table {
        Table([("key.user", .string(rows.map(\.0))), ("key.item", .string(rows.map(\.1))), ("label.click", .float(rows.map(\.2)))])
    }

    // Train positives: a 2, b 1, c 1, d 0, so popularity ranks a, b, c, d.
    static let train = table([("u1", "a", 1), ("u1", "b", 0), ("u2", "a", 1), ("u2", "c", 1), ("u3", "b", 1), ("u3", "d", 0)])
    static let valid = table([("u1", "c", 0)])
    // u1: a was seen in train, so only d is relevant; u3's e is in no list; u4 has no positive and does not count.
    static let test = table([("u1", "d", 1), ("u1", "a", 1), ("u2", "b", 1), ("u3", "e", 1), ("u4", "a", 0)])

    func evaluation() throws -> RankingEvaluation {
        try RankingEvaluation(k: 2, test: Self.test, relevance: "click", history: [Self.train, Self.valid])
    }

    @Test func seenItemsAreNeverRelevantAndUsersWithoutAPositiveDoNotCount() throws {
        let evaluation = try evaluation()
        #expect(evaluation.users == ["u1", "u2", "u3"])
        #expect(evaluation.relevant == ["u1": ["d"], "u2": ["b"], "u3": ["e"]])
    }

    @Test func popularityListsLeaveOutTrainAndValidItems() throws {
        let evaluation = try evaluation()
        let order = try RankingEvaluation.popularityOrder(Self.train, relevance: "click")
        #expect(order == ["a", "b", "c", "d"])
        let lists = evaluation.lists(from: order)
        #expect(lists == ["u1": ["d"], "u2": ["b", "d"], "u3": ["a", "c"]])
        let result = evaluation.score(lists)
        // u1 and u2 hit at rank 1, u3 misses.
        #expect(result.users == 3 && result.hitRate == 2.0 / 3 && result.ndcg == 2.0 / 3 && result.recall == 2.0 / 3 && result.mrr == 2.0 / 3)
    }

    @Test func theModelsListsAreScoredAsGivenOnTheSameUsers() throws {
        let result = try evaluation().score(["u1": ["a", "d"], "u2": ["c", "e"], "u3": ["e"], "u9": ["d"]])
        // u1 hits at rank 2 (NDCG 1/log2(3), RR 1/2), u2 misses, u3 hits at rank 1; u9 is not judged.
        #expect(result.users == 3)
        #expect(abs(result.hitRate! - 2.0 / 3) < 1e-12)
        #expect(abs(result.ndcg! - (1 / log2(3.0) + 1) / 3) < 1e-12)
        #expect(abs(result.mrr! - 0.5) < 1e-12)
        #expect(abs(result.recall! - 2.0 / 3) < 1e-12)
    }

    @Test func easeListsAreTheBestUnseenItemsByTheClosedForm() throws {
        // Train interactions: u1 {a, b}, u2 {a, c}, u3 {b, d}; items a, b, c, d.
        let items = ["a", "b", "c", "d"], sets = [["a", "b"], ["a", "c"], ["b", "d"]]
        var gram = [Double](repeating: 0, count: 16)
        for set in sets { for i in set { for j in set { gram[items.firstIndex(of: i)! * 4 + items.firstIndex(of: j)!] += 1 } } }
        for i in 0..<4 { gram[i * 5] += 2 }
        let p = try LinearAlgebra.inverseOfPositiveDefinite(gram, order: 4)
        func score(_ user: Int, _ j: Int) -> Double {
            sets[user].map { items.firstIndex(of: $0)! }.reduce(0) { $0 + ($1 == j ? 0 : -p[$1 * 4 + j] / p[j * 4 + j]) }
        }
        let evaluation = try RankingEvaluation(k: 2, test: Self.test, relevance: "click", history: [Self.train, Self.valid])
        let lists = try evaluation.easeLists(train: Self.train, lambda: 2)
        for (index, user) in ["u1", "u2", "u3"].enumerated() {
            let unseen = (0..<4).filter { !(evaluation.seen[user] ?? []).contains(items[$0]) }
            let expected = unseen.sorted { score(index, $0) != score(index, $1) ? score(index, $0) > score(index, $1) : $0 < $1 }.prefix(2).map { items[$0] }
            #expect(lists[user] == Array(expected), "\(user)")
        }
        #expect(lists["u4"] == nil, "no training rows, no list")
    }

    @Test func expectedClickAveragesTheTrueProbabilityOverEveryPlaceOfEveryList() throws {
        // No taste: p = sigmoid(-2 + 0.35 * popularity + device bias) at the top of the page.
        let flat = [0.0, 0.0]
        let truth = SimulatorTruth(users: ["u1": .init(taste: flat, deviceBias: 0), "u2": .init(taste: flat, deviceBias: 0.5),
                                           "u3": .init(taste: flat, deviceBias: 0)],
                                   items: ["a": .init(taste: flat, popularity: 2), "b": .init(taste: flat, popularity: 0),
                                           "c": .init(taste: flat, popularity: 1), "d": .init(taste: flat, popularity: -1)])
        func p(_ logit: Double) -> Double { 1 / (1 + exp(-logit)) }
        let evaluation = try evaluation()
        let lists = ["u1": ["d"], "u2": ["b", "d"], "u3": ["a", "c"]]
        let expected = (p(-2.35) + 0 + p(-1.5) + p(-1.85) + p(-1.3) + p(-1.65)) / 6
        #expect(abs(evaluation.expectedValue(lists, truth: truth) - expected) < 1e-12, "u1's empty second place counts as 0")
        let oracle = evaluation.oracleLists(catalog: ["a", "b", "c", "d"], truth: truth)
        #expect(oracle == ["u1": ["d"], "u2": ["b", "d"], "u3": ["a", "c"]], "only unseen items, best first")
        let random = (p(-2.35) + (p(-1.5) + p(-1.85)) / 2 + (p(-1.3) + p(-1.65)) / 2) / 3
        #expect(abs(evaluation.randomExpectedValue(catalog: ["a", "b", "c", "d"], truth: truth) - random) < 1e-12)
    }

    @Test func theSimulatorsTruthGivesTheProbabilitiesItsClicksWereDrawnWith() throws {
        let simulation = EcommerceSimulator(users: 30, items: 20, impressions: 500, seed: 4).generate()
        let (events, truth) = (simulation.events, simulation.truth)
        guard case .int(let users)? = events["user_id"], case .int(let items)? = events["item_id"] else {
            Issue.record("no id columns")
            return
        }
        let positions = try #require(events.floats("position")), kept = try #require(events.floats("true_click_probability"))
        for row in 0..<events.rowCount {
            let probability = SimulatorTruth.clickProbability(truth.users[String(users[row])]!, truth.items[String(items[row])]!,
                                                              position: Int(positions[row]))
            #expect(Float(probability) == kept[row])
        }
        #expect(truth.users.count == 30 && truth.items.count == 20)
    }

    @Test func rankExpressionsReadPopularityAndPowers() throws {
        let names = ["click", "popularity"]
        let values = ["click": 0.5, "popularity": 0.25]
        #expect(try Formula.parse("click * popularity^0.5", names: names).evaluate(values) == 0.25)
        #expect(try Formula.parse("2^3^2", names: names).evaluate(values) == 512, "right to left")
        #expect(try Formula.parse("-2^2", names: names).evaluate(values) == -4)
        #expect(try Formula.parse("2^-1 * 4", names: names).evaluate(values) == 2)
        #expect(try Formula.parse("click * popularity", names: names).names == ["click", "popularity"])
        #expect(throws: Formula.ParseError.self) { try Formula.parse("click ^", names: names) }
    }

    @Test func rankOrdersByPopularityWhenTheExpressionSaysSo() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        // Two users, three unseen candidates with equal click scores; train counts: z 3, y 2, x 1.
        let scores = Table([("key.user", .string(["u1", "u1", "u1", "u2", "u2", "u2"])), ("key.item", .string(["x", "y", "z", "x", "y", "z"])),
                            ("score.click", .float([0.4, 0.4, 0.4, 0.9, 0.1, 0.1]))])
        let history = Table([("key.user", .string(["h", "h", "h", "g", "g", "f"])), ("key.item", .string(["z", "y", "x", "z", "y", "z"]))])
        let outputs = try harness.run(RankStage(), params: ["expression": .string("click * popularity"), "top_k": .int(3)],
                                      inputs: ["scores": try harness.write("scores", table: scores), "history": try harness.write("history", table: history)])
        let lists = try EvaluateStage.lists(in: outputs["recommendations"]!)
        #expect(lists["u1"] == ["z", "y", "x"], "equal clicks: by popularity")
        #expect(lists["u2"] == ["x", "z", "y"], "0.9 * 1/3 beats 0.1 * 1")
        #expect(throws: StageFailure.self) {
            try harness.run(RankStage(), params: ["expression": .string("popularity")],
                            inputs: ["scores": try harness.write("scores2", table: scores)], tag: "no-history")
        }
    }
}
