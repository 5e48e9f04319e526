import Foundation
import Testing
@testable import Orchestrator
@testable import RecommenderStages

@Suite("features")
struct FeaturesTests {
    /// 200 rows: user u0..u9, a numeric x, a leaky copy of the label, a click label.
    func events() -> Table {
        var users: [String] = [], x: [Float] = [], leak: [Float] = [], clicks: [Float] = [], time: [Int64] = []
        var random = UInt64(12345)
        for row in 0..<200 {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            let click: Float = (random >> 33) % 3 == 0 ? 1 : 0
            users.append("u\(row % 10)")
            x.append(Float(row % 7))
            leak.append(click * 2 + 0.5)
            clicks.append(click)
            time.append(Int64(1000 - row))
        }
        return Table([("user_id", .string(users)), ("item_id", .int((0..<200).map { Int64($0 % 13) })), ("x", .float(x)),
                      ("leak", .float(leak)), ("click", .float(clicks)), ("timestamp", .int(time))])
    }

    @Test func aLabelUsedAsAFeatureIsRefused() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let input = try harness.write("events", table: events())
        do {
            try harness.run(FeaturesStage(), params: ["numeric": .strings(["x", "click"]), "labels": .stringMap([("click", "click")])],
                            inputs: ["events": input])
            Issue.record("a label as a feature must be refused")
        } catch let failure as StageFailure {
            #expect(failure.description == "column 'click' is the label of task 'click' and cannot also be a feature: remove it from 'numeric'")
        }
    }

    @Test func aFeatureThatGivesTheLabelAwayIsWarnedAbout() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let input = try harness.write("events", table: events())
        let outputs = try harness.run(FeaturesStage(), params: ["numeric": .strings(["x", "leak"]), "labels": .stringMap([("click", "click")])],
                                      inputs: ["events": input])
        let transform = try JSONDecoder().decode(FeatureTransform.self, from: Data(contentsOf: outputs["transform"]!))
        #expect(transform.warnings.count == 1)
        #expect(transform.warnings.first?.hasPrefix("feature 'leak' predicts the label of task 'click' almost perfectly (AUC 1.0000)") == true)
    }

    @Test(arguments: ["random", "time", "user"])
    func splitsCoverEveryRowOnce(method: String) throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let input = try harness.write("events", table: events())
        let outputs = try harness.run(FeaturesStage(), params: [
            "categorical": .strings(["user_id", "item_id"]), "numeric": .strings(["x"]), "labels": .stringMap([("click", "click")]),
            "split": .string(method), "valid_fraction": .float(0.2), "test_fraction": .float(0.2),
            "keep": .strings(["timestamp"]),
        ], inputs: ["events": input], tag: method)
        let parts = try ["train", "valid", "test"].map { try TableFolder.read(outputs[$0]!) }
        #expect(parts.map(\.rowCount).reduce(0, +) == 200)
        let times = parts.map { part -> [Int64] in
            guard case .int(let values)? = part["keep.timestamp"] else { return [] }
            return values
        }
        #expect(Set(times.flatMap { $0 }).count == 200, "every row lands in exactly one split")
        if method == "time" {
            #expect(times[0].max()! < times[2].min()!, "the test rows are the latest")
            #expect(parts[2].rowCount == 40)
        }
        if method == "user" {
            let users = parts.map { part -> Set<String> in
                guard case .string(let values)? = part["key.user"] else { return [] }
                return Set(values)
            }
            #expect(users[0].isDisjoint(with: users[2]) && users[0].isDisjoint(with: users[1]), "a user's rows stay in one split")
        }
    }

    @Test func theTransformIsFittedOnTrainAndAppliedUnchanged() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let input = try harness.write("events", table: events())
        let outputs = try harness.run(FeaturesStage(), params: [
            "categorical": .strings(["user_id"]), "numeric": .strings(["x"]), "labels": .stringMap([("click", "click")]),
            "hash_buckets": .map([("item_id", .int(4))]), "transforms": .map([("x", .string("buckets:3"))]),
        ], inputs: ["events": input])
        let transform = try JSONDecoder().decode(FeatureTransform.self, from: Data(contentsOf: outputs["transform"]!))
        // Re-encoding the raw rows with the saved transform gives the stored encoding.
        let stored = try TableFolder.read(outputs["test"]!)
        #expect(stored["cat.user_id"] != nil && stored["label.click"] != nil)
        let unseen = Table([("user_id", .string(["u3", "never-seen"])), ("item_id", .int([1, 2])), ("x", .float([0, 6])),
                            ("click", .float([1, .nan]))])
        let encoded = try transform.encode(unseen)
        guard case .int(let users)? = encoded["cat.user_id"], case .int(let buckets)? = encoded["cat.x"] else {
            Issue.record("missing encoded columns"); return
        }
        #expect(users[0] > 0 && users[1] == 0, "an unseen value gets the out-of-vocabulary code 0")
        #expect(buckets[0] < buckets[1], "x = 0 and x = 6 fall in different quantile buckets")
        #expect(encoded.floats("label.click")?[1].isNaN == true, "a missing label stays missing")
    }
}
