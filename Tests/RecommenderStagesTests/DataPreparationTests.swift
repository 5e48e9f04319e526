import Foundation
import Testing
@testable import MultiTaskLearning
@testable import Orchestrator
@testable import RecommenderStages

@Suite("Side tables and sampled negatives")
struct DataPreparationTests {
    static let events = Table([("user_id", .int([1, 2, 3, 1])), ("item_id", .string(["a", "b", "z", "b"])), ("watched", .float([1, 1, 1, 1]))])

    @Test func aLeftJoinAddsSideColumnsAndCountsTheUnmatched() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let users = Table([("user_id", .int([1, 2])), ("age", .int([30, 41])), ("city", .string(["x", "y"]))])
        let items = Table([("item_id", .string(["a", "b"])), ("genre", .string(["drama", "comedy"]))])
        let outputs = try harness.run(JoinStage(), inputs: ["events": try harness.write("events", table: Self.events),
                                                            "users": try harness.write("users", table: users),
                                                            "items": try harness.write("items", table: items)])
        let joined = try TableFolder.read(outputs["events"]!)
        #expect(joined.names == ["user_id", "item_id", "watched", "age", "city", "genre"])
        let ages = try #require(joined.floats("age"))
        #expect(ages[0] == 30 && ages[1] == 41 && ages[2].isNaN && ages[3] == 30, "user 3 has no users row: missing, and the column turns float")
        #expect(joined["city"] == .string(["x", "y", "", "x"]))
        #expect(joined["genre"] == .string(["drama", "comedy", "", "comedy"]))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: outputs["report"]!)) as? [String: Any])
        let sides = try #require(report["sides"] as? [[String: Any]])
        #expect(sides.map { $0["unmatchedEvents"] as? Int } == [1, 1] && sides.map { $0["matchedEvents"] as? Int } == [3, 3])
    }

    @Test func aRepeatedSideKeyIsAnErrorNamingItsRows() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let users = Table([("user_id", .int([1, 2, 1])), ("age", .int([30, 41, 50]))])
        do {
            try harness.run(JoinStage(), inputs: ["events": try harness.write("events", table: Self.events),
                                                  "users": try harness.write("users", table: users)])
            Issue.record("a repeated key was joined")
        } catch let failure as StageFailure {
            #expect(failure.description.contains("repeats the key user_id = '1' at rows 1 and 3"), "\(failure)")
        }
        let clash = Table([("user_id", .int([1])), ("watched", .float([0]))])
        #expect(throws: StageFailure.self) {
            try harness.run(JoinStage(), inputs: ["events": try harness.write("events2", table: Self.events),
                                                  "users": try harness.write("clash", table: clash)], tag: "clash")
        }
    }

    static func sampling(seed: UInt64 = 9) -> NegativeSampling {
        NegativeSampling(task: "watched", labelColumn: "watched", userColumn: "user_id", itemColumn: "item_id", perPositive: 3, seed: seed,
                         itemFeatures: ["genre"], labelColumns: ["watched", "rating"])
    }

    static var train: Table {
        let items = (0..<20).map { "i\($0)" }
        return Table([("user_id", .int((0..<40).map { Int64($0 % 4) })), ("item_id", .string((0..<40).map { items[($0 * 7) % 20] })),
                      ("genre", .string((0..<40).map { "g\((($0 * 7) % 20) % 3)" })), ("hour", .float((0..<40).map { Float($0) })),
                      ("watched", .float((0..<40).map { $0 % 5 == 0 ? 0 : 1 })), ("rating", .float((0..<40).map { Float($0 % 5) }))])
    }

    @Test func negativesAreUnseenItemsWithTheirFeaturesAndMaskedOtherLabels() throws {
        let train = Self.train
        let (augmented, added) = try Self.sampling().augment(train)
        // Each user has 5 distinct items of 20 and 8 positives: 24 draws wanted, 15 unseen items to give, never one twice.
        #expect(added == 4 * 15 && augmented.rowCount == 40 + added)
        guard case .int(let users)? = augmented["user_id"], case .string(let items)? = augmented["item_id"],
              case .string(let genres)? = augmented["genre"] else { Issue.record("columns changed type"); return }
        var seen: [Int64: Set<String>] = [:]
        for row in 0..<40 { seen[users[row], default: []].insert(items[row]) }
        let watched = augmented.floats("watched")!, rating = augmented.floats("rating")!, hour = augmented.floats("hour")!
        var sampled: [Int64: [String]] = [:]
        for row in 40..<augmented.rowCount { sampled[users[row], default: []].append(items[row]) }
        #expect(sampled.values.allSatisfy { Set($0).count == $0.count }, "no item is sampled twice for one user")
        for row in 40..<augmented.rowCount {
            #expect(!seen[users[row]]!.contains(items[row]), "row \(row): \(items[row]) was in user \(users[row])'s training rows")
            #expect(genres[row] == "g\(Int(items[row].dropFirst())! % 3)", "the item's own features")
            #expect(watched[row] == 0 && rating[row].isNaN)
            #expect(hour[row] < 40, "context from a positive row")
        }
        let again = try Self.sampling().augment(train)
        #expect(again.table == augmented, "seeded")
        #expect(try Self.sampling(seed: 10).augment(train).table != augmented)
    }

    @Test func anotherTasksTextLabelSurvivesSampling() throws {
        var train = Self.train
        train["bought"] = .string((0..<40).map { $0 % 3 == 0 ? "yes" : "no" })
        var sampling = Self.sampling()
        sampling.labelColumns.append("bought")
        let (augmented, added) = try sampling.augment(train)
        guard case .string(let bought)? = augmented["bought"] else { Issue.record("bought lost its type"); return }
        #expect(Array(bought.prefix(40)) == (0..<40).map { $0 % 3 == 0 ? "yes" : "no" })
        #expect(bought.suffix(added).allSatisfy { $0.isEmpty }, "missing on sampled rows")
    }

    @Test func featuresSamplesFromTrainOnlyAndLeavesValidAndTestAlone() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        var events = Self.train
        events["timestamp"] = .int((0..<40).map { Int64($0) })
        let params: [String: ParamValue] = [
            "categorical": .strings(["user_id", "item_id", "genre"]), "labels": .stringMap([("watched", "watched")]),
            "item_features": .strings(["item_id", "genre"]), "user_features": .strings(["user_id"]), "split": .string("time"),
            "negatives": .map([("task", .string("watched")), ("per_positive", .int(2)), ("seed", .int(3))]),
        ]
        let outputs = try harness.run(FeaturesStage(), params: params, inputs: ["events": try harness.write("events", table: events)])
        let train = try TableFolder.read(outputs["train"]!), test = try TableFolder.read(outputs["test"]!)
        let trainPositives = (0..<32).filter { $0 % 5 != 0 }.count
        #expect(train.rowCount == 32 + 2 * trainPositives, "time split: 32 train rows, 2 negatives per positive")
        #expect(test.rowCount == 4)
        for wrong in [ParamValue.map([("task", .string("watched")), ("seed", .int(-1))]),
                      .map([("task", .string("watched")), ("per_positive", .float(2.5))])] {
            var bad = params
            bad["negatives"] = wrong
            #expect(throws: StageFailure.self) {
                try harness.run(FeaturesStage(), params: bad, inputs: ["events": try harness.write("events-w", table: events)], tag: "wrong")
            }
        }
        #expect(throws: StageFailure.self) {
            var bad = params
            bad["negatives"] = .map([("task", .string("watchd"))])
            try harness.run(FeaturesStage(), params: bad, inputs: ["events": try harness.write("events2", table: events)], tag: "bad")
        }
    }
}
