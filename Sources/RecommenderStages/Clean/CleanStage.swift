import Crypto
import Foundation
import Orchestrator

/// clean: removes duplicates, fills or drops missing values, keeps users and
/// items with enough events, clips numbers, checks labels, and can replace
/// user ids with salted hashes. Every row it removes goes to `rejected` with
/// its row number and reason; `report` counts rows per rule.
struct CleanStage: BuiltinStage {
    let name = "clean"

    struct Params: Decodable {
        var derive: [String: String]
        var dropDuplicates: Bool
        var missing: [String: String]
        var userColumn: String
        var itemColumn: String
        var minUserEvents: Int
        var minItemEvents: Int
        var clip: [String: [Double]]
        var binaryLabels: [String]
        var labelRanges: [String: [Double]]
        var pseudonymizeSalt: String
        var maxRejectedShare: Double

        enum CodingKeys: String, CodingKey {
            case derive, missing, clip
            case dropDuplicates = "drop_duplicates", userColumn = "user_column", itemColumn = "item_column",
                 minUserEvents = "min_user_events", minItemEvents = "min_item_events", binaryLabels = "binary_labels",
                 labelRanges = "label_ranges", pseudonymizeSalt = "pseudonymize_salt", maxRejectedShare = "max_rejected_share"
        }
    }

    func run(_ context: BuiltinContext) throws {
        let params = try context.params(Params.self)
        var table = try DerivedColumns.add(params.derive, to: try context.table("events"))
        let inputRows = table.rowCount
        var rejected: [RejectedRow] = []
        var counts: [String: Int] = [:]
        // Row numbers are 1-based positions in the input table.
        var rowNumbers = Array(1...max(inputRows, 1)).prefix(inputRows).map { $0 }

        func drop(_ rows: Set<Int>, rule: String, reason: (Int) -> String) {
            guard !rows.isEmpty else { return }
            for row in rows.sorted() {
                rejected.append(RejectedRow(line: rowNumbers[row], reason: reason(row), raw: rowText(table, row)))
            }
            counts[rule, default: 0] += rows.count
            let kept = (0..<table.rowCount).filter { !rows.contains($0) }
            table = table.rows(kept)
            rowNumbers = kept.map { rowNumbers[$0] }
        }

        if params.dropDuplicates {
            var first: [String: Int] = [:]
            var duplicates: [Int: Int] = [:]
            for row in 0..<table.rowCount {
                let key = rowText(table, row)
                if let earlier = first[key] { duplicates[row] = earlier } else { first[key] = row }
            }
            let numbers = rowNumbers
            drop(Set(duplicates.keys), rule: "duplicate") { "duplicate of row \(numbers[duplicates[$0]!])" }
        }

        for (column, rule) in params.missing.sorted(by: { $0.key < $1.key }) {
            guard let values = table[column] else { throw StageFailure("missing: no column '\(column)' in the events table") }
            let missingRows = (0..<table.rowCount).filter { isMissing(values, $0) }
            if rule == "drop" {
                drop(Set(missingRows), rule: "missing \(column)") { _ in "column '\(column)' is missing" }
            } else if !missingRows.isEmpty {
                table[column] = try MissingValues.fill(values, rows: missingRows, rule: rule, column: column)
                counts["filled \(column)", default: 0] += missingRows.count
            }
        }

        for (name, label, minimum) in [(params.userColumn, "user", params.minUserEvents), (params.itemColumn, "item", params.minItemEvents)] {
            guard minimum > 1, let values = table[name] else { continue }
            var events: [String: Int] = [:]
            for row in 0..<table.rowCount { events[values.text(row), default: 0] += 1 }
            let rare = Set((0..<table.rowCount).filter { events[values.text($0)]! < minimum })
            drop(rare, rule: "fewer than \(minimum) events per \(label)") { "\(label) '\(values.text($0))' has \(events[values.text($0)]!) events, fewer than \(minimum)" }
        }

        for column in params.binaryLabels {
            guard let values = table[column] else { throw StageFailure("binary_labels: no column '\(column)'") }
            let bad = Set((0..<table.rowCount).filter { row in values.number(row).map { $0 != 0 && $0 != 1 } ?? false })
            drop(bad, rule: "label \(column) not 0 or 1") { "label '\(column)' is \(values.text($0)), not 0 or 1" }
        }
        for (column, bounds) in params.labelRanges.sorted(by: { $0.key < $1.key }) {
            guard let values = table[column], bounds.count == 2 else {
                throw StageFailure("label_ranges: '\(column)' needs an existing column and [min, max]")
            }
            let (low, high) = (bounds[0], bounds[1])
            let bad = Set((0..<table.rowCount).filter { row in values.number(row).map { $0 < low || $0 > high } ?? false })
            drop(bad, rule: "label \(column) out of range") { "label '\(column)' is \(values.text($0)), outside [\(low), \(high)]" }
        }

        for (column, bounds) in params.clip.sorted(by: { $0.key < $1.key }) {
            guard case .float(var values)? = table[column], bounds.count == 2 else {
                throw StageFailure("clip: '\(column)' needs a float column and [min, max]")
            }
            let (low, high) = (Float(bounds[0]), Float(bounds[1]))
            var clipped = 0
            for row in values.indices where !values[row].isNaN && (values[row] < low || values[row] > high) {
                values[row] = min(max(values[row], low), high)
                clipped += 1
            }
            table[column] = .float(values)
            counts["clipped \(column)", default: 0] += clipped
        }

        let salt = params.pseudonymizeSalt, column = params.userColumn
        if !salt.isEmpty, let values = table[column] {
            table[column] = .string((0..<table.rowCount).map { row in
                String(SHA256.hash(data: Data((salt + values.text(row)).utf8)).prefix(8).map { String(format: "%02x", $0) }.joined())
            })
            counts["pseudonymized \(column)"] = table.rowCount
        }

        try RejectedRows.write(rejected, to: context.output("rejected"))
        let report: [String: Int] = counts.merging(["input rows": inputRows, "output rows": table.rowCount, "rejected rows": rejected.count]) { $1 }
        try context.writeJSON(report, to: "report")
        for (rule, count) in counts.sorted(by: { $0.key < $1.key }) { context.log("clean: \(rule): \(count)") }
        let limit = params.maxRejectedShare
        if inputRows > 0, Double(rejected.count) / Double(inputRows) > limit {
            for row in rejected.prefix(50) { context.log("  row \(row.line): \(row.reason)") }
            throw StageFailure("\(rejected.count) of \(inputRows) rows rejected, more than max_rejected_share \(limit); first reasons are in the log")
        }
        try context.write(table, to: "events")
    }

