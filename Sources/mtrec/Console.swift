import Foundation
import Orchestrator
import Reporting

/// Printing for people: diagnostics to stderr, colour only on a terminal.
enum Console {
    static let isTerminal = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    /// CI mode: no colour even on a terminal. Set once, before any output.
    nonisolated(unsafe) static var plain = false

    /// Progress lines are redrawn in place only on a terminal outside CI mode.
    static var showsProgress: Bool { isTerminal && !plain }

    static func print(_ diagnostics: [Diagnostic]) {
        for diagnostic in diagnostics { error(diagnostic.description) }
    }

    static func error(_ text: String) {
        StandardStreams.error(text + "\n")
    }

    static func line(_ text: String) {
        StandardStreams.out(text + "\n")
    }

    static func paint(_ text: String, _ code: String) -> String {
        isTerminal && !plain ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// This binary, which runs built-in stages as `mtrec run-stage`.
    static var executablePath: String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first
    }

    /// Pads a table's columns to the widest cell.
    static func table(_ rows: [[String]]) -> String { TextFormat.table(rows) }
}
