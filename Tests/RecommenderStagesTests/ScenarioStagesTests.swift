import Foundation
import Testing
@testable import Orchestrator
@testable import RecommenderStages

/// What the scenario pipelines need of the stages: precomputed vectors
/// joined by id, rank's owner exclusion and item columns, evaluate's
/// owner exclusion and the truth's other quantities.
@Suite("Scenario stages")
struct ScenarioStagesTests {
    static let events = Table([("user_id", .int([1, 1, 2, 3])), ("item_id", .int([10, 11, 10, 12])), ("click", .float([1, 0, 1, 0]))])

    /// A .npy matrix as numpy writes it, in `descriptor` ("<f8", "<f4", ...).
    func matrixFile(_ harness: StageHarness, _ name: String, rows: Int, columns: Int, doubles: [Double], descriptor: String = "<f8") throws -> String {
        let payload: Data = descriptor == "<f8" ? doubles.withUnsafeBufferPointer { Data(buffer: $0) }
                                                : doubles.map(Float.init).withUnsafeBufferPointer { Data(buffer: $0) }
        let data = NumpyFormat.file(descriptor: descriptor, shape: "\(rows), \(columns)", payload: payload)
        try data.write(to: URL(fileURLWithPath: harness.path(name)))
        return harness.path(name)
    }

