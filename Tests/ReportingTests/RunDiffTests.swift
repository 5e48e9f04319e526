import Foundation
import Testing
@testable import Orchestrator
@testable import Reporting

@Suite("mtrec diff")
struct RunDiffTests {
    func run(_ id: String, gauc: Double, auc: Double) -> RunRecord {
        RunRecord(id: id, pipeline: "p", file: "/p.yaml", fileHash: "", gitCommit: nil, startedAt: Date(), endedAt: nil, status: .succeeded,
                  params: [:], metrics: [MetricRecord(stage: "evaluate", name: "click.gauc", value: gauc),
                                         MetricRecord(stage: "evaluate", name: "click.auc", value: auc)])
    }

    @Test func roundingNoiseIsNotABetterSide() {
        let text = RunDiff.render(run("a", gauc: 0.6123456789, auc: 0.70), run("b", gauc: 0.6123456789 + 6.7e-16, auc: 0.72))
        let rows = text.split(separator: "\n").map(String.init)
        let gauc = rows.first { $0.hasPrefix("evaluate.click.gauc") } ?? ""
        let auc = rows.first { $0.hasPrefix("evaluate.click.auc") } ?? ""
        #expect(!gauc.hasSuffix(" a") && !gauc.hasSuffix(" b"), "no side is better by 6.7e-16: \(gauc)")
        #expect(auc.hasSuffix(" b"), "a real gain is marked: \(auc)")
    }
}
