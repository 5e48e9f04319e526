import Foundation
import Orchestrator

/// `mtrec report`: one self-contained HTML page about a run (inline SVG and
/// CSS, nothing fetched): the DAG, a timeline, training curves, metrics
/// against the previous run, gates, the experts' gate heatmap and feature
/// importances.
public enum HTMLReport {
    public static func render(_ run: RunRecord, previous: RunRecord?) -> String {
        var sections: [String] = []
        let summary = "\(run.status.rawValue), \(run.stages.filter { $0.status == .ran }.count) ran, \(run.stages.filter { $0.status == .cached }.count) cached"
        sections.append("<h1>\(SVG.escape(run.pipeline)) <small>run \(SVG.escape(run.id))</small></h1>")
        sections.append("<p class=\"meta\">\(SVG.escape(summary)); file \(SVG.escape(run.file)); commit \(SVG.escape(run.gitCommit ?? "-"))</p>")
        sections.append("<h2>Stages</h2>" + dag(run.stages))
        sections.append("<h2>Timeline</h2>" + timeline(run.stages))
        let curves = trainingCurves(run.stages)
        if !curves.isEmpty { sections.append("<h2>Training</h2>" + curves) }
        sections.append("<h2>Metrics</h2>" + metricsTable(run, previous: previous))
        if !run.gates.isEmpty { sections.append("<h2>Gates</h2>" + gatesTable(run.gates)) }
        let (heatmap, importance) = evaluationFigures(run.stages)
        if !heatmap.isEmpty { sections.append("<h2>Expert gates</h2><p>Average weight each task's gate gives each expert on the test rows.</p>" + heatmap) }
        if !importance.isEmpty { sections.append("<h2>Feature importance</h2><p>Drop of each task's metric when the feature is shuffled.</p>" + importance) }
        let explained = explainedLists(run.stages)
        if !explained.isEmpty {
            sections.append("<h2>Why these items</h2><p>The first users' lists, with the features that moved each task's score most "
                            + "(each left out in turn, the item scored again).</p>" + explained)
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"/>
            <title>mtrec report: \(SVG.escape(run.pipeline)) \(SVG.escape(run.id))</title>
            <style>
            body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1000px; }
            h1 small { color: #666; font-weight: normal; font-size: 60%; }
            .meta { color: #555; }
            table { border-collapse: collapse; margin: 8px 0; }
            td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: left; font-size: 13px; }
            .better { color: #2a7d2a; } .worse { color: #b22; } .failed { color: #b22; font-weight: bold; }
            figure { display: inline-block; margin: 4px 12px 4px 0; }
            </style>
            </head>
            <body>
            \(sections.joined(separator: "\n"))
            </body>
            </html>

            """
    }

    static let statusColors = ["ran": "#8fd19e", "cached": "#d6d8db", "failed": "#f5a3a3", "blocked": "#ffd59a", "skipped": "#f1f1f1"]

    /// Stages in rows by depth (longest path from a source), top to bottom, edges as lines.
    static func dag(_ stages: [StageExecution]) -> String {
        var depth: [String: Int] = [:]
        func level(_ name: String, _ seen: Set<String> = []) -> Int {
            if let known = depth[name] { return known }
            let stage = stages.first { $0.name == name }
            let value = (stage?.upstream ?? []).filter { !seen.contains($0) }.map { level($0, seen.union([name])) + 1 }.max() ?? 0
            depth[name] = value
            return value
        }
        for stage in stages { _ = level(stage.name) }
        var placedInRow: [Int: Int] = [:], position: [String: (Double, Double)] = [:]
        let (boxWidth, boxHeight, columnGap, rowGap) = (150.0, 26.0, 24.0, 16.0)
        for stage in stages {
            let row = depth[stage.name] ?? 0, column = placedInRow[row, default: 0]
            placedInRow[row] = column + 1
            position[stage.name] = (10 + Double(column) * (boxWidth + columnGap), 10 + Double(row) * (boxHeight + rowGap))
        }
        let width = (position.values.map(\.0).max() ?? 0) + boxWidth + 20, height = (position.values.map(\.1).max() ?? 0) + boxHeight + 20
        var parts = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(SVG.number(width))\" height=\"\(SVG.number(height))\" role=\"img\">"]
        for stage in stages {
            guard let (x2, y2) = position[stage.name] else { continue }
            for upstream in stage.upstream {
                guard let (x1, y1) = position[upstream] else { continue }
                parts.append("<line x1=\"\(SVG.number(x1 + boxWidth / 2))\" y1=\"\(SVG.number(y1 + boxHeight))\" x2=\"\(SVG.number(x2 + boxWidth / 2))\" y2=\"\(SVG.number(y2))\" stroke=\"#888\"/>")
            }
        }
        for stage in stages {
            guard let (x, y) = position[stage.name] else { continue }
            parts.append("<rect x=\"\(SVG.number(x))\" y=\"\(SVG.number(y))\" width=\"\(SVG.number(boxWidth))\" height=\"\(SVG.number(boxHeight))\" rx=\"5\" fill=\"\(statusColors[stage.status.rawValue] ?? "#eee")\" stroke=\"#555\"/>")
            parts.append("<text x=\"\(SVG.number(x + 6))\" y=\"\(SVG.number(y + 17))\" font-size=\"12\">\(SVG.escape(stage.name)) (\(stage.status.rawValue))</text>")
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    /// A bar per stage from its start to its end; cached stages are marked at 0.
    static func timeline(_ stages: [StageExecution]) -> String {
        let end = max(stages.compactMap(\.endOffset).max() ?? 0, 0.001)
        let (left, width, row) = (130.0, 560.0, 20.0)
        var parts = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(SVG.number(left + width + 80))\" height=\"\(SVG.number(row * Double(stages.count) + 24))\" role=\"img\">"]
        for (index, stage) in stages.enumerated() {
            let y = row * Double(index)
            parts.append("<text x=\"4\" y=\"\(SVG.number(y + 14))\" font-size=\"11\">\(SVG.escape(stage.name))</text>")
            if let start = stage.startOffset, let finish = stage.endOffset, stage.status != .cached {
                let x = left + width * start / end, length = max(width * (finish - start) / end, 2)
                parts.append("<rect x=\"\(SVG.number(x))\" y=\"\(SVG.number(y + 3))\" width=\"\(SVG.number(length))\" height=\"13\" fill=\"\(statusColors[stage.status.rawValue] ?? "#ccc")\" stroke=\"#555\"/>")
                parts.append("<text x=\"\(SVG.number(x + length + 4))\" y=\"\(SVG.number(y + 14))\" font-size=\"10\">\(String(format: "%.2fs", stage.seconds))</text>")
            } else {
                parts.append("<text x=\"\(SVG.number(left))\" y=\"\(SVG.number(y + 14))\" font-size=\"10\" fill=\"#777\">\(stage.status.rawValue)</text>")
            }
        }
        let axis = row * Double(stages.count) + 18
        parts.append("<text x=\"\(SVG.number(left))\" y=\"\(SVG.number(axis))\" font-size=\"10\">0 s</text>")
        parts.append("<text x=\"\(SVG.number(left + width - 20))\" y=\"\(SVG.number(axis))\" font-size=\"10\">\(String(format: "%.1f s", end))</text>")
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    /// Loss per task per epoch and validation metrics, from each stage's `history` output.
    static func trainingCurves(_ stages: [StageExecution]) -> String {
        var figures: [String] = []
        for stage in stages {
            guard let path = stage.outputs["history"], let data = FileManager.default.contents(atPath: path),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let records = object["records"] as? [[String: Any]], !records.isEmpty else { continue }
            let losses = records.map { $0["trainLoss"] as? [String: Double] ?? [:] }
            let tasks = Array(Set(losses.flatMap(\.keys))).sorted()
            figures.append(SVG.lineChart(title: "\(stage.name): training loss per task",
                                         series: tasks.map { task in (task, losses.map { $0[task] ?? .nan }) }))
            var validation: [String: [Double]] = [:]
            for (index, record) in records.enumerated() {
                for evaluation in record["validation"] as? [[String: Any]] ?? [] {
                    guard let task = evaluation["task"] as? String else { continue }
                    for metric in ["auc", "rmse"] {
                        guard let value = evaluation[metric] as? Double else { continue }
                        validation["\(task) \(metric)", default: Array(repeating: .nan, count: records.count)][index] = value
                    }
                }
            }
            if !validation.isEmpty {
                figures.append(SVG.lineChart(title: "\(stage.name): validation", series: validation.keys.sorted().map { ($0, validation[$0]!) }))
            }
        }
        return figures.map { "<figure>\($0)</figure>" }.joined(separator: "\n")
    }

    static func metricsTable(_ run: RunRecord, previous: RunRecord?) -> String {
        guard !run.metrics.isEmpty else { return "<p>No metrics recorded.</p>" }
        let before = previous?.metricValues ?? [:]
        var rows = ["<tr><th>metric</th><th>this run</th><th>previous run\(previous.map { " (\(SVG.escape($0.id)))" } ?? "")</th><th>change</th></tr>"]
        for metric in run.metrics {
            let name = "\(metric.stage).\(metric.name)"
            var change = "", style = ""
            if let old = before[name] {
                change = String(format: "%+.4g", metric.value - old)
                if let higher = MetricDirection.higherIsBetter(name), !MetricDirection.same(metric.value, old) {
                    style = (metric.value > old) == higher ? "better" : "worse"
                }
            }
            rows.append("<tr><td>\(SVG.escape(name))</td><td>\(String(format: "%.6g", metric.value))</td><td>\(before[name].map { String(format: "%.6g", $0) } ?? "-")</td><td class=\"\(style)\">\(change)</td></tr>")
        }
        return "<table>\(rows.joined(separator: "\n"))</table>"
    }

    static func gatesTable(_ gates: [GateResult]) -> String {
        let rows = gates.map { gate in
            "<tr><td>\(SVG.escape(gate.gate))</td><td>\(SVG.escape(gate.condition))</td><td class=\"\(gate.passed ? "better" : "failed")\">\(gate.passed ? "passed" : "FAILED")</td><td>\(SVG.escape(gate.message))</td></tr>"
        }
        return "<table><tr><th>gate</th><th>condition</th><th>result</th><th>detail</th></tr>\(rows.joined(separator: "\n"))</table>"
    }

    /// The gate heatmap and importance bars from the evaluation's metrics file.
    static func evaluationFigures(_ stages: [StageExecution]) -> (String, String) {
        var heatmap = "", importance = ""
        for stage in stages {
            guard let path = stage.outputs["metrics"], let data = FileManager.default.contents(atPath: path),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { continue }
            if let gates = object["gate_weights"] as? [String: [Double]], let width = gates.values.map(\.count).max() {
                let tasks = gates.keys.sorted()
                heatmap += SVG.heatmap(rows: tasks, columns: (0..<width).map { "e\($0)" }, values: tasks.map { gates[$0]! })
            }
            if let features = object["importance"] as? [String: [[String: Any]]] {
                for task in features.keys.sorted() {
                    let items = features[task]!.compactMap { entry -> (String, Double)? in
                        guard let name = entry["feature"] as? String, let drop = entry["drop"] as? Double else { return nil }
                        return (name, drop)
                    }
                    importance += "<figure><figcaption>\(SVG.escape(task))</figcaption>\(SVG.bars(items.map { (label: $0.0, value: $0.1) }))</figure>"
                }
            }
        }
        return (heatmap, importance)
    }

    /// The first `users` users' lists of every recommendations output that has why_ columns (explain's).
    static func explainedLists(_ stages: [StageExecution], users: Int = 3) -> String {
        var html = ""
        for stage in stages {
            guard let path = stage.outputs["recommendations"], let file = FileHandle(forReadingAtPath: path) else { continue }
            defer { try? file.close() }
            // The first users are at the top: 256 KiB holds them, whatever the file's size.
            let text = String(decoding: (try? file.read(upToCount: 256 << 10)) ?? Data(), as: UTF8.self)
            var lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            guard let header = lines.first, header.contains(where: { $0.hasPrefix("why_") }), let userColumn = header.firstIndex(of: "user") else { continue }
            lines.removeFirst()
            var shown: [String] = []
            let rows = lines.filter { row in
                guard row.count == header.count else { return false }
                if !shown.contains(row[userColumn]) {
                    guard shown.count < users else { return false }
                    shown.append(row[userColumn])
                }
                return true
            }
            html += "<p>\(SVG.escape(stage.name))</p><table><tr>" + header.map { "<th>\(SVG.escape($0))</th>" }.joined() + "</tr>"
            for row in rows { html += "<tr>" + row.map { "<td>\(SVG.escape($0))</td>" }.joined() + "</tr>" }
            html += "</table>"
        }
        return html
    }
}
