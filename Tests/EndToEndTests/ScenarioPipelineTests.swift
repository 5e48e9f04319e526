import Foundation
import Testing

/// The three scenario pipelines, as shipped, run end to end through the
/// binary at a small size (their gates are for the full size, so they are
/// left out here; the README gives the full-size figures).
@Suite("Scenario pipelines end to end", .serialized)
struct ScenarioPipelineTests {
    struct Scenario: Sendable, CustomStringConvertible {
        var file: String
        var quantity: String
        var header: String
        var description: String { file }
    }

    static let scenarios = [
        Scenario(file: "ecommerce", quantity: "purchase_value", header: "user,rank,item,score,click,conversion,rating,source"),
        Scenario(file: "social", quantity: "engagement", header: "user,rank,item,score,comment,follow,share,source"),
        Scenario(file: "ads", quantity: "revenue", header: "user,rank,item,score,click,conversion,revenue,source"),
    ]

    @Test(arguments: scenarios)
    func runsAtASmallSizeAndJudgesListsByItsOwnQuantity(_ scenario: Scenario) throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        let shipped = try String(contentsOf: MtrecProcess.repository.appendingPathComponent("pipelines/\(scenario.file).yaml"), encoding: .utf8)
        let withoutGates = String(shipped[..<(shipped.range(of: "\ngates:")?.lowerBound ?? shipped.endIndex)]) + "\n"
        try mtrec.write("p.yaml", withoutGates)
        let result = try mtrec.run("run", "p.yaml", "--set", "collect.users=150", "--set", "collect.items=120",
                                   "--set", "collect.impressions=6000", "--set", "train.epochs=1")
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: mtrec.path("out/\(scenario.file)/metrics.json")))) as! [String: Any]
        let ranking = try #require(metrics["ranking"] as? [String: Any])
        let expected = try #require(ranking["expected_\(scenario.quantity)"] as? [String: Double], "\(ranking.keys.sorted())")
        #expect(expected["oracle"]! >= expected["model"]! && expected["oracle"]! >= expected["popularity"]!, "nothing beats the oracle: \(expected)")
        #expect(expected["model"]! > 0)
        #expect(ranking["expected_\(scenario.quantity)_vs_oracle"] is Double)
        let recommendations = try mtrec.read("out/\(scenario.file)/recommendations.csv")
        #expect(recommendations.hasPrefix(scenario.header + "\n") || recommendations.hasPrefix(scenario.header + ",why_"),
                "\(recommendations.prefix(200))")
    }
}
