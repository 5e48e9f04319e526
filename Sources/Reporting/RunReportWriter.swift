import Foundation
import Orchestrator

/// The machine-readable report of a run (`mtrec run --report FILE`).
public enum RunReportWriter {
    public static func write(_ outcome: RunRecord, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONEncoder.mtrec.encode(outcome).write(to: url, options: .atomic)
    }
}
