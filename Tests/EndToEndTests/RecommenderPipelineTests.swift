import Foundation
import Testing

/// The built-in recommender stages driven through the binary, the way
/// `make run` drives the quickstart.
@Suite("Recommender pipeline end to end", .serialized)
struct RecommenderPipelineTests {
    static let pipeline = try! String(contentsOf: MtrecProcess.repository.appendingPathComponent("Tests/EndToEndTests/Fixtures/tiny-recommender.yaml"),
                                      encoding: .utf8)

    func statuses(_ mtrec: MtrecProcess, _ report: String) throws -> [String: String] {
        try mtrec.stages(mtrec.report(report)).mapValues { $0["status"] as! String }
    }

    @Test func runsPublishesAndRerunsOnlyWhatAChangeAffects() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("tiny.yaml", Self.pipeline)
        let first = try mtrec.run("run", "tiny.yaml", "--report", "first.json")
        #expect(first.exitCode == 0, "\(first.stdout)\n\(first.stderr)")
        #expect(try statuses(mtrec, "first.json").values.allSatisfy { $0 == "ran" })
        #expect(first.stdout.contains("evaluate | task"), "the metrics table is shown")
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: mtrec.path("out/metrics.json")))) as! [String: Any]
        #expect(["click", "conversion", "rating", "ranking"].allSatisfy { metrics[$0] is [String: Any] })
        let ranking = try #require(metrics["ranking"] as? [String: Any])
        let baseline = (ranking["baseline"] as? [String: Any])?["popularity"] as? [String: Any]
        #expect(baseline?["hit_rate"] is Double && ranking["hit_rate_vs_popularity"] != nil, "\(ranking)")
        let expected = try #require(ranking["expected_click"] as? [String: Double], "\(ranking)")
        #expect(expected["oracle"]! >= expected["model"]! && expected["oracle"]! >= expected["popularity"]!, "nothing beats the oracle: \(expected)")
        #expect(try mtrec.read("out/recommendations.csv").hasPrefix("user,rank,item,score,click,conversion,rating,source\n"))

        let second = try mtrec.run("run", "tiny.yaml", "--report", "second.json")
        #expect(second.exitCode == 0)
        #expect(try statuses(mtrec, "second.json").values.allSatisfy { $0 == "cached" })

        let topK = try mtrec.run("run", "tiny.yaml", "--set", "rank.top_k=3", "--report", "topk.json")
        #expect(topK.exitCode == 0)
        let afterTopK = try statuses(mtrec, "topk.json")
        #expect(afterTopK.filter { $0.value == "ran" }.keys.sorted() == ["evaluate", "rank"])

        let rate = try mtrec.run("run", "tiny.yaml", "--set", "train.learning_rate=0.02", "--report", "rate.json")
        #expect(rate.exitCode == 0)
        let afterRate = try statuses(mtrec, "rate.json")
        for stage in ["collect", "clean", "features", "build_model", "joint_loss"] { #expect(afterRate[stage] == "cached", "\(stage)") }
        #expect(afterRate["train"] == "ran")
    }

    @Test func aLabelAsAFeatureFailsTheStageWithAClearMessage() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("tiny.yaml", Self.pipeline.replacingOccurrences(of: "numeric: [price, position]", with: "numeric: [price, position, click]"))
        let result = try mtrec.run("run", "tiny.yaml", "--until", "features")
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("column 'click' is the label of task 'click' and cannot also be a feature: remove it from 'numeric'"))
    }

    @Test func validationChecksParamsAgainstTheBuiltinManifests() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("tiny.yaml", Self.pipeline.replacingOccurrences(of: "architecture: mmoe", with: "architecture: mmo"))
        let result = try mtrec.run("validate", "tiny.yaml")
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("param 'architecture' of stage 'build_model' must be one of single_task, shared_bottom, mmoe, ple, esmm, got mmo (did you mean 'mmoe'?)"))
    }
}
