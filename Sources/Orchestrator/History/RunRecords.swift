import Foundation
import GRDB

/// One run: what `--report` writes, what the history keeps, and what
/// `mtrec runs`, diff, gates and the HTML report read back. The history
/// keeps every field but `published`, `publishError` and `uncheckedGates`,
/// which only the run's own report carries.
public struct RunRecord: Encodable, Sendable, Equatable {
    public var id: String
    public var pipeline: String
    public var file: String
    public var fileHash: String
    public var gitCommit: String?
    public var startedAt: Date
    public var endedAt: Date?
    /// Measured by the run itself; read back from the history as `endedAt - startedAt`.
    public var seconds: Double = 0
    public var status: RunStatus
    /// Resolved params, flattened: "params.seed", "train.learning_rate" -> canonical JSON.
    public var params: [String: String]
    public var stages: [StageExecution] = []
    /// From the stages' metrics outputs.
    public var metrics: [MetricRecord] = []
    public var gates: [GateResult] = []
    /// Gates on stages this run did not select (`--until`, `--only`): not
    /// checked, and nothing is published, since publishing needs every gate.
    public var uncheckedGates: [String] = []
    /// Destination paths written by `publish`.
    public var published: [String] = []
    /// Why publishing stopped, when it did.
    public var publishError: String?

    /// "stage.metric" -> value, as gates and diffs name metrics.
    public var metricValues: [String: Double] {
        Dictionary(metrics.map { ("\($0.stage).\($0.name)", $0.value) }, uniquingKeysWith: { $1 })
    }

    /// The report's field names, as CI jobs read them: `runId`, and metrics as
    /// one "stage.metric" -> value object.
    private enum CodingKeys: String, CodingKey {
        case id = "runId", pipeline, file, fileHash, gitCommit, startedAt, endedAt, seconds, status, params, stages, metrics, gates,
             uncheckedGates, published, publishError
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(pipeline, forKey: .pipeline)
        try container.encode(file, forKey: .file)
        try container.encode(fileHash, forKey: .fileHash)
        try container.encodeIfPresent(gitCommit, forKey: .gitCommit)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encodeIfPresent(endedAt, forKey: .endedAt)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(status, forKey: .status)
        try container.encode(params, forKey: .params)
        try container.encode(stages, forKey: .stages)
        try container.encode(metricValues, forKey: .metrics)
        try container.encode(gates, forKey: .gates)
        try container.encode(uncheckedGates, forKey: .uncheckedGates)
        try container.encode(published, forKey: .published)
        try container.encodeIfPresent(publishError, forKey: .publishError)
    }
}

public struct MetricRecord: Sendable, Equatable {
    public var stage: String
    public var name: String
    public var value: Double

    public init(stage: String, name: String, value: Double) {
        self.stage = stage
        self.name = name
        self.value = value
    }
}