    private func isMissing(_ column: Column, _ row: Int) -> Bool {
        switch column {
        case .float(let values): values[row].isNaN
        case .int: false
        case .string(let values): values[row].isEmpty
        }
    }

    private func rowText(_ table: Table, _ row: Int) -> String {
        table.columns.map { $0.text(row) }.joined(separator: ",")
    }
}

/// Fills missing values of one column by a rule: mean, median,
/// most_frequent, or constant:VALUE.
enum MissingValues {
    static func fill(_ column: Column, rows: [Int], rule: String, column name: String) throws -> Column {
        let missing = Set(rows)
        switch column {
        case .float(var values):
            let present = values.enumerated().filter { !missing.contains($0.offset) }.map(\.element)
            let value: Float
            switch rule {
            case "mean": value = present.isEmpty ? 0 : present.reduce(0, +) / Float(present.count)
            case "median":
                let sorted = present.sorted()
                value = sorted.isEmpty ? 0 : sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            case "most_frequent": value = mostFrequent(present) ?? 0
            case let constant where constant.hasPrefix("constant:"):
                guard let parsed = Float(constant.dropFirst(9)) else { throw StageFailure("missing: '\(name)': '\(constant)' is not a number") }
                value = parsed
            default: throw invalid(rule, name)
            }
            for row in rows { values[row] = value }
            return .float(values)
        case .string(var values):
            let present = values.enumerated().filter { !missing.contains($0.offset) }.map(\.element)
            let value: String
            switch rule {
            case "most_frequent": value = mostFrequent(present) ?? ""
            case let constant where constant.hasPrefix("constant:"): value = String(constant.dropFirst(9))
            case "mean", "median": throw StageFailure("missing: '\(name)' is text; use most_frequent, constant:VALUE or drop")
            default: throw invalid(rule, name)
            }
            for row in rows { values[row] = value }
            return .string(values)
        case .int:
            return column
        }
    }

    static func mostFrequent<T: Hashable & Comparable>(_ values: [T]) -> T? {
        var counts: [T: Int] = [:]
        for value in values { counts[value, default: 0] += 1 }
        return counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
    }

    static func invalid(_ rule: String, _ name: String) -> StageFailure {
        StageFailure("missing: '\(name)': unknown rule '\(rule)'; use drop, mean, median, most_frequent or constant:VALUE")
    }
}
