import Foundation
import Orchestrator

/// A JUnit XML file for CI systems: one test case per stage (failed and
/// blocked stages fail, skipped ones are skipped) and one per gate.
public enum JUnitReport {
    public static func write(_ outcome: RunRecord, to path: String) throws {
        var cases: [String] = []
        var failures = 0, skipped = 0
        for stage in outcome.stages {
            var body = ""
            switch stage.status {
            case .failed, .blocked:
                failures += 1
                let message = stage.error ?? stage.reason.description
                let tail = (stage.stderrTail ?? StderrTail.read(stage.stderrLog) ?? []).joined(separator: "\n")
                body = "<failure message=\"\(escape(message))\" type=\"\(stage.status.rawValue)\">\(escape(tail))</failure>"
            case .skipped:
                skipped += 1
                body = "<skipped message=\"\(escape(stage.reason.description))\"/>"
            case .ran, .cached:
                body = "<system-out>\(escape("\(stage.status.rawValue): \(stage.reason); key \(stage.key)"))</system-out>"
            }
            cases.append("    <testcase classname=\"\(escape(outcome.pipeline)).stages\" name=\"\(escape(stage.name))\" time=\"\(String(format: "%.3f", stage.seconds))\">\(body)</testcase>")
        }
        for gate in outcome.gates {
            var body = ""
            if !gate.passed {
                failures += 1
                body = "<failure message=\"\(escape(gate.message))\" type=\"gate\"/>"
            }
            cases.append("    <testcase classname=\"\(escape(outcome.pipeline)).gates\" name=\"\(escape("\(gate.gate) \(gate.condition)"))\" time=\"0\">\(body)</testcase>")
        }
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites name="mtrec" tests="\(cases.count)" failures="\(failures)" skipped="\(skipped)" time="\(String(format: "%.3f", outcome.seconds))">
              <testsuite name="\(escape(outcome.pipeline))" tests="\(cases.count)" failures="\(failures)" errors="0" skipped="\(skipped)" time="\(String(format: "%.3f", outcome.seconds))" timestamp="\(ISO8601DateFormatter().string(from: outcome.startedAt))">
            \(cases.joined(separator: "\n"))
              </testsuite>
            </testsuites>

            """
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try xml.write(to: url, atomically: true, encoding: .utf8)
    }

    private static let entities: [Unicode.Scalar: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;"]

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if let entity = entities[scalar] {
                out += entity
            } else if scalar.value >= 0x20 || ["\n", "\t", "\r"].contains(scalar) {
                out.unicodeScalars.append(scalar)
            }
            // Other control characters are left out: XML 1.0 forbids them.
        }
        return out
    }
}
