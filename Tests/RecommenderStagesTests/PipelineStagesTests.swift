import Foundation
import Testing
@testable import MultiTaskLearning
@testable import Orchestrator
@testable import RecommenderStages

/// The recommender stages chained in-process on a small simulation.
@Suite("From events to ranked lists", .serialized)
struct PipelineStagesTests {
    struct Chain {
        var harness: StageHarness
        var features: [String: URL]
        var model: [String: URL]
        var loss: [String: URL]
        var trained: [String: URL]
    }

    func chain(architecture: String = "mmoe", epochs: Int = 2) throws -> Chain {
        let harness = try StageHarness()
        let collected = try harness.run(CollectStage(), params: ["users": .int(60), "items": .int(40), "impressions": .int(6000)])
        let features = try harness.run(FeaturesStage(), params: [
            "categorical": .strings(["user_id", "item_id", "age_band", "device", "category"]), "numeric": .strings(["price", "position"]),
            "transforms": .map([("price", .string("log1p"))]),
            "labels": .stringMap([("click", "click"), ("conversion", "conversion"), ("rating", "rating")]),
            "user_features": .strings(["user_id", "age_band", "device"]), "item_features": .strings(["item_id", "category", "price"]),
            "keep": .strings(["category"]), "split": .string("time"),
        ], inputs: ["events": collected["events"]!.path])
        let model = try harness.run(BuildModelStage(), params: [
            "architecture": .string(architecture), "tasks": .stringMap([("click", "binary"), ("conversion", "binary"), ("rating", "regression")]),
            "experts": .int(3), "expert_units": .int(16), "tower_units": .list([.int(8)]), "bottom_units": .list([.int(16)]),
        ], inputs: ["transform": features["transform"]!.path])
        let loss = try harness.run(JointLossStage(), params: ["weights": .map([("rating", .float(0.2))]), "lambda": .float(0.0001)],
                                   inputs: ["model": model["model"]!.path])
        let trained = try harness.run(TrainStage(), params: ["epochs": .int(epochs), "batch_size": .int(128), "learning_rate": .float(0.01)],
                                      inputs: ["dataset": features["train"]!.path, "validation": features["valid"]!.path,
                                               "model": model["model"]!.path, "loss": loss["loss"]!.path,
                                               "transform": features["transform"]!.path])
        return Chain(harness: harness, features: features, model: model, loss: loss, trained: trained)
    }

