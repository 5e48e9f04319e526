import Foundation

/// How a stage ended in a run, as the report states it.
public enum StageStatus: String, Codable, Sendable {
    case ran, cached, failed, skipped, blocked
}

/// One execution of a stage in a run: what the run report says, what the
/// history keeps (the history stores the fields a later report needs:
/// status, reason, key, times, memory, outputs, upstream), and what
/// `mtrec runs`, diff and the HTML report read back.
public struct StageExecution: Codable, Sendable, Equatable {
    public var name: String
    /// The catalog stage, as NAME@VERSION; nil for a command stage.
    public var uses: String?
    /// The command as written, with placeholders; nil for a built-in stage.
    public var command: String?
    public var status: StageStatus
    public var reason: RunReason
    public var key: StageKey
    public var seconds: Double
    /// Seconds from the start of the run; nil when the stage did not run.
    public var startOffset: Double?
    public var endOffset: Double?
    public var outputs: [String: String]
    /// The stages this one waited for (the DAG's edges).
    public var upstream: [String] = []
    public var exitCode: Int32?
    public var peakMemoryBytes: Int64?
    public var stdoutLog: String?
    public var stderrLog: String?
    /// A failed stage's last stderr lines, kept even when its log could not be written.
    public var stderrTail: [String]?
    /// What went wrong, for failed and blocked stages.
    public var error: String?
}

/// Where a run stands, in reports and in the history.
public enum RunStatus: String, Codable, Sendable {
    /// Started and not yet recorded as finished (its process holds the run's lease).
    case running
    case succeeded, failed
    /// Stopped by Ctrl-C or SIGTERM, or found killed by a later mtrec.
    case interrupted
    /// Every stage succeeded but a metric gate failed: nothing was published.
    case gateFailed = "gate_failed"
    /// Every stage and gate passed but a publish copy could not be made.
    case publishFailed = "publish_failed"
}

/// Hears about a run as it goes, to show progress.
public protocol RunObserver: Sendable {
    func stageStarted(_ name: String, reason: RunReason)
    /// A line a running stage wrote to stdout.
    func stageOutput(_ name: String, line: String)
    func stageFinished(_ outcome: StageExecution)
}

extension RunObserver {
    public func stageOutput(_ name: String, line: String) {}
}