extension RunHistory {
    /// Stores a finished run in one transaction.
    public func record(_ run: RunRecord, artifacts: [(key: String, bytes: Int64)]) throws {
        // Cached statements: each INSERT is compiled once, however many rows it writes.
        try database.write { db in
            try Self.upsert(run, in: db)
            let stageInsert = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO stage_executions
                (run_id, stage, key, status, reason, error, seconds, start_offset, end_offset, peak_memory_bytes, outputs, upstream)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for stage in run.stages {
                try stageInsert.execute(arguments: [run.id, stage.name, stage.key.hex, stage.status.rawValue, stage.reason.description, stage.error, stage.seconds, stage.startOffset,
                                                    stage.endOffset, stage.peakMemoryBytes, Self.json(stage.outputs), Self.list(stage.upstream)])
            }
            let metricInsert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO metrics (run_id, stage, name, value) VALUES (?, ?, ?, ?)")
            for metric in run.metrics {
                try metricInsert.execute(arguments: [run.id, metric.stage, metric.name, metric.value])
            }
            let gateInsert = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO gates (run_id, gate, value, condition, passed, message) VALUES (?, ?, ?, ?, ?, ?)
                """)
            for gate in run.gates {
                try gateInsert.execute(arguments: [run.id, gate.gate, gate.value, gate.condition, gate.passed, gate.message])
            }
            let artifactInsert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO artifacts (key, bytes, created_at) VALUES (?, ?, ?)")
            for artifact in artifacts {
                try artifactInsert.execute(arguments: [artifact.key, artifact.bytes, Date().timeIntervalSince1970])
            }
        }
    }

    /// Runs, newest first.
    public func runs(pipeline: String? = nil, limit: Int = 20) throws -> [RunRecord] {
        try database.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM runs WHERE (? IS NULL OR pipeline = ?) ORDER BY started_at DESC, id DESC LIMIT ?
                """, arguments: [pipeline, pipeline, limit])
            return rows.map(Self.runRecord)
        }
    }

    /// The run with its stages, metrics and gates.
    public func detail(_ id: String) throws -> RunRecord? {
        try database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]) else { return nil }
            let stages = try Row.fetchAll(db, sql: "SELECT * FROM stage_executions WHERE run_id = ? ORDER BY rowid", arguments: [id]).map { row in
                StageExecution(name: row["stage"], status: Self.stageStatus(row["status"]), reason: RunReason(text: row["reason"]), key: StageKey(hex: row["key"]),
                               seconds: row["seconds"], startOffset: row["start_offset"], endOffset: row["end_offset"],
                               outputs: Self.dictionary(row["outputs"]), upstream: Self.decodeList(row["upstream"]),
                               peakMemoryBytes: row["peak_memory_bytes"], error: row["error"])
            }
            let metrics = try Row.fetchAll(db, sql: "SELECT * FROM metrics WHERE run_id = ? ORDER BY stage, name", arguments: [id]).map { row in
                MetricRecord(stage: row["stage"], name: row["name"], value: row["value"])
            }
            let gates = try Row.fetchAll(db, sql: "SELECT * FROM gates WHERE run_id = ? ORDER BY rowid", arguments: [id]).map { row in
                GateResult(gate: row["gate"], condition: row["condition"], value: row["value"], passed: row["passed"], message: row["message"])
            }
            var run = Self.runRecord(row)
            (run.stages, run.metrics, run.gates) = (stages, metrics, gates)
            return run
        }
    }

    /// The newest run of `pipeline` that succeeded (every gate passed), started before `runId`.
    public func lastPassingMetric(pipeline: String, stage: String, name: String, before date: Date) throws -> Double? {
        try database.read { db in
            try Double.fetchOne(db, sql: """
                SELECT m.value FROM metrics m JOIN runs r ON r.id = m.run_id
                WHERE r.pipeline = ? AND r.status = 'succeeded' AND m.stage = ? AND m.name = ? AND r.started_at < ?
                ORDER BY r.started_at DESC LIMIT 1
                """, arguments: [pipeline, stage, name, date.timeIntervalSince1970])
        }
    }

    /// Stage keys the newest `keep` runs of each pipeline refer to.
    public func keysOfNewestRuns(keep: Int) throws -> Set<String> {
        try database.read { db in
            Set(try String.fetchAll(db, sql: """
                SELECT DISTINCT s.key FROM stage_executions s JOIN (
                    SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY pipeline ORDER BY started_at DESC) AS n FROM runs
                                    WHERE EXISTS (SELECT 1 FROM stage_executions e WHERE e.run_id = runs.id))
                    WHERE n <= ?) kept ON kept.id = s.run_id
                """, arguments: [keep]))
        }
    }

    public func forgetArtifacts(_ keys: [String]) throws {
        try database.write { db in
            for key in keys { try db.execute(sql: "DELETE FROM artifacts WHERE key = ?", arguments: [key]) }
        }
    }

    /// Statuses are written by mtrec from these enums; a row from a newer
    /// mtrec with a status this one does not know reads as failed.
    static func runStatus(_ text: String) -> RunStatus { RunStatus(rawValue: text) ?? .failed }
    static func stageStatus(_ text: String) -> StageStatus { StageStatus(rawValue: text) ?? .failed }

    private static func runRecord(_ row: Row) -> RunRecord {
        let startedAt = Date(timeIntervalSince1970: row["started_at"])
        let endedAt = (row["ended_at"] as Double?).map { Date(timeIntervalSince1970: $0) }
        return RunRecord(id: row["id"], pipeline: row["pipeline"], file: row["file"], fileHash: row["file_hash"], gitCommit: row["git_commit"],
                         startedAt: startedAt, endedAt: endedAt, seconds: endedAt.map { $0.timeIntervalSince(startedAt) } ?? 0,
                         status: runStatus(row["status"]), params: dictionary(row["params"]))
    }

    static func json(_ dictionary: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(dictionary)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func list(_ values: [String]) -> String {
        (try? JSONEncoder().encode(values)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    static func decodeList(_ text: String?) -> [String] {
        guard let data = text?.data(using: .utf8) else { return [] }
        return (try? JSONDecoder().decode([String].self, from: data)) ?? []
    }

    /// The run of the same pipeline just before `run`, if any.
    public func previousRun(of run: RunRecord) throws -> RunRecord? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE pipeline = ? AND started_at < ? ORDER BY started_at DESC LIMIT 1",
                             arguments: [run.pipeline, run.startedAt.timeIntervalSince1970]).map(Self.runRecord)
        }
    }

    static func dictionary(_ text: String?) -> [String: String] {
        guard let data = text?.data(using: .utf8) else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: data)) ?? [:]
    }
}
