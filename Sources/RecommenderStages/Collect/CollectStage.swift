import Foundation
import Orchestrator

/// collect: produces the raw events table, from the e-commerce simulator,
/// the MMoE paper's synthetic generator, or a delimited file.
struct CollectStage: BuiltinStage {
    let name = "collect"

    struct Report: Encodable {
        var source: String
        var rows: Int
        var rejectedRows: Int
        var rejectedByReason: [String: Int]
        var columns: [String: String]
        /// mmoe_synthetic: the correlation asked for (p) and the label correlation measured.
        var requestedCorrelation: Double?
        var measuredLabelCorrelation: Double?
    }

    func run(_ context: BuiltinContext) throws {
        let source = try context.requiredString("source")
        var table: Table
        var rejected: [RejectedRow] = []
        var requested: Double?, measured: Double?
        var truth: SimulatorTruth?
        var sideTables = (users: Table(), items: Table())
        switch source {
        case "simulate", "simulate_implicit":
            let simulation = EcommerceSimulator(users: try context.requiredInt("users"), items: try context.requiredInt("items"),
                                                impressions: try context.requiredInt("impressions"),
                                                seed: UInt64(try context.requiredInt("seed"))).generate()
            table = source == "simulate" ? simulation.events : simulation.interactions
            truth = simulation.truth
            sideTables = (simulation.users, simulation.items)
        case "mmoe_synthetic":
            requested = try context.requiredDouble("correlation")
            (table, measured) = MMoESyntheticData.table(rows: try context.requiredInt("rows"), dimensions: try context.requiredInt("dimensions"),
                                                        correlation: requested!, seed: UInt64(try context.requiredInt("seed")))
        case "file":
            guard let url = context.input("file") else {
                throw StageFailure("source 'file' needs the input 'file' (a CSV, TSV or .gz path)")
            }
            let name = url.lastPathComponent
            let format = context.string("format") ?? "auto"
            if format == "jsonl" || (format == "auto" && (name.hasSuffix(".jsonl") || name.hasSuffix(".jsonl.gz") || name.hasSuffix(".ndjson"))) {
                (table, rejected) = try JSONLinesFile(select: context.stringList("select"),
                                                      maxFieldBytes: try context.requiredInt("max_field_bytes")).read(url)
            } else {
                (table, rejected) = try reader(context, for: url).read(url)
            }
        default:
            throw StageFailure("unknown source '\(source)'")
        }

        let total = table.rowCount + rejected.count
        let limit = try context.requiredDouble("max_rejected_share")
        try RejectedRows.write(rejected, to: context.output("rejected"))
        let report = Report(source: source, rows: table.rowCount, rejectedRows: rejected.count,
                            rejectedByReason: RejectedRows.countByReason(rejected),
                            columns: Dictionary(uniqueKeysWithValues: zip(table.names, table.columns.map(\.typeName))),
                            requestedCorrelation: requested, measuredLabelCorrelation: measured)
        try context.writeJSON(report, to: "report")
        // Only the simulator knows the truth and has side tables; other sources write null and empty tables.
        try context.writeJSON(truth, to: "truth")
        try context.write(sideTables.users, to: "users")
        try context.write(sideTables.items, to: "items")
        context.log("collect: \(table.rowCount) rows from \(source), \(rejected.count) rejected")
        for row in rejected.prefix(20) { context.log("  line \(row.line): \(row.reason)") }
        if let measured, let requested {
            context.log(String(format: "  label correlation: requested p = %.3f, measured r(y1, y2) = %.4f", requested, measured))
        }
        if total > 0, Double(rejected.count) / Double(total) > limit {
            // The outputs of a failed stage are discarded: keep every rejected row in the log.
            for row in rejected.dropFirst(20) { context.log("  line \(row.line): \(row.reason)") }
            throw StageFailure("\(rejected.count) of \(total) rows rejected (\(String(format: "%.1f", 100 * Double(rejected.count) / Double(total)))%), more than max_rejected_share \(limit); "
                + "first: " + rejected.prefix(3).map { "line \($0.line): \($0.reason)" }.joined(separator: "; ")
                + " (every rejected line is in this stage's log)")
        }
        try context.write(table, to: "events")
    }

    private func reader(_ context: BuiltinContext, for url: URL) throws -> DelimitedFile {
        var reader = DelimitedFile()
        let delimiter = context.string("delimiter") ?? ""
        let isTSV = url.lastPathComponent.hasSuffix(".tsv") || url.lastPathComponent.hasSuffix(".tsv.gz")
        let separator = delimiter.isEmpty ? (isTSV ? "\t" : ",") : delimiter.replacingOccurrences(of: "\\t", with: "\t")
        guard let first = separator.first(where: { $0 != " " }) ?? separator.first else {
            throw StageFailure("param 'delimiter' is empty")
        }
        reader.delimiter = first
        reader.hasHeader = context.bool("header") ?? true
        reader.names = context.stringList("columns")
        reader.missingMarkers = Set(context.stringList("missing"))
        reader.select = context.stringList("select")
        reader.maxFieldBytes = try context.requiredInt("max_field_bytes")
        for (name, type) in context.stringMap("types") {
            guard let parsed = DelimitedFile.ColumnType(rawValue: "\(type)") else {
                throw StageFailure("types: column '\(name)' has unknown type '\(type)'; use float, int or string")
            }
            reader.declaredTypes[name] = parsed
        }
        return reader
    }
}

/// The `rejected` output: a CSV of line, reason and the raw row.
enum RejectedRows {
    static func write(_ rows: [RejectedRow], to url: URL) throws {
        var text = "line,reason,row\n"
        for row in rows { text += "\(row.line),\(csvField(row.reason)),\(csvField(row.raw))\n" }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    static func countByReason(_ rows: [RejectedRow]) -> [String: Int] {
        // Group "column 'x': 'abc' is not a number" under "column 'x': not a number".
        Dictionary(grouping: rows) { row -> String in
            if let range = row.reason.range(of: "': '") , row.reason.hasSuffix("is not a number") {
                return String(row.reason[..<range.lowerBound]) + "': not a number"
            }
            return row.reason.hasPrefix("expected") ? "wrong number of fields" : row.reason
        }.mapValues(\.count)
    }

    static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
