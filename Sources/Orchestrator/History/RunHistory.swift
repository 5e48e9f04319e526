import Foundation
import GRDB

/// Every run, its stage executions, metrics, gates and artifacts, in SQLite
/// (history.sqlite in the state folder), with versioned migrations.
public final class RunHistory: @unchecked Sendable {
    public static let fileName = "history.sqlite"
    let database: DatabaseQueue
    /// Where running runs keep their lease locks.
    let locksFolder: URL

    /// Opens (creating or migrating) the history in `stateFolder`.
    public init(stateFolder: URL) throws {
        try FileManager.default.createDirectory(at: stateFolder, withIntermediateDirectories: true)
        // Two processes migrating a new database at once would each hold a read
        // lock and wait for the other; a file lock lets one migrate at a time.
        let lock = try FileKeyLock(path: stateFolder.appendingPathComponent("history.lock").path)
        defer { lock.release() }
        database = try DatabaseQueue(path: stateFolder.appendingPathComponent(Self.fileName).path, configuration: Self.configuration)
        locksFolder = stateFolder.appendingPathComponent("locks")
        try Self.migrator.migrate(database)
        try markAbandonedRuns()
    }

    /// Opens a database file and applies migrations up to `version` only (tests of old databases).
    init(path: String, upTo version: String) throws {
        database = try DatabaseQueue(path: path, configuration: Self.configuration)
        locksFolder = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("locks")
        try Self.migrator.migrate(database, upTo: version)
    }

    /// Several mtrec processes share one state folder: wait for each other's
    /// writes. Write-ahead logging with synchronous=NORMAL keeps a record
    /// consistent after a crash while syncing once per checkpoint rather than
    /// on every commit, which keeps an all-cached rerun fast.
    static var configuration: Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        return configuration
    }

    /// The schema's history. Never edit a registered migration: add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: runs, stage executions, metrics") { db in
            try db.create(table: "runs") { table in
                table.column("id", .text).primaryKey()
                table.column("pipeline", .text).notNull().indexed()
                table.column("file", .text).notNull()
                table.column("file_hash", .text).notNull()
                table.column("git_commit", .text)
                table.column("started_at", .double).notNull()
                table.column("ended_at", .double)
                table.column("status", .text).notNull()
                table.column("params", .text).notNull()
            }
            try db.create(table: "stage_executions") { table in
                table.column("run_id", .text).notNull().references("runs", onDelete: .cascade)
                table.column("stage", .text).notNull()
                table.column("key", .text).notNull().indexed()
                table.column("status", .text).notNull()
                table.column("reason", .text).notNull()
                table.column("seconds", .double).notNull()
                table.column("start_offset", .double)
                table.column("end_offset", .double)
                table.primaryKey(["run_id", "stage"])
            }
            try db.create(table: "metrics") { table in
                table.column("run_id", .text).notNull().references("runs", onDelete: .cascade)
                table.column("stage", .text).notNull()
                table.column("name", .text).notNull()
                table.column("value", .double).notNull()
                table.primaryKey(["run_id", "stage", "name"])
            }
        }
        migrator.registerMigration("v2: peak memory, artifacts, gates") { db in
            try db.alter(table: "stage_executions") { table in
                table.add(column: "peak_memory_bytes", .integer)
                table.add(column: "outputs", .text).notNull().defaults(to: "{}")
            }
            try db.create(table: "artifacts") { table in
                table.column("key", .text).primaryKey()
                table.column("bytes", .integer).notNull()
                table.column("created_at", .double).notNull()
            }
            try db.create(table: "gates") { table in
                table.column("run_id", .text).notNull().references("runs", onDelete: .cascade)
                table.column("gate", .text).notNull()
                table.column("value", .double)
                table.column("condition", .text).notNull()
                table.column("passed", .boolean).notNull()
                table.column("message", .text).notNull()
                table.primaryKey(["run_id", "gate"])
            }
        }
        migrator.registerMigration("v3: stage dependencies") { db in
            try db.alter(table: "stage_executions") { table in
                table.add(column: "upstream", .text).notNull().defaults(to: "[]")
            }
        }
        migrator.registerMigration("v4: stage errors apart from reasons") { db in
            try db.alter(table: "stage_executions") { table in
                table.add(column: "error", .text)
            }
        }
        return migrator
    }

    /// Applied migration identifiers, oldest first.
    public func appliedMigrations() throws -> [String] {
        try database.read { try Self.migrator.appliedIdentifiers($0) }.sorted()
    }
}
