import Foundation
import GRDB
import Testing
@testable import Orchestrator

@Suite("Run history")
struct RunHistoryTests {
    func run(_ id: String, pipeline: String = "p", at seconds: Double, status: RunStatus = .succeeded, params: [String: String] = [:]) -> RunRecord {
        RunRecord(id: id, pipeline: pipeline, file: "/p.yaml", fileHash: "abc", gitCommit: nil, startedAt: Date(timeIntervalSince1970: seconds),
                  endedAt: Date(timeIntervalSince1970: seconds + 1), status: status, params: params)
    }

    /// `run` with what a finished run records beside it.
    func recorded(_ run: RunRecord, stages: [StageExecution], metrics: [MetricRecord], gates: [GateResult]) -> RunRecord {
        var run = run
        (run.stages, run.metrics, run.gates) = (stages, metrics, gates)
        return run
    }

    func stage(_ name: String, key: String) -> StageExecution {
        StageExecution(name: name, status: .ran, reason: .neverRun, key: StageKey(hex: key), seconds: 1, startOffset: 0, endOffset: 1,
                       outputs: ["o": "/x"], peakMemoryBytes: 1_048_576)
    }

    @Test func anOldDatabaseIsMigratedAndKeepsItsRuns() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let path = sandbox.stateFolder.appendingPathComponent(RunHistory.fileName).path
        try FileManager.default.createDirectory(at: sandbox.stateFolder, withIntermediateDirectories: true)
        let old = try RunHistory(path: path, upTo: "v1: runs, stage executions, metrics")
        #expect(try old.appliedMigrations() == ["v1: runs, stage executions, metrics"])
        try old.database.write { db in
            try db.execute(sql: """
                INSERT INTO runs (id, pipeline, file, file_hash, started_at, ended_at, status, params)
                VALUES ('r1', 'p', '/p.yaml', 'abc', 100, 101, 'succeeded', '{"train.lr":"0.1"}')
                """)
            try db.execute(sql: "INSERT INTO stage_executions (run_id, stage, key, status, reason, seconds) VALUES ('r1', 'train', 'k1', 'ran', 'never run', 2.5)")
            try db.execute(sql: "INSERT INTO metrics (run_id, stage, name, value) VALUES ('r1', 'evaluate', 'click.auc', 0.71)")
        }

