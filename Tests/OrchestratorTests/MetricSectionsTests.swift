import Foundation
import Testing
@testable import Orchestrator

@Suite("Metrics apart from counts")
struct MetricSectionsTests {
    @Test func countsAndRunFactsAreNotMetrics() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let file = try sandbox.write("metrics.json", """
            {"click": {"auc": 0.71, "gauc": 0.6}, "ranking": {"hit_rate": 0.25, "baseline": {"popularity": {"hit_rate": 0.2}}},
             "counts": {"rows": 600, "ranking.k": 10, "ranking.users": 120}, "info": {"model": "mmoe", "ease_lambda": 500},
             "gate_weights": {"click": [0.5, 0.5]}, "importance": {"click": [{"feature": "price", "drop": 0.1}]}}
            """)
        let names = RunFacts.metrics(in: file).map(\.name)
        #expect(names == ["click.auc", "click.gauc", "ranking.baseline.popularity.hit_rate", "ranking.hit_rate"])
    }

    @Test func roundingNoiseIsNoChange() {
        #expect(MetricDirection.same(0.6123456789, 0.6123456789 + 6.7e-16))
        #expect(!MetricDirection.same(0.612, 0.613))
        #expect(MetricDirection.higherIsBetter("evaluate.ranking.hit_rate_vs_popularity") == true)
        #expect(MetricDirection.higherIsBetter("evaluate.rating.rmse") == false)
        #expect(MetricDirection.higherIsBetter("evaluate.counts.rows") == nil)
    }
}