    @Test func trainPredictRankAndEvaluate() throws {
        let chain = try chain()
        defer { chain.harness.remove() }
        let history = try JSONSerialization.jsonObject(with: Data(contentsOf: chain.trained["history"]!)) as! [String: Any]
        #expect((history["records"] as? [Any])?.count == 2)

        let harness = chain.harness
        let f = chain.features
        let scores = try harness.run(PredictStage(), params: ["mode": .string("candidates"), "candidates_per_user": .int(15)],
                                     inputs: ["model": chain.trained["model"]!.path, "transform": f["transform"]!.path,
                                              "dataset": f["test"]!.path, "history": f["train"]!.path])
        let scored = try TableFolder.read(scores["scores"]!)
        #expect(scored.names.contains("score.click") && scored.names.contains("score.rating") && scored.names.contains("keep.category"))

        let ranked = try harness.run(RankStage(), params: ["expression": .string("click * conversion"), "top_k": .int(5),
                                                           "max_per_category": .int(2)],
                                     inputs: ["scores": scores["scores"]!.path, "history": f["train"]!.path, "users": f["test"]!.path])
        let lines = try String(contentsOf: ranked["recommendations"]!, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "user,rank,item,score,click,conversion,rating,source")
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let train = try TableFolder.read(f["train"]!)
        guard case .string(let trainUsers)? = train["key.user"], case .string(let trainItems)? = train["key.item"] else {
            Issue.record("no keys"); return
        }
        let seen = Set(zip(trainUsers, trainItems).map { "\($0)|\($1)" })
        for row in rows {
            #expect(!seen.contains("\(row[0])|\(row[2])"), "an item the user has seen is never recommended")
            if row[7] == "model" {
                let product = Double(row[4])! * Double(row[5])!
                #expect(abs(Double(row[3])! - product) < 1e-5, "score = click * conversion")
            }
        }
        for (_, userRows) in Dictionary(grouping: rows, by: { $0[0] }) {
            #expect(userRows.count <= 5)
            #expect(userRows.map { Int($0[1])! } == Array(1...userRows.count))
            let scores = userRows.map { Double($0[3])! }
            #expect(scores == scores.sorted(by: >), "ranked by score")
        }

        let evaluated = try harness.run(EvaluateStage(), params: ["k": .int(5)],
                                        inputs: ["model": chain.trained["model"]!.path, "transform": f["transform"]!.path,
                                                 "test": f["test"]!.path, "recommendations": ranked["recommendations"]!.path])
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: evaluated["metrics"]!)) as? [String: Any])
        let click = try #require(metrics["click"] as? [String: Any]), conversion = try #require(metrics["conversion"] as? [String: Any])
        let rating = try #require(metrics["rating"] as? [String: Any])
        #expect(click["auc"] is Double && rating["rmse"] is Double && rating["auc"] == nil)
        let counts = try #require(metrics["counts"] as? [String: Any])
        #expect(click["rows"] == nil && conversion["rows"] == nil, "counts stand apart from metrics")
        #expect((counts["conversion.rows"] as! Int) < (counts["click.rows"] as! Int), "conversion counts clicked rows only")
        #expect(((metrics["gate_weights"] as? [String: Any])?["click"] as? [Double])?.count == 3)
        #expect((counts["ranking.users"] as? Int ?? 0) > 0)
        #expect(((metrics["importance"] as? [String: Any])?["click"] as? [Any])?.isEmpty == false)
        // Deterministic: the same model evaluated again writes the same bytes.
        let again = try harness.run(EvaluateStage(), params: ["k": .int(5)],
                                    inputs: ["model": chain.trained["model"]!.path, "transform": f["transform"]!.path,
                                             "test": f["test"]!.path, "recommendations": ranked["recommendations"]!.path], tag: "again")
        #expect(try Data(contentsOf: again["metrics"]!) == Data(contentsOf: evaluated["metrics"]!))
        // The evaluation agrees with the learning core's metrics computed here.
        let model = try ModelStore.load(from: chain.trained["model"]!)
        let transform = try JSONDecoder().decode(FeatureTransform.self, from: Data(contentsOf: f["transform"]!))
        let test = try EncodedData.dataset(try TableFolder.read(f["test"]!), transform: transform, schema: model.architecture.features,
                                           tasks: ["click", "conversion", "rating"])
        let predictions = Predictor.predict(model, on: test)
        #expect(abs(try #require(click["auc"] as? Double) - #require(Metrics.auc(scores: predictions[0], labels: test.labels[0]))) < 1e-12)
    }

    @Test func aKilledTrainResumesFromItsLastEpoch() throws {
        let chain = try chain(epochs: 1)
        defer { chain.harness.remove() }
        let harness = chain.harness, f = chain.features
        let inputs = ["dataset": f["train"]!.path, "validation": f["valid"]!.path, "model": chain.model["model"]!.path,
                      "loss": chain.loss["loss"]!.path, "transform": f["transform"]!.path]
        // The first run's checkpoint stays (as after a kill); a rerun with more epochs continues from it.
        let checkpoint = harness.folder.appendingPathComponent("checkpoint-resume")
        try FileManager.default.copyItem(at: harness.folder.appendingPathComponent("checkpoint-train"), to: checkpoint)
        let resumed = try harness.run(TrainStage(), params: ["epochs": .int(2), "batch_size": .int(128), "learning_rate": .float(0.01)],
                                      inputs: inputs, tag: "resume")
        let straight = try harness.run(TrainStage(), params: ["epochs": .int(2), "batch_size": .int(128), "learning_rate": .float(0.01)],
                                       inputs: inputs, tag: "straight")
        let history = try JSONSerialization.jsonObject(with: Data(contentsOf: resumed["history"]!)) as! [String: Any]
        #expect((history["records"] as? [[String: Any]])?.map { $0["epoch"] as! Int } == [1, 2])
        let a = try Data(contentsOf: resumed["model"]!.appendingPathComponent(ModelStore.weightsFile))
        let b = try Data(contentsOf: straight["model"]!.appendingPathComponent(ModelStore.weightsFile))
        #expect(a == b, "resuming after epoch 1 gives the weights of an uninterrupted run")
    }

    @Test func twoTowerRetrievalLearnsFromTheTrainingRowsAndSkipsSeenItems() throws {
        let chain = try chain(epochs: 1)
        defer { chain.harness.remove() }
        let inputs = ["history": chain.features["train"]!.path, "users": chain.features["test"]!.path,
                      "transform": chain.features["transform"]!.path]
        let params: [String: ParamValue] = ["method": .string("two_tower"), "epochs": .int(2), "batch_size": .int(64),
                                            "dimension": .int(8), "tower_units": .list([.int(16)]), "candidates_per_user": .int(5)]
        let first = try TableFolder.read(try chain.harness.run(RetrieveStage(), params: params, inputs: inputs, tag: "tt-a")["candidates"]!)
        let again = try TableFolder.read(try chain.harness.run(RetrieveStage(), params: params, inputs: inputs, tag: "tt-b")["candidates"]!)
        #expect(first == again, "seeded: the same candidates twice")
        let train = try TableFolder.read(chain.features["train"]!)
        let (trainUsers, trainItems) = try train.userItemKeys()
        var seen: [String: Set<String>] = [:]
        for (user, item) in zip(trainUsers, trainItems) { seen[user, default: []].insert(item) }
        let (users, items) = try first.userItemKeys()
        #expect(!users.isEmpty)
        #expect(zip(users, items).allSatisfy { seen[$0.0]?.contains($0.1) != true }, "no candidate was seen in train")
        #expect(throws: StageFailure.self) {
            try chain.harness.run(RetrieveStage(), params: params, inputs: inputs.filter { $0.key != "transform" }, tag: "tt-none")
        }
        // A batch larger than the training rows trains on one batch of all of them, not on none.
        var large = params
        large["batch_size"] = .int(8192)
        large["epochs"] = .int(1)
        let oneStep = try TableFolder.read(try chain.harness.run(RetrieveStage(), params: large, inputs: inputs, tag: "tt-large")["candidates"]!)
        large["learning_rate"] = .float(0)
        let untrained = try TableFolder.read(try chain.harness.run(RetrieveStage(), params: large, inputs: inputs, tag: "tt-still")["candidates"]!)
        #expect(oneStep != untrained, "the one big batch moved the weights")
    }

    @Test func aModelTooBigForThisMachineIsRefusedBeforeAllocating() throws {
        let chain = try chain(epochs: 1)
        defer { chain.harness.remove() }
        // 1,024 experts of 65,536 units over ~50 inputs: billions of weights.
        do {
            try chain.harness.run(BuildModelStage(), params: ["tasks": .stringMap([("click", "binary")]), "experts": .int(1024),
                                                              "expert_units": .int(65536)],
                                  inputs: ["transform": chain.features["transform"]!.path], tag: "huge")
            Issue.record("a model of billions of weights was built")
        } catch let failure as StageFailure {
            #expect(failure.description.contains("parameters") && failure.description.contains("GiB to train")
                    && failure.description.contains("lower expert_units (65536)"), "\(failure)")
        }
    }

    @Test(.enabled(if: TinyFilesystem.canMount, "mounting a tmpfs needs root"))
    func aFullDiskIsAClearErrorWithThePathAndLeavesNoHalfCheckpoint() throws {
        let chain = try chain(epochs: 1)
        defer { chain.harness.remove() }
        let full = try #require(TinyFilesystem(bytes: 32 * 1024))
        defer { full.remove() }
        do {
            try chain.harness.run(TrainStage(), params: ["epochs": .int(2), "batch_size": .int(128)],
                                  inputs: ["dataset": chain.features["train"]!.path, "model": chain.model["model"]!.path,
                                           "loss": chain.loss["loss"]!.path, "transform": chain.features["transform"]!.path],
                                  tag: "full", outputsIn: full.root)
            Issue.record("training on a 32 KiB disk succeeded")
        } catch {
            let text = ErrorText.describe(error)
            #expect(text.contains("cannot save the checkpoint after epoch 1") && text.contains("No space left on device")
                    && text.contains(full.root.path), "\(text)")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: full.root.path)
        #expect(!left.contains { $0.hasSuffix(".new") }, "a half-written checkpoint was left: \(left)")

        let cleanFull = try #require(TinyFilesystem(bytes: 8 * 1024))
        defer { cleanFull.remove() }
        do {
            try chain.harness.run(CleanStage(), inputs: ["events": chain.features["train"]!.path], tag: "clean-full", outputsIn: cleanFull.root)
            Issue.record("clean wrote its table to an 8 KiB disk")
        } catch {
            let text = ErrorText.describe(error)
            #expect(text.contains("No space left on device") && text.contains(cleanFull.root.path), "\(text)")
        }
    }

    @Test func buildModelAndJointLossRefuseWhatTheyCannotBuild() throws {
        let chain = try chain(epochs: 1)
        defer { chain.harness.remove() }
        let harness = chain.harness
        #expect(throws: StageFailure.self) {
            try harness.run(BuildModelStage(), params: ["tasks": .stringMap([("clicks", "binary")])],
                            inputs: ["transform": chain.features["transform"]!.path], tag: "bad-task")
        }
        #expect(throws: StageFailure.self) {
            try harness.run(BuildModelStage(), params: ["architecture": .string("esmm"),
                                                        "tasks": .stringMap([("click", "binary"), ("rating", "regression")])],
                            inputs: ["transform": chain.features["transform"]!.path], tag: "bad-esmm")
        }
        #expect(throws: StageFailure.self) {
            try harness.run(JointLossStage(), params: ["losses": .stringMap([("rating", "bce")])],
                            inputs: ["model": chain.model["model"]!.path], tag: "bad-loss")
        }
    }
}

@Suite("rank expressions")
struct RankExpressionTests {
    @Test func precedenceParenthesesAndUnknownTasks() throws {
        let tasks = ["click", "conversion", "rating"]
        let scores = ["click": 0.5, "conversion": 0.2, "rating": 4.0]
        #expect(try Formula.parse("click * conversion", names: tasks).evaluate(scores) == 0.1)
        #expect(try Formula.parse("0.7*click + 0.3*rating/5", names: tasks).evaluate(scores) == 0.7 * 0.5 + 0.3 * 4 / 5)
        #expect(try Formula.parse("-(click - 1) * 2", names: tasks).evaluate(scores) == 1)
        #expect(throws: Formula.ParseError.self) { try Formula.parse("click * revenue", names: tasks) }
        #expect(throws: Formula.ParseError.self) { try Formula.parse("click *", names: tasks) }
        #expect(throws: Formula.ParseError.self) { try Formula.parse("(click", names: tasks) }
    }
}
