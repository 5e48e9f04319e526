import Foundation
import Orchestrator

/// collect: produces the raw events table, from a simulator (e-commerce,
/// social feed, ads), the MMoE paper's synthetic generator, or a delimited
/// or JSON Lines file.
struct CollectStage: BuiltinStage {
    let name = "collect"

    struct Params: Decodable {
        enum Source: String, Decodable {
            case simulate, simulateImplicit = "simulate_implicit", simulateSocial = "simulate_social", simulateAds = "simulate_ads",
                 mmoeSynthetic = "mmoe_synthetic", file
        }
        enum Format: String, Decodable { case auto, csv, jsonl }
        var source: Source
        var format: Format
        var seed, users, items, impressions, rows, dimensions, maxFieldBytes, itemVectors: Int
        var correlation, maxRejectedShare: Double
        var delimiter: String
        /// nil: a header line unless `columns` names the columns.
        var header: Bool?
        var columns, missing, select: [String]
        var types: [String: DelimitedFile.ColumnType]

        enum CodingKeys: String, CodingKey {
            case source, seed, users, items, impressions, rows, dimensions, correlation, format, delimiter, header, columns, types,
                 missing, select, maxFieldBytes = "max_field_bytes", maxRejectedShare = "max_rejected_share",
                 itemVectors = "item_vectors"
        }
    }

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
        let params = try context.params(Params.self)
        let source = params.source
        var table: Table
        var rejected: [RejectedRow] = []
        var requested: Double?, measured: Double?
        var truth: SimulatorTruth?
        var sideTables = (users: Table(), items: Table())
        var itemVectors = NumpyMatrix(rows: 0, columns: 0, values: [])
        let (users, items, impressions, seed) = (params.users, params.items, params.impressions, UInt64(params.seed))
        if params.itemVectors > 0, source != .simulate {
            throw StageFailure("item_vectors is made by source: simulate only (source is \(source.rawValue))")
        }
        switch source {
        case .simulate, .simulateImplicit, .simulateSocial, .simulateAds:
            let simulation = switch source {
            case .simulateSocial: try SocialSimulator(users: users, posts: items, impressions: impressions, seed: seed).generate()
            case .simulateAds: AdsSimulator(users: users, ads: items, impressions: impressions, seed: seed).generate()
            default: EcommerceSimulator(users: users, items: items, impressions: impressions, seed: seed,
                                        vectorDimensions: params.itemVectors).generate()
            }
            table = source == .simulateImplicit ? simulation.interactions : simulation.events
            truth = simulation.truth
            sideTables = (simulation.users, simulation.items)
            itemVectors = simulation.itemVectors ?? itemVectors
        case .mmoeSynthetic:
            requested = params.correlation
            (table, measured) = MMoESyntheticData.table(rows: params.rows, dimensions: params.dimensions,
                                                        correlation: params.correlation, seed: UInt64(params.seed))
        case .file:
            guard let url = context.input("file") else {
                throw StageFailure("source 'file' needs the input 'file' (a CSV, TSV or .gz path)")
            }
            let name = url.lastPathComponent
            let format = params.format
            if format == .jsonl || (format == .auto && (name.hasSuffix(".jsonl") || name.hasSuffix(".jsonl.gz") || name.hasSuffix(".ndjson"))) {
                guard params.columns.isEmpty else {
                    throw StageFailure("columns names the fields of a delimited file; a JSON Lines file names its own keys (use select to keep some)")
                }
                (table, rejected) = try JSONLinesFile(select: params.select, maxFieldBytes: params.maxFieldBytes).read(url)
            } else {
                (table, rejected) = try reader(params, for: url).read(url)
            }
        }

        let total = table.rowCount + rejected.count
        let limit = params.maxRejectedShare
        try RejectedRows.write(rejected, to: context.output("rejected"))
        let report = Report(source: source.rawValue, rows: table.rowCount, rejectedRows: rejected.count,
                            rejectedByReason: RejectedRows.countByReason(rejected),
                            columns: Dictionary(uniqueKeysWithValues: zip(table.names, table.columns.map(\.typeName))),
                            requestedCorrelation: requested, measuredLabelCorrelation: measured)
        try context.writeJSON(report, to: "report")
        // Only the simulator knows the truth and has side tables; other sources write null and empty tables.
        try context.writeJSON(truth, to: "truth")
        try context.write(sideTables.users, to: "users")
        try context.write(sideTables.items, to: "items")
        try itemVectors.encoded().write(to: context.output("item_vectors"))
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

    private func reader(_ params: Params, for url: URL) throws -> DelimitedFile {
        var reader = DelimitedFile()
        let delimiter = params.delimiter
        let isTSV = url.lastPathComponent.hasSuffix(".tsv") || url.lastPathComponent.hasSuffix(".tsv.gz")
        let separator = delimiter.isEmpty ? (isTSV ? "\t" : ",") : delimiter.replacingOccurrences(of: "\\t", with: "\t")
        guard let first = separator.first(where: { $0 != " " }) ?? separator.first else {
            throw StageFailure("param 'delimiter' is empty")
        }
        reader.delimiter = first
        // Columns named in the file mean there is no header line to skip, unless the user says so.
        reader.hasHeader = params.header ?? params.columns.isEmpty
        reader.names = params.columns
        reader.missingMarkers = Set(params.missing)
        reader.select = params.select
        reader.maxFieldBytes = params.maxFieldBytes
        reader.declaredTypes = params.types
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