    @Test func itemVectorsJoinByAnIDsFileAndUnknownIDsGetZerosCounted() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        // float64 rows for items 11 and 10 (in that order); item 12 has none.
        let vectors = try matrixFile(harness, "vectors.npy", rows: 2, columns: 3, doubles: [1, 2, 3, 4, 5, 6])
        let ids = try harness.write("ids.txt", "11\n10\n")
        let outputs = try harness.run(JoinStage(), inputs: ["events": try harness.write("events", table: Self.events),
                                                            "item_vectors": vectors, "item_vector_ids": ids])
        let joined = try TableFolder.read(outputs["events"]!)
        #expect(joined.floats("item_vec_0") == [4, 1, 4, 0])
        #expect(joined.floats("item_vec_2") == [6, 3, 6, 0])
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: outputs["report"]!)) as! [String: Any]
        let side = try #require((report["vectors"] as? [[String: Any]])?.first)
        #expect(side["eventsWithoutVector"] as? Int == 1 && side["keysWithoutVector"] as? Int == 1 && side["dimensions"] as? Int == 3)
    }

    @Test(arguments: ["<i4", "<f8", "<U3"])
    func idsFilesAsNumpySavesThem(descriptor: String) throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let vectors = try matrixFile(harness, "v.npy", rows: 2, columns: 1, doubles: [7, 8])
        // '<U3': three UTF-32 little-endian code units per id, zero padded.
        let utf32: [UInt32] = [49, 49, 0, 49, 48, 0]
        let payload: Data = switch descriptor {
        case "<i4": [Int32(11), Int32(10)].withUnsafeBufferPointer { Data(buffer: $0) }
        case "<f8": [11.0, 10.0].withUnsafeBufferPointer { Data(buffer: $0) }
        default: utf32.withUnsafeBufferPointer { Data(buffer: $0) }
        }
        try NumpyFormat.file(descriptor: descriptor, shape: "2,", payload: payload).write(to: URL(fileURLWithPath: harness.path("ids.npy")))
        let outputs = try harness.run(JoinStage(), inputs: ["events": try harness.write("events", table: Self.events), "item_vectors": vectors,
                                                            "item_vector_ids": harness.path("ids.npy")])
        #expect(try TableFolder.read(outputs["events"]!).floats("item_vec_0") == [8, 7, 8, 0])
    }

    @Test func withoutAnIDsFileTheFirstColumnIsTheID() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let vectors = try matrixFile(harness, "v.npy", rows: 3, columns: 2, doubles: [12, 0.5, 10, -1, 11, 2], descriptor: "<f4")
        let outputs = try harness.run(JoinStage(), params: ["item_vector_prefix": .string("img")],
                                      inputs: ["events": try harness.write("events", table: Self.events), "item_vectors": vectors])
        #expect(try TableFolder.read(outputs["events"]!).floats("img0") == [-1, 2, -1, 0.5])
    }

    @Test func badVectorFilesAreRefusedNamingTheProblem() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let events = try harness.write("events", table: Self.events)
        func failure(_ inputs: [String: String]) -> String {
            do {
                try harness.run(JoinStage(), inputs: ["events": events].merging(inputs) { $1 }, tag: UUID().uuidString)
                return "no error"
            } catch { return "\(error)" }
        }
        let two = try matrixFile(harness, "two.npy", rows: 2, columns: 2, doubles: [10, 1, 10, 2])
        #expect(failure(["item_vectors": two]).contains("repeats the id '10' at rows 0 and 1"))
        let fractional = try matrixFile(harness, "frac.npy", rows: 1, columns: 2, doubles: [10.5, 1])
        #expect(failure(["item_vectors": fractional]).contains("row 0 has 10.5, not a whole number"))
        let notFinite = try matrixFile(harness, "nan.npy", rows: 1, columns: 2, doubles: [10, .nan])
        #expect(failure(["item_vectors": notFinite]).contains("row 0, column 1 is nan"))
        let ids = try harness.write("ids.txt", "10\n11\n12\n")
        #expect(failure(["item_vectors": two, "item_vector_ids": ids]).contains("has 3 ids but two.npy has 2 rows"))
        let oneDimensional = harness.path("flat.npy")
        try NumpyFormat.encode(.float([1, 2])).write(to: URL(fileURLWithPath: oneDimensional))
        #expect(failure(["item_vectors": oneDimensional]).contains("is not 2-dimensional"))
        let one = try matrixFile(harness, "one.npy", rows: 1, columns: 2, doubles: [10, 1])
        do {
            try harness.run(JoinStage(), params: ["item_vector_prefix": .string("click_")],
                            inputs: ["events": try harness.write("clash", table: Self.events.adding("click_0")), "item_vectors": one], tag: "clash")
            Issue.record("a vector column named like an events column was accepted")
        } catch {
            #expect("\(error)".contains("would add the column 'click_0', which the events already have"), "\(error)")
        }
    }

    @Test func rankNeverListsAUsersOwnItemsAndReadsKeptColumns() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        // u1 wrote post b; by click alone b would be first for u1.
        let scores = Table([("key.user", .string(["u1", "u1", "u1", "u2", "u2", "u2"])), ("key.item", .string(["a", "b", "c", "a", "b", "c"])),
                            ("keep.author_id", .string(["u9", "u1", "u2", "u9", "u1", "u2"])),
                            ("keep.price", .float([1, 1, 10, 1, 1, 10])),
                            ("score.click", .float([0.5, 0.9, 0.1, 0.5, 0.9, 0.1]))])
        let input = ["scores": try harness.write("scores", table: scores)]
        let owned = try harness.run(RankStage(), params: ["owner_column": .string("author_id"), "top_k": .int(3)], inputs: input, tag: "owned")
        let lists = try EvaluateStage.lists(in: owned["recommendations"]!)
        #expect(lists["u1"] == ["a", "c"], "u1's own post b is left out")
        #expect(lists["u2"] == ["b", "a"], "u2's own post c is left out")
        let priced = try harness.run(RankStage(), params: ["expression": .string("click * price"), "columns": .strings(["price"])],
                                     inputs: input, tag: "priced")
        #expect(try EvaluateStage.lists(in: priced["recommendations"]!)["u1"]?.first == "c", "0.1 x 10 beats 0.9 x 1")
        #expect(throws: StageFailure.self) {
            try harness.run(RankStage(), params: ["expression": .string("click * cost"), "columns": .strings(["cost"])], inputs: input, tag: "unkept")
        }
        #expect(throws: StageFailure.self) {
            try harness.run(RankStage(), params: ["owner_column": .string("writer")], inputs: input, tag: "no-owner")
        }
    }

    @Test func coldStartListsLeaveOutAUsersOwnItemsAndMissingColumnValuesCountZero() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        // u5 has no scored candidates and wrote the most popular post, p1; no candidate row names p1's owner.
        let scores = Table([("key.user", .string(["u1", "u1"])), ("key.item", .string(["p2", "p3"])),
                            ("keep.author_id", .string(["u2", "u3"])), ("keep.price", .float([.nan, 2])),
                            ("score.click", .float([0.9, 0.1]))])
        let history = Table([("key.user", .string(["u2", "u3", "u4", "u2"])), ("key.item", .string(["p1", "p1", "p1", "p3"])),
                             ("keep.author_id", .string(["u5", "u5", "u5", "u3"]))])
        let users = Table([("key.user", .string(["u1", "u5"])), ("key.item", .string(["x", "x"]))])
        let outputs = try harness.run(RankStage(), params: ["owner_column": .string("author_id"), "expression": .string("click * price"),
                                                            "columns": .strings(["price"])],
                                      inputs: ["scores": try harness.write("scores", table: scores), "history": try harness.write("history", table: history),
                                               "users": try harness.write("users", table: users)])
        let text = try String(contentsOf: outputs["recommendations"]!, encoding: .utf8)
        let lists = try EvaluateStage.lists(in: outputs["recommendations"]!)
        #expect(lists["u5"] == ["p3"], "the cold user's own post p1 is left out of the popular items")
        #expect(lists["u1"] == ["p3", "p2"], "p2's missing price makes its score 0, below p3's 0.2")
        #expect(!text.contains("nan"), "\(text)")
    }

    @Test func retrieveNeverOffersAUserTheirOwnItems() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        // Post p1 (by u1) is the most popular; u1 must get the others first.
        let history = Table([("key.user", .string(["u2", "u3", "u4", "u2", "u3", "u4"])), ("key.item", .string(["p1", "p1", "p1", "p2", "p3", "p2"])),
                             ("keep.author_id", .string(["u1", "u1", "u1", "u3", "u2", "u3"]))])
        let users = Table([("key.user", .string(["u1", "u3"])), ("key.item", .string(["p9", "p9"]))])
        let inputs = ["history": try harness.write("history", table: history), "users": try harness.write("users", table: users)]
        let outputs = try harness.run(RetrieveStage(), params: ["method": .string("popularity"), "owner_column": .string("author_id")], inputs: inputs)
        let candidates = try TableFolder.read(outputs["candidates"]!)
        let (who, what) = try candidates.userItemKeys()
        let offered = Dictionary(grouping: who.indices) { who[$0] }.mapValues { $0.map { what[$0] } }
        #expect(offered["u1"] == ["p2", "p3"], "u1 wrote p1")
        #expect(offered["u3"] == nil, "u3 saw p1 and p3 and wrote p2: nothing is left")
        let plain = try harness.run(RetrieveStage(), params: ["method": .string("popularity")], inputs: inputs, tag: "plain")
        #expect(try TableFolder.read(plain["candidates"]!).userItemKeys().items.prefix(1) == ["p1"], "without owner_column p1 comes first")
    }

    @Test func evaluateCountsOwnItemsAsSeenAndJudgesByTheChosenQuantity() throws {
        // u1 owns p2: it is never relevant and never in u1's oracle list.
        let test = Table([("key.user", .string(["u1", "u1", "u2"])), ("key.item", .string(["p1", "p2", "p2"])),
                          ("keep.author_id", .string(["u2", "u1", "u1"])), ("label.share", .float([1, 1, 1]))])
        let evaluation = try RankingEvaluation(k: 2, test: test, relevance: "share", history: [], ownerColumn: "author_id")
        #expect(evaluation.relevant["u1"] == ["p1"])
        #expect(evaluation.seen["u1"]?.contains("p2") == true)
        #expect(throws: StageFailure.self) { try RankingEvaluation(k: 2, test: test, relevance: "share", history: [], ownerColumn: "writer") }

        let flat = [0.0]
        let truth = SimulatorTruth(scenario: .social, users: ["u1": .init(taste: flat, deviceBias: 0, community: 1),
                                                              "u2": .init(taste: flat, deviceBias: 0, community: 2)],
                                   items: ["p1": .init(taste: flat, popularity: 0, author: "u2", authorCommunity: 2, virality: 2),
                                           "p2": .init(taste: flat, popularity: 0, author: "u1", authorCommunity: 1, virality: 0)])
        let oracle = evaluation.oracleLists(catalog: ["p1", "p2"], truth: truth, quantity: "engagement")
        #expect(oracle["u1"] == ["p1"], "u1's own post is not in the ceiling's list")
        let engagement = SimulatorLaws.Social.engagement(truth.users["u1"]!, truth.items["p1"]!)
        #expect(abs(evaluation.expectedValue(["u1": ["p1"], "u2": ["p2"]], truth: truth, quantity: "engagement")
            - (engagement + SimulatorLaws.Social.engagement(truth.users["u2"]!, truth.items["p2"]!)) / 4) < 1e-12)
    }
}

private extension Table {
    /// This table with one more float column of zeros.
    func adding(_ name: String) -> Table {
        var table = self
        table[name] = .float(Array(repeating: 0, count: rowCount))
        return table
    }
}
