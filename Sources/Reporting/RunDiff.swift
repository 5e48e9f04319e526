import Foundation
import Orchestrator

/// The text of `mtrec diff`: changed params, then metric deltas with the
/// better side marked where the metric's direction is known.
public enum RunDiff {
    public static func render(_ a: RunRecord, _ b: RunRecord) -> String {
        var lines = ["a: \(a.id) (\(a.pipeline), \(a.status.rawValue))", "b: \(b.id) (\(b.pipeline), \(b.status.rawValue))", ""]
        let names = Set(a.params.keys).union(b.params.keys).sorted().filter { a.params[$0] != b.params[$0] }
        if names.isEmpty {
            lines.append("params: no change")
        } else {
            lines.append("params changed:")
            lines.append(TextFormat.table(names.map { ["  \($0)", a.params[$0] ?? "-", "->", b.params[$0] ?? "-"] }))
        }
        let valuesA = a.metricValues, valuesB = b.metricValues
        let metrics = Set(valuesA.keys).union(valuesB.keys).sorted()
        lines.append("")
        guard !metrics.isEmpty else {
            lines.append("metrics: none recorded")
            return lines.joined(separator: "\n")
        }
        var rows = [["metric", "a", "b", "change", "better"]]
        for name in metrics {
            let x = valuesA[name], y = valuesB[name]
            var change = "-", better = ""
            if let x, let y {
                change = String(format: "%+.6g", y - x)
                if let higher = MetricDirection.higherIsBetter(name), !MetricDirection.same(x, y) { better = (y > x) == higher ? "b" : "a" }
            }
            rows.append([name, x.map(TextFormat.number) ?? "-", y.map(TextFormat.number) ?? "-", change, better])
        }
        lines.append(TextFormat.table(rows))
        return lines.joined(separator: "\n")
    }
}