        let current = try RunHistory(stateFolder: sandbox.stateFolder)
        #expect(try current.appliedMigrations() == ["v1: runs, stage executions, metrics", "v2: peak memory, artifacts, gates",
                                                    "v3: stage dependencies", "v4: stage errors apart from reasons"])
        let detail = try #require(try current.detail("r1"))
        #expect(detail.params == ["train.lr": "0.1"])
        #expect(detail.stages == [StageExecution(name: "train", status: .ran, reason: .neverRun, key: StageKey(hex: "k1"), seconds: 2.5, outputs: [:])])
        #expect(detail.metrics == [MetricRecord(stage: "evaluate", name: "click.auc", value: 0.71)])
        // The migrated database takes new runs with the new columns.
        try current.record(recorded(run("r2", at: 200), stages: [stage("train", key: "k2")], metrics: [], gates: []), artifacts: [("k2", 10)])
        #expect(try current.detail("r2")?.stages.first?.peakMemoryBytes == 1_048_576)
        // A failed stage keeps its reason and its error apart, both typed back.
        var failed = stage("train", key: "k3")
        (failed.status, failed.reason, failed.error) = (.failed, .paramsChanged(["lr", "seed"]), "exited with code 1")
        try current.record(recorded(run("r3", at: 300), stages: [failed], metrics: [], gates: []), artifacts: [])
        let back = try #require(try current.detail("r3")?.stages.first)
        #expect(back.reason == .paramsChanged(["lr", "seed"]) && back.error == "exited with code 1" && back.status == .failed)
        #expect(try current.runs().map(\.id) == ["r3", "r2", "r1"])
    }

    @Test func aRunIsListedFromItsStartAndMarkedInterruptedOnceItsProcessIsGone() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let history = try RunHistory(stateFolder: sandbox.stateFolder)
        let lease = try history.start(run("live", at: 100))
        // A row left by a process that died: nobody holds its lock.
        try history.database.write { db in try RunHistory.upsert(run("dead", at: 50, status: RunLease.running), in: db) }

        let reopened = try RunHistory(stateFolder: sandbox.stateFolder)
        #expect(try reopened.runs().map { "\($0.id) \($0.status)" } == ["live running", "dead interrupted"])
        #expect(try reopened.runs().first?.endedAt == nil)

        try history.record(recorded(run("live", at: 100), stages: [stage("a", key: "k")], metrics: [], gates: []), artifacts: [])
        lease.end()
        #expect(try RunHistory(stateFolder: sandbox.stateFolder).runs().map { "\($0.id) \($0.status)" } == ["live succeeded", "dead interrupted"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.stateFolder.appendingPathComponent("locks").path).isEmpty)
    }

    @Test func gatesCompareMetricsAndTheLastPassingRun() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let history = try RunHistory(stateFolder: sandbox.stateFolder)
        try history.record(recorded(run("old", at: 100), stages: [], metrics: [MetricRecord(stage: "evaluate", name: "click.auc", value: 0.75)],
                                     gates: []), artifacts: [])
        try history.record(recorded(run("failed", at: 150, status: .gateFailed), stages: [],
                                     metrics: [MetricRecord(stage: "evaluate", name: "click.auc", value: 0.9)], gates: []), artifacts: [])
        let gates = try ["evaluate.click.auc": ">= 0.70", "evaluate.click.auc_vs_last": ">= -0.005", "evaluate.rating.rmse": "<= 0.35"]
            .sorted { $0.key < $1.key }.map { try Gate.parse(name: $0.key, condition: $0.value).get() }
        let checker = GateChecker(pipeline: "p", startedAt: Date(timeIntervalSince1970: 200), history: history)
        let results = checker.check(gates, metrics: [MetricRecord(stage: "evaluate", name: "click.auc", value: 0.74),
                                                     MetricRecord(stage: "evaluate", name: "rating.rmse", value: 0.4)])
        #expect(results.map(\.passed) == [true, false, false])
        // Compared with the last run whose gates passed (0.75), not the failed one (0.9).
        #expect(abs(try #require(results[1].value) - (-0.01)) < 1e-12)
        #expect(results[1].message.contains("last passing run 0.75"))
        #expect(results[2].message == "rating.rmse = 0.4 fails <= 0.35")
        // The same model evaluated again may differ in the last bits: no change, and ">= 0" holds.
        let noise = checker.check([try Gate.parse(name: "evaluate.click.auc_vs_last", condition: ">= 0").get()],
                                  metrics: [MetricRecord(stage: "evaluate", name: "click.auc", value: 0.75 - 6.7e-16)])
        #expect(noise.first?.passed == true && noise.first?.value == 0)

        let first = GateChecker(pipeline: "new", startedAt: Date(), history: history).check([gates[1]], metrics: [MetricRecord(stage: "evaluate", name: "click.auc", value: 0.5)])
        #expect(first[0].passed && first[0].message.contains("no earlier passing run"))
        let missing = checker.check([gates[0]], metrics: [MetricRecord(stage: "evaluate", name: "click.acu", value: 0.9)])
        #expect(!missing[0].passed && missing[0].message.contains("reported no metric 'click.auc' (did you mean 'click.acu'?)"))
    }

    @Test func gateSyntaxAndReferencesAreValidated() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (_, diagnostics) = try sandbox.load("""
            name: p
            stages:
              evaluate: {command: "echo '{}' > {outputs.metrics}", outputs: [metrics]}
              other: {command: "true"}
            gates:
              evaluate.click.auc: "at least 0.7"
              evalute.click.auc: ">= 0.7"
              other.x: "<= 1"
            """)
        expectDiagnostic(diagnostics, line: 6, column: 23, contains: "'at least 0.7' is not a condition")
        expectDiagnostic(diagnostics, line: 7, column: 3, contains: "names unknown stage 'evalute' (did you mean 'evaluate'?)")
        expectDiagnostic(diagnostics, line: 8, column: 3, contains: "stage 'other' has no metrics output")
    }

    @Test func gcKeepsWhatKeptRunsUseAndWaitsForRunningOnes() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let history = try RunHistory(stateFolder: sandbox.stateFolder)
        let store = LocalArtifactStore(stateFolder: sandbox.stateFolder)
        func entry(_ text: String) throws -> String {
            let key = StageKey(of: text)
            let staging = try store.stage(key)
            try String(repeating: "x", count: 1000).write(to: staging.outputPath("o"), atomically: true, encoding: .utf8)
            _ = try store.commit(staging, outputs: ["o"], meta: ArtifactMeta(key: key, pipeline: "p", stage: "s", createdAt: Date(), seconds: 0), replacing: false)
            return key.hex
        }
        let old = try entry("old"), shared = try entry("shared"), new = try entry("new"), orphan = try entry("orphan")
        try history.record(recorded(run("r1", at: 100), stages: [stage("a", key: old), stage("b", key: shared)], metrics: [], gates: []), artifacts: [])
        try history.record(recorded(run("r2", at: 200), stages: [stage("a", key: new), stage("b", key: shared)], metrics: [], gates: []), artifacts: [])

        do {
            let running = try #require(ActiveRunLock(stateFolder: sandbox.stateFolder, exclusive: false))
            #expect(throws: GarbageCollector.Failure.self) { try GarbageCollector.collect(stateFolder: sandbox.stateFolder, history: history, keepRuns: 1) }
            withExtendedLifetime(running) {}
        }

        let result = try GarbageCollector.collect(stateFolder: sandbox.stateFolder, history: history, keepRuns: 1)
        #expect(result.removedEntries == 2 && result.keptEntries == 2)
        #expect(result.freedBytes > 2000)
        #expect(store.lookup(StageKey(hex: new), outputs: ["o"]) != nil && store.lookup(StageKey(hex: shared), outputs: ["o"]) != nil)
        #expect(store.lookup(StageKey(hex: old), outputs: ["o"]) == nil && store.lookup(StageKey(hex: orphan), outputs: ["o"]) == nil)
    }

    @Test func aKeyBuiltAgainLeavesTheListOfKeysGCRemoved() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        try FileManager.default.createDirectory(at: sandbox.stateFolder, withIntermediateDirectories: true)
        try "aaa\nbbb\n".write(to: sandbox.stateFolder.appendingPathComponent(GarbageCollector.removedKeysFile), atomically: true, encoding: .utf8)
        GarbageCollector.forget(["bbb", "ccc"], in: sandbox.stateFolder)
        #expect(GarbageCollector.removedKeys(in: sandbox.stateFolder) == ["aaa"])
    }

    // Metrics apart from counts: what history, diff and gates read.

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
