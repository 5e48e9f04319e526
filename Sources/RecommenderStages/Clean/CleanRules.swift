import Crypto
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

/// A label that must be 0 or 1 (missing is allowed).
struct BinaryLabel: CleanRule {
    var column: String

    func apply(to table: inout Table, mask: inout RowMask) throws -> [String: Int] {
        guard let values = table[column] else { throw StageFailure("binary_labels: no column '\(column)'") }
        let bad = mask.keptRows.filter { row in values.number(row).map { $0 != 0 && $0 != 1 } ?? false }
        let count = mask.drop(bad, in: table) { "label '\(column)' is \(values.text($0)), not 0 or 1" }
        return count > 0 ? ["label \(column) not 0 or 1": count] : [:]
    }
}

/// A label outside [low, high] rejects its row.
struct LabelRange: CleanRule {
    var column: String
    var bounds: [Double]

    func apply(to table: inout Table, mask: inout RowMask) throws -> [String: Int] {
        guard let values = table[column], bounds.count == 2 else {
            throw StageFailure("label_ranges: '\(column)' needs an existing column and [min, max]")
        }
        let (low, high) = (bounds[0], bounds[1])
        let bad = mask.keptRows.filter { row in values.number(row).map { $0 < low || $0 > high } ?? false }
        let count = mask.drop(bad, in: table) { "label '\(column)' is \(values.text($0)), outside [\(low), \(high)]" }
        return count > 0 ? ["label \(column) out of range": count] : [:]
    }
}

/// Numbers outside [low, high] are clipped to it.
struct ClipRule: CleanRule {
    var column: String
    var bounds: [Double]

    func apply(to table: inout Table, mask: inout RowMask) throws -> [String: Int] {
        guard case .float(var values)? = table[column], bounds.count == 2 else {
            throw StageFailure("clip: '\(column)' needs a float column and [min, max]")
        }
        let (low, high) = (Float(bounds[0]), Float(bounds[1]))
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
        guard !salt.isEmpty, let values = table[column] else { return [:] }
        table[column] = .string((0..<table.rowCount).map { row in
            String(SHA256.hash(data: Data((salt + values.text(row)).utf8)).prefix(8).map { String(format: "%02x", $0) }.joined())
        })
        return ["pseudonymized \(column)": mask.keptRows.count]
    }
}
