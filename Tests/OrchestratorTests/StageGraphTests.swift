import Testing
@testable import Orchestrator

@Suite("Stage graph")
struct StageGraphTests {
    // collect -> clean -> {features, stats}; features -> train; stats -> report; train -> report
    let graph = StageGraph(names: ["report", "train", "features", "stats", "clean", "collect"], dependencies: [
        "clean": ["collect"], "features": ["clean"], "stats": ["clean"],
        "train": ["features"], "report": ["train", "stats"],
    ])

    @Test func topologicalOrderPutsDependenciesFirstAndKeepsFileOrderOtherwise() {
        #expect(graph.topologicalOrder() == ["collect", "clean", "features", "train", "stats", "report"])
    }

    @Test func ancestorsAndDescendants() {
        #expect(graph.ancestors(of: "train") == ["features", "clean", "collect"])
        #expect(graph.descendants(of: "clean") == ["features", "stats", "train", "report"])
        #expect(graph.descendants(of: "report").isEmpty)
    }

    @Test func anAcyclicGraphHasNoCycles() {
        #expect(graph.cycles().isEmpty)
    }

    @Test func eachCycleIsReportedOnceInDataFlowOrder() {
        // a reads c, b reads a, c reads b: data flows a -> b -> c -> a.
        let cyclic = StageGraph(names: ["a", "b", "c", "d"], dependencies: ["a": ["c"], "b": ["a"], "c": ["b"], "d": ["c"]])
        #expect(cyclic.cycles() == [["a", "b", "c", "a"]])
    }

    @Test func selectionOnlyFromUntilAndForce() {
        #expect(Selection(only: ["stats"]).selected(in: graph) == ["stats"])
        #expect(Selection(from: "features").selected(in: graph) == ["features", "train", "report"])
        #expect(Selection(until: "train").selected(in: graph) == ["collect", "clean", "features", "train"])
        #expect(Selection(from: "clean", until: "train").selected(in: graph) == ["clean", "features", "train"])
        #expect(Selection(force: ["stats"]).forced(in: graph) == ["stats", "report"])
        #expect(Selection(only: ["nope"]).unknownNames(in: graph) == [
            "--only names unknown stage 'nope'; stages are: report, train, features, stats, clean, collect",
        ])
    }
}
