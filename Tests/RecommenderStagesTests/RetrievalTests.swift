import Foundation
import Testing
@testable import MultiTaskLearning
@testable import Orchestrator
@testable import RecommenderStages

@Suite("Candidate retrieval")
struct RetrievalTests {
    // u1 {a, b}, u2 {a, b, c}, u3 {b, c}: X'X = [[2, 2, 1], [2, 3, 2], [1, 2, 2]].
    static let users = ["u1", "u1", "u2", "u2", "u2", "u3", "u3"]
    static let items = ["a", "b", "a", "b", "c", "b", "c"]

    @Test func easeIsTheClosedFormWorkedOutByHand() throws {
        let interactions = Interactions(users: Self.users, items: Self.items)
        let ease = try EASE(interactions, lambda: 1)
        // G = X'X + I = [[3, 2, 1], [2, 4, 2], [1, 2, 3]], det = 3(12-4) - 2(6-2) + 1(4-4) = 16,
        // P = adj(G) / 16 = [[8, -4, 0], [-4, 8, -4], [0, -4, 8]] / 16; B_ij = -P_ij / P_jj.
        let expected: [Double] = [0, 0.5, 0, 0.5, 0, 0.5, 0, 0.5, 0]
        for (ours, theirs) in zip(ease.weights, expected) { #expect(abs(ours - theirs) < 1e-12, "\(ease.weights)") }
        // u1 read a and b: scores are rows a + b of B.
        let scores = ease.scores(interactions.byUser["u1"]!)
        for (ours, theirs) in zip(scores, [0.5, 0.5, 0.5]) { #expect(abs(ours - theirs) < 1e-12) }
    }

    @Test func itemNeighboursAreCosineSimilaritiesCutToTheBest() {
        let interactions = Interactions(users: Self.users, items: Self.items)
        // Users per item: a 2, b 3, c 2; together: a-b 2, a-c 1, b-c 2.
        let all = ItemNeighbours(interactions, neighbours: 5)
        let ab = 2 / 6.0.squareRoot()
        #expect(all.neighbours[0].map(\.item) == [1, 2] && abs(all.neighbours[0][0].similarity - ab) < 1e-12
                && abs(all.neighbours[0][1].similarity - 0.5) < 1e-12)
        let one = ItemNeighbours(interactions, neighbours: 1)
        #expect(one.neighbours.map { $0.map(\.item) } == [[1], [0], [1]], "b's tie between a and c goes to a")
        let scores = one.scores(interactions.byUser["u1"]!)
        #expect(abs(scores[0] - ab) < 1e-12 && abs(scores[1] - ab) < 1e-12 && scores[2] == 0)
    }

    @Test func retrieveLeavesOutSeenItemsAndGivesColdUsersThePopularOnes() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let history = Table([("key.user", .string(Self.users + ["u4"])), ("key.item", .string(Self.items + ["d"])),
                             ("label.click", .float([1, 0, 1, 1, 1, 0, 1, 0]))])
        let valid = Table([("key.user", .string(["u1"])), ("key.item", .string(["c"]))])
        let targets = Table([("key.user", .string(["u1", "u3", "u9"])), ("key.item", .string(["x", "x", "x"]))])
        let inputs = ["history": try harness.write("history", table: history), "valid": try harness.write("valid", table: valid),
                      "users": try harness.write("users", table: targets)]
        for method in ["ease", "popularity", "item_knn"] {
            let outputs = try harness.run(RetrieveStage(), params: ["method": .string(method), "lambda": .float(1), "candidates_per_user": .int(3)],
                                          inputs: inputs, tag: method)
            let candidates = try TableFolder.read(outputs["candidates"]!)
            let (users, items) = try candidates.userItemKeys()
            let lists = Dictionary(grouping: zip(users, items), by: \.0).mapValues { $0.map(\.1) }
            #expect(lists["u1"] == ["d"], "\(method): a, b seen in train, c in valid")
            #expect(lists["u3"]?.sorted() == ["a", "d"], "\(method)")
            // u9 has no interactions: the most popular items (b 3 rows, a 2, c 2 by id, then d).
            #expect(lists["u9"] == ["b", "a", "c"], "\(method)")
            guard case .int(let ranks)? = candidates["retrieval.rank"] else { Issue.record("no ranks"); continue }
            #expect(ranks == [1, 1, 2, 1, 2, 3])
        }
        // Weighted by clicks: only clicked rows are interactions, so c (2 clicks) passes b (1).
        let clicked = try harness.run(RetrieveStage(), params: ["method": .string("popularity"), "weight_label": .string("click"),
                                                                "candidates_per_user": .int(2)], inputs: inputs, tag: "clicked")
        let (users, items) = try TableFolder.read(clicked["candidates"]!).userItemKeys()
        #expect(zip(users, items).filter { $0.0 == "u9" }.map(\.1) == ["a", "c"])
        #expect(throws: StageFailure.self) {
            try harness.run(RetrieveStage(), params: ["weight_label": .string("watch")], inputs: inputs, tag: "bad-label")
        }
        #expect(throws: StageFailure.self) {
            try harness.run(RetrieveStage(), params: ["max_items": .int(3)], inputs: inputs, tag: "too-many")
        }
    }

    @Test func popularityWithinTheUsersSegment() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        // Young users read x and y, old users z and y; overall y has 3 rows, z 2, x 1.
        let history = Table([("key.user", .string(["y1", "y1", "y2", "o1", "o2", "o3"])), ("key.item", .string(["x", "y", "y", "z", "z", "y"])),
                             ("cat.age", .int([1, 1, 1, 2, 2, 2]))])
        let targets = Table([("key.user", .string(["y2", "o3", "new"])), ("key.item", .string(["-", "-", "-"]))])
        let inputs = ["history": try harness.write("history", table: history), "users": try harness.write("users", table: targets)]
        let outputs = try harness.run(RetrieveStage(), params: ["method": .string("popularity"), "segment_column": .string("age"),
                                                                "candidates_per_user": .int(2)], inputs: inputs)
        let (users, items) = try TableFolder.read(outputs["candidates"]!).userItemKeys()
        let lists = Dictionary(grouping: zip(users, items), by: \.0).mapValues { $0.map(\.1) }
        #expect(lists["y2"] == ["x", "z"], "the young segment's x first (y is seen)")
        #expect(lists["o3"] == ["z", "x"], "the old segment's z first (y is seen), then x")
        #expect(lists["new"] == ["y", "z"], "no training rows: overall popularity")
        #expect(throws: StageFailure.self) {
            try harness.run(RetrieveStage(), params: ["method": .string("popularity"), "segment_column": .string("agee")], inputs: inputs, tag: "typo")
        }
    }

    @Test func predictScoresRetrievedCandidatesOfKnownUsersOnly() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let history = Table([("key.user", .string(["u1", "u2"])), ("key.item", .string(["a", "b"])), ("cat.user_id", .int([1, 2]))])
        let candidates = Table([("key.user", .string(["u1", "u9", "u1"])), ("key.item", .string(["b", "a", "c"])),
                                ("retrieval.score", .float([0.9, 0.8, 0.7]))])
        let transform = FeatureTransform(categorical: [], numeric: [], labels: [], userColumn: "user_id", itemColumn: "item_id",
                                         userFeatures: ["user_id"], itemFeatures: [], keep: [], warnings: [])
        let rows = try Candidates(transform: transform, history: history, perUser: 10, allUnseen: false).make(retrieved: candidates)
        #expect(rows["key.user"] == .string(["u1", "u1"]), "u9 has no training rows: rank serves it popular items")
        #expect(rows["key.item"] == .string(["b", "c"]) && rows["retrieval.score"] == .float([0.9, 0.7]))
        #expect(rows["cat.user_id"] == .int([1, 1]))
    }

    @Test func rankReadsTheRetrievalScoreScaledPerUser() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let scores = Table([("key.user", .string(["u1", "u1", "u1"])), ("key.item", .string(["x", "y", "z"])),
                            ("score.click", .float([0.5, 0.4, 0.3])), ("retrieval.score", .float([10, 30, 20]))])
        let outputs = try harness.run(RankStage(), params: ["expression": .string("retrieval"), "top_k": .int(3)],
                                      inputs: ["scores": try harness.write("scores", table: scores)])
        #expect(try EvaluateStage.lists(in: outputs["recommendations"]!)["u1"] == ["y", "z", "x"])
        let blended = try harness.run(RankStage(), params: ["expression": .string("click + retrieval"), "top_k": .int(3)],
                                      inputs: ["scores": try harness.write("scores", table: scores)], tag: "blend")
        // x: 0.5 + 0, y: 0.4 + 1, z: 0.3 + 0.5.
        #expect(try EvaluateStage.lists(in: blended["recommendations"]!)["u1"] == ["y", "z", "x"])
        let noRetrieval = Table([("key.user", .string(["u1"])), ("key.item", .string(["x"])), ("score.click", .float([0.5]))])
        #expect(throws: StageFailure.self) {
            try harness.run(RankStage(), params: ["expression": .string("retrieval")],
                            inputs: ["scores": try harness.write("plain", table: noRetrieval)], tag: "none")
        }
    }
}

@Suite("The largest values by a bounded heap")
struct TopKTests {
    @Test func agreesWithSortingEverything() {
        var random = RandomSource(seed: 3)
        for trial in 0..<50 {
            // Few distinct values, so ties are common.
            let values = (0..<(1 + trial * 7)).map { _ in Double(random.int(below: 9)) }
            let count = random.int(below: 12)
            let skip = { (index: Int) in index % 5 == 2 }
            let expected = values.indices.filter { !skip($0) }
                .sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }.prefix(count)
            #expect(TopK.indices(of: values, count: count, skip: skip) == Array(expected), "trial \(trial)")
        }
    }
}
