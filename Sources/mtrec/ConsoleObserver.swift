import Foundation
import Orchestrator
import Reporting

/// One line per stage event, safe to call from several threads.
final class ConsoleObserver: RunObserver, @unchecked Sendable {
    private let lock = NSLock()
    /// CI mode: each line starts with an ISO 8601 UTC time.
    let timestamps: Bool

    init(timestamps: Bool = false) {
        self.timestamps = timestamps
    }

    func stageStarted(_ name: String, reason: RunReason) {
        say("\(Console.paint("start ", "36")) \(name)  (\(reason))")
    }

    func stageOutput(_ name: String, line: String) {
        if line.hasPrefix(StageProgress.marker) {
            // Transient: redrawn in place on a terminal, left out elsewhere.
            guard Console.showsProgress else { return }
            lock.lock()
            let text = "\(Console.paint("  \(name) |", "2")) \(line.dropFirst(StageProgress.marker.count))"
            StandardStreams.out("\r\u{1B}[K" + text)
            transientShown = true
            lock.unlock()
            return
        }
        say("\(Console.paint("  \(name) |", "2")) \(line)")
    }

    func stageFinished(_ outcome: StageExecution) {
        switch outcome.status {
        case .ran:
            say("\(Console.paint("done  ", "32")) \(outcome.name)  \(String(format: "%.2fs", outcome.seconds))")
        case .cached:
            say("\(Console.paint("cached", "2")) \(outcome.name)")
        case .failed:
            var text = "\(Console.paint("FAILED", "31")) \(outcome.name)  \(outcome.error ?? "")"
            if let tail = outcome.stderrTail ?? StderrTail.read(outcome.stderrLog), !tail.isEmpty {
                text += "\n" + tail.map { "        | \($0)" }.joined(separator: "\n")
            }
            say(text)
        case .blocked:
            say("\(Console.paint("blocked", "33")) \(outcome.name)  (\(outcome.error ?? outcome.reason.description))")
        case .skipped:
            break
        }
    }

    private var transientShown = false

    private func say(_ text: String) {
        lock.lock()
        if transientShown {
            StandardStreams.out("\r\u{1B}[K")
            transientShown = false
        }
        if timestamps {
            let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withInternetDateTime])
            Console.line(text.split(separator: "\n", omittingEmptySubsequences: false).map { "[\(stamp)] \($0)" }.joined(separator: "\n"))
        } else {
            Console.line(text)
        }
        lock.unlock()
    }
}
