import Foundation
import Orchestrator
import Reporting

/// The table printed at the end of every run, and the failure details.
enum RunSummary {
    static func render(_ outcome: RunRecord) -> String {
        var rows = [["stage", "status", "seconds", "key", "reason"]]
        for stage in outcome.stages {
            rows.append([stage.name, stage.status.rawValue, String(format: "%.2f", stage.seconds),
                         stage.key.short, stage.error ?? stage.reason.description])
        }
        var text = "\n" + Console.table(rows) + "\n"
        let counts = Dictionary(grouping: outcome.stages, by: \.status).mapValues(\.count)
        let parts = ["ran", "cached", "failed", "blocked", "skipped"].compactMap { name in
            StageStatus(rawValue: name).flatMap { counts[$0] }.map { "\($0) \(name)" }
        }
        text += "\n\(outcome.pipeline): \(outcome.status.rawValue) in \(String(format: "%.2f", outcome.seconds))s (\(parts.joined(separator: ", "))); run \(outcome.id)"
        for gate in outcome.gates {
            text += "\ngate \(gate.gate) \(gate.condition): \(gate.passed ? "passed" : "FAILED") (\(gate.message))"
        }
        if outcome.status == .gateFailed { text += "\na gate failed: nothing was published" }
        if !outcome.uncheckedGates.isEmpty {
            text += "\nnot checked (their stages were not selected): \(outcome.uncheckedGates.joined(separator: ", ")); nothing was published"
        }
        for path in outcome.published { text += "\npublished \(path)" }
        for stage in outcome.stages where stage.status == .failed {
            text += "\nstage '\(stage.name)' failed: \(stage.error ?? "unknown error")"
            if let log = stage.stderrLog { text += "\n  stderr: \(log)" }
            if let tail = stage.stderrTail ?? StderrTail.read(stage.stderrLog), !tail.isEmpty {
                text += "\n" + tail.map { "  | \($0)" }.joined(separator: "\n")
            }
        }
        return text
    }
}
