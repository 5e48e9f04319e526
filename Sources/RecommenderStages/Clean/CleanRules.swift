import Crypto
import Orchestrator
import Foundation

/// The rows clean removes: one mask over the input's rows, each dropped row
/// with the reason of the first rule that dropped it and its text then.
/// Rules see only the rows still kept; the table is cut once, at the end.
struct RowMask {
    private(set) var kept: [Bool]
    /// In the order rules dropped them (rule by rule, row by row).
    private(set) var rejected: [RejectedRow] = []

    init(rows: Int) {
        kept = Array(repeating: true, count: rows)
    }

    var keptRows: [Int] { kept.indices.filter { kept[$0] } }

    /// Drops each of `rows` still kept; returns how many it dropped.
    @discardableResult
    mutating func drop(_ rows: [Int], in table: Table, reason: (Int) -> String) -> Int {
        var count = 0
        for row in rows.sorted() where kept[row] {
            kept[row] = false
            rejected.append(RejectedRow(line: row + 1, reason: reason(row), raw: CleanStage.rowText(table, row)))
            count += 1
        }
        return count
    }
}

/// One of clean's rules: marks rows to drop and may change kept rows' values.
/// Returns the counts it adds to the report, by rule name.
protocol CleanRule {
    func apply(to table: inout Table, mask: inout RowMask) throws -> [String: Int]
}

/// Rows identical to an earlier kept row.
struct DuplicateRows: CleanRule {
    func apply(to table: inout Table, mask: inout RowMask) throws -> [String: Int] {
        var first: [String: Int] = [:]
        var duplicates: [Int: Int] = [:]
        for row in mask.keptRows {
            let key = CleanStage.rowText(table, row)
            if let earlier = first[key] { duplicates[row] = earlier } else { first[key] = row }
        }
        let count = mask.drop(Array(duplicates.keys), in: table) { "duplicate of row \(duplicates[$0]! + 1)" }
        return count > 0 ? ["duplicate": count] : [:]
    }
}

/// A column's missing values: dropped, or filled by mean, median, most_frequent or constant:VALUE.
struct MissingValueRule: CleanRule {
    var column: String
    var rule: String

    func apply(to table: inout Table, mask: inout RowMask) throws -> [String: Int] {
        guard let values = table[column] else { throw StageFailure("missing: no column '\(column)' in the events table") }
        let kept = mask.keptRows
        let missingRows = kept.filter { CleanStage.isMissing(values, $0) }
        if rule == "drop" {
            let count = mask.drop(missingRows, in: table) { _ in "column '\(column)' is missing" }
            return count > 0 ? ["missing \(column)": count] : [:]
        }
        guard !missingRows.isEmpty else { return [:] }
        table[column] = try MissingValues.fill(values, rows: missingRows, among: kept, rule: rule, column: column)
        return ["filled \(column)": missingRows.count]
    }
}

/// Users (or items) with fewer than `minimum` kept events.
struct MinimumEvents: CleanRule {
    var column: String
    var label: String
    var minimum: Int

    func apply(to table: inout Table, mask: inout RowMask) throws -> [String: Int] {
        guard minimum > 1, let values = table[column] else { return [:] }
        let kept = mask.keptRows
        var events: [String: Int] = [:]
        for row in kept { events[values.text(row), default: 0] += 1 }
        let rare = kept.filter { events[values.text($0)]! < minimum }
        let count = mask.drop(rare, in: table) { "\(label) '\(values.text($0))' has \(events[values.text($0)]!) events, fewer than \(minimum)" }
        return count > 0 ? ["fewer than \(minimum) events per \(label)": count] : [:]
    }
}

/// A label whose value is not accepted rejects its row; a missing label is
/// allowed. `binary_labels` accept 0 and 1, `label_ranges` a [min, max].
struct LabelRule: CleanRule {
    var param: String
    var column: String
    /// How a rejected value is described ("not 0 or 1") and the report's count named.
    var refusal: String
    var countName: String
    var accepts: @Sendable (Double) -> Bool

    static func binary(_ column: String) -> LabelRule {
        LabelRule(param: "binary_labels", column: column, refusal: "not 0 or 1", countName: "label \(column) not 0 or 1") { $0 == 0 || $0 == 1 }
    }

    static func range(_ column: String, _ range: ClosedRange<Double>) -> LabelRule {
        LabelRule(param: "label_ranges", column: column, refusal: "outside [\(range.lowerBound), \(range.upperBound)]",
                  countName: "label \(column) out of range") { range.contains($0) }
    }

    func apply(to table: inout Table, mask: inout RowMask) throws -> [String: Int] {
        guard let values = table[column] else { throw StageFailure("\(param): no column '\(column)'") }
        let bad = mask.keptRows.filter { row in values.number(row).map { !accepts($0) } ?? false }
        let count = mask.drop(bad, in: table) { "label '\(column)' is \(values.text($0)), \(refusal)" }
        return count > 0 ? [countName: count] : [:]
    }
}

/// Numbers outside the range are clipped to it.
struct ClipRule: CleanRule {
    var column: String
    var range: ClosedRange<Double>

    func apply(to table: inout Table, mask: inout RowMask) throws -> [String: Int] {
        guard case .float(var values)? = table[column] else { throw StageFailure("clip: '\(column)' needs a float column") }
        let (low, high) = (Float(range.lowerBound), Float(range.upperBound))
        var clipped = 0
        for row in mask.keptRows where !values[row].isNaN && (values[row] < low || values[row] > high) {
            values[row] = min(max(values[row], low), high)
            clipped += 1
        }
        table[column] = .float(values)
        return ["clipped \(column)": clipped]
    }
}

/// User ids become salted SHA-256 hashes (the first 8 bytes, in hex).
struct Pseudonymize: CleanRule {
    var column: String
    var salt: String

    func apply(to table: inout Table, mask: inout RowMask) throws -> [String: Int] {
        guard !salt.isEmpty else { return [:] }
        // Asked to hide user ids, never leave them in clear because the column name is wrong.
        guard let values = table[column] else {
            throw StageFailure("pseudonymize_salt is set but the events have no user column '\(column)'\(Suggestion.hint(for: column, in: table.names)); set user_column")
        }
        table[column] = .string((0..<table.rowCount).map { row in
            String(SHA256.hash(data: Data((salt + values.text(row)).utf8)).prefix(8).map { String(format: "%02x", $0) }.joined())
        })
        return ["pseudonymized \(column)": mask.keptRows.count]
    }
}
