import Foundation
import Testing
@testable import MultiTaskLearning
@testable import Orchestrator
@testable import RecommenderStages

/// explain names the feature that truly drives the score: on logs where a
/// click depends on the item's category alone, the recommended items are
/// explained by their category, pushing the click score up.
@Suite("Explanations per recommended item", .serialized)
struct ExplainTests {
    /// 60 users, 200 items of which 40 are "hot": p(click) is 0.8 for a hot
    /// item and 0.05 otherwise, whatever the user, device or colour.
    func events() -> Table {
        var random = RandomSource(seed: 11)
        var users: [String] = [], items: [String] = [], categories: [String] = [], colours: [String] = []
        var devices: [String] = [], clicks: [Float] = [], times: [Float] = []
        for impression in 0..<4000 {
            let user = random.int(below: 60), item = random.int(below: 200)
            let hot = item < 40
            users.append("u\(user)")
            items.append("i\(item)")
            categories.append(hot ? "hot" : "cold")
            colours.append(["red", "green", "blue"][item % 3])
            devices.append(["ios", "android", "web"][user % 3])
            clicks.append(random.uniform() < (hot ? 0.8 : 0.05) ? 1 : 0)
            times.append(Float(impression))
        }
        var table = Table()
        table["user_id"] = .string(users)
        table["item_id"] = .string(items)
        table["category"] = .string(categories)
        table["colour"] = .string(colours)
        table["device"] = .string(devices)
        table["click"] = .float(clicks)
        table["timestamp"] = .float(times)
        return table
    }

    @Test func theTrueDriverIsNamedFirst() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        let events = try harness.write("events", table: events())
        // item_id is left out of the model so that only the category can carry the effect.
        let features = try harness.run(FeaturesStage(), params: [
            "categorical": .strings(["user_id", "category", "colour", "device"]),
            "labels": .stringMap([("click", "click")]), "user_column": .string("user_id"), "item_column": .string("item_id"),
            "user_features": .strings(["user_id", "device"]), "item_features": .strings(["item_id", "category", "colour"]),
            "split": .string("time"),
        ], inputs: ["events": events])
        let model = try harness.run(BuildModelStage(), params: [
            "architecture": .string("mmoe"), "tasks": .stringMap([("click", "binary")]),
            "experts": .int(2), "expert_units": .int(16), "tower_units": .list([.int(8)]),
        ], inputs: ["transform": features["transform"]!.path])
        let loss = try harness.run(JointLossStage(), inputs: ["model": model["model"]!.path])
        let trained = try harness.run(TrainStage(), params: ["epochs": .int(4), "batch_size": .int(128), "learning_rate": .float(0.01)],
                                      inputs: ["dataset": features["train"]!.path, "validation": features["valid"]!.path,
                                               "model": model["model"]!.path, "loss": loss["loss"]!.path,
                                               "transform": features["transform"]!.path])
        let scores = try harness.run(PredictStage(), params: ["mode": .string("candidates"), "candidates": .string("all_unseen")],
                                     inputs: ["model": trained["model"]!.path, "transform": features["transform"]!.path,
                                              "dataset": features["test"]!.path, "history": features["train"]!.path])
        let ranked = try harness.run(RankStage(), params: ["expression": .string("click"), "top_k": .int(3)],
                                     inputs: ["scores": scores["scores"]!.path, "history": features["train"]!.path,
                                              "users": features["test"]!.path])
        let explained = try harness.run(ExplainStage(), params: ["features": .int(2)],
                                        inputs: ["recommendations": ranked["recommendations"]!.path, "model": trained["model"]!.path,
                                                 "transform": features["transform"]!.path, "history": features["train"]!.path])

        let lines = try String(contentsOf: explained["recommendations"]!, encoding: .utf8).split(separator: "\n").map(String.init)
        let original = try String(contentsOf: ranked["recommendations"]!, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.first == "user,rank,item,score,click,source,why_click")
        #expect(lines.count == original.count)
        var modelRows = 0, drivenByCategory = 0
        for (line, before) in zip(lines.dropFirst(), original.dropFirst()) {
            #expect(line.hasPrefix(before + ","), "rank's columns are kept as they were")
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields[5] == "model" else {
                #expect(fields[6].isEmpty, "the popularity fallback has no explanation")
                continue
            }
            modelRows += 1
            let named = fields[6].split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(named.count <= 2)
            if let first = named.first, first.hasPrefix("category +") { drivenByCategory += 1 }
        }
        #expect(modelRows > 30)
        #expect(Double(drivenByCategory) >= 0.9 * Double(modelRows), "\(drivenByCategory) of \(modelRows): \(lines.prefix(6))")
    }

    @Test func anUnknownTaskIsRefused() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        try harness.write("lists.csv", "user,rank,item,score,click,source\n")
        let events = try harness.write("events", table: events())
        let features = try harness.run(FeaturesStage(), params: [
            "categorical": .strings(["user_id", "category"]), "labels": .stringMap([("click", "click")]),
            "user_column": .string("user_id"), "item_column": .string("item_id"),
        ], inputs: ["events": events])
        let model = try harness.run(BuildModelStage(), params: ["architecture": .string("single_task"), "tasks": .stringMap([("click", "binary")])],
                                    inputs: ["transform": features["transform"]!.path])
        #expect(throws: StageFailure.self) {
            try harness.run(ExplainStage(), params: ["tasks": .strings(["clicks"])],
                            inputs: ["recommendations": harness.path("lists.csv"), "model": model["model"]!.path,
                                     "transform": features["transform"]!.path, "history": features["train"]!.path])
        }
    }
}
