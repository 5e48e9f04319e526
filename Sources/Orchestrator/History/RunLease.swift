import Foundation
import GRDB

/// A run in progress: its row in the history says `running` and its process
/// holds `locks/run-<id>.lock`. flock(2) dies with the process, so a later
/// mtrec that can take the lock knows the run was killed and marks it
/// `interrupted`, and `mtrec runs` lists every run ever started.
public final class RunLease: @unchecked Sendable {
    public static let running = RunStatus.running
    public static let abandoned = RunStatus.interrupted

    private let lock: FileKeyLock
    private let path: String

    fileprivate init(lock: FileKeyLock, path: String) {
        self.lock = lock
        self.path = path
    }

    /// The run reached its final record: the lock file is no longer needed.
    func end() {
        unlink(path)
        lock.release()
    }
}

extension RunHistory {
    static func leasePath(_ locksFolder: URL, _ runId: String) -> String {
        locksFolder.appendingPathComponent("run-\(runId).lock").path
    }

    /// Records `run` as started. The lock is taken before the row is written,
    /// so nobody can see a `running` row whose owner is not holding its lock.
    public func start(_ run: RunRecord) throws -> RunLease {
        try FileManager.default.createDirectory(at: locksFolder, withIntermediateDirectories: true)
        let path = Self.leasePath(locksFolder, run.id)
        let lease = RunLease(lock: try FileKeyLock(path: path), path: path)
        var started = run
        started.status = RunLease.running
        started.endedAt = nil
        try database.write { db in try Self.upsert(started, in: db) }
        return lease
    }

    /// Marks every `running` run whose process is gone as `interrupted`.
    func markAbandonedRuns() throws {
        let candidates = try database.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM runs WHERE status = ?", arguments: [RunLease.running.rawValue])
        }
        for id in candidates {
            let path = Self.leasePath(locksFolder, id)
            // Held by a live run: that run is still going.
            guard let lock = FileKeyLock(tryingPath: path) else { continue }
            try database.write { db in
                try db.execute(sql: "UPDATE runs SET status = ? WHERE id = ? AND status = ?",
                               arguments: [RunLease.abandoned.rawValue, id, RunLease.running.rawValue])
            }
            unlink(path)
            lock.release()
        }
    }

    static func upsert(_ run: RunRecord, in db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO runs (id, pipeline, file, file_hash, git_commit, started_at, ended_at, status, params)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET pipeline = excluded.pipeline, file = excluded.file, file_hash = excluded.file_hash,
                git_commit = excluded.git_commit, started_at = excluded.started_at, ended_at = excluded.ended_at,
                status = excluded.status, params = excluded.params
            """).execute(arguments: [run.id, run.pipeline, run.file, run.fileHash, run.gitCommit, run.startedAt.timeIntervalSince1970,
                                     run.endedAt?.timeIntervalSince1970, run.status.rawValue, Self.json(run.params)])
    }
}
