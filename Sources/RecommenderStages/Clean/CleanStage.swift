import Foundation
import Orchestrator

/// clean: removes duplicates, fills or drops missing values, keeps users and
/// items with enough events, clips numbers, checks labels, and can replace
/// user ids with salted hashes. Every row it removes goes to `rejected` with
/// its row number and reason; `report` counts rows per rule.
struct CleanStage: BuiltinStage {
    let name = "clean"

    struct Params: Decodable {
        var derive, missing: [String: String]
        var clip, labelRanges: [String: [Double]]
        var binaryLabels: [String]
        var userColumn, itemColumn, pseudonymizeSalt: String
        var minUserEvents, minItemEvents: Int
        var dropDuplicates: Bool
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
        var mask = RowMask(rows: inputRows)
        var counts: [String: Int] = [:]
        for rule in try Self.rules(params) {
            counts.merge(try rule.apply(to: &table, mask: &mask)) { $0 + $1 }
        }
        table = table.rows(mask.keptRows)
        let rejected = mask.rejected

        try RejectedRows.write(rejected, to: context.output("rejected"))
        let report: [String: Int] = counts.merging(["input rows": inputRows, "output rows": table.rowCount, "rejected rows": rejected.count]) { $1 }
        try context.writeJSON(report, to: "report")
        for (rule, count) in counts.sorted(by: { $0.key < $1.key }) { context.log("clean: \(rule): \(count)") }
        let limit = params.maxRejectedShare
        if inputRows > 0, Double(rejected.count) / Double(inputRows) > limit {
            for row in rejected.prefix(50) { context.log("  row \(row.line): \(row.reason)") }
            throw StageFailure("\(rejected.count) of \(inputRows) rows rejected, more than max_rejected_share \(limit); first: "
                + rejected.prefix(3).map { "row \($0.line): \($0.reason)" }.joined(separator: "; ") + " (the first 50 are in this stage's log)")
        }
        try context.write(table, to: "events")
    }

    /// The rules `params` ask for, in the order they apply.
    static func rules(_ params: Params) throws -> [any CleanRule] {
        var rules: [any CleanRule] = []
        if params.dropDuplicates { rules.append(DuplicateRows()) }
        rules += params.missing.sorted { $0.key < $1.key }.map { MissingValueRule(column: $0.key, rule: $0.value) } as [any CleanRule]
        rules.append(MinimumEvents(column: params.userColumn, label: "user", minimum: params.minUserEvents))
        rules.append(MinimumEvents(column: params.itemColumn, label: "item", minimum: params.minItemEvents))
        rules += params.binaryLabels.map { LabelRule.binary($0) } as [any CleanRule]
        for (column, bounds) in params.labelRanges.sorted(by: { $0.key < $1.key }) {
            rules.append(LabelRule.range(column, try Self.interval(bounds, param: "label_ranges", column: column)))
        }
        for (column, bounds) in params.clip.sorted(by: { $0.key < $1.key }) {
            rules.append(ClipRule(column: column, range: try Self.interval(bounds, param: "clip", column: column)))
        }
        rules.append(Pseudonymize(column: params.userColumn, salt: params.pseudonymizeSalt))
        return rules
    }

    /// A `[min, max]` param value as a range.
    static func interval(_ bounds: [Double], param: String, column: String) throws -> ClosedRange<Double> {
        guard bounds.count == 2, bounds[0] <= bounds[1] else {
            throw StageFailure("\(param): '\(column)' needs [min, max] with min <= max, not \(bounds)")
        }
        return bounds[0]...bounds[1]
    }

    static func isMissing(_ column: Column, _ row: Int) -> Bool {
        switch column {
        case .float(let values): values[row].isNaN
        case .int: false
        case .string(let values): values[row].isEmpty
        }
    }

    static func rowText(_ table: Table, _ row: Int) -> String {
        table.columns.map { $0.text(row) }.joined(separator: ",")
    }
}

/// Fills missing values of one column by a rule: mean, median,
/// most_frequent, or constant:VALUE.
enum MissingValues {
    /// Statistics come from the `among` rows that are not missing.
    static func fill(_ column: Column, rows: [Int], among: [Int], rule: String, column name: String) throws -> Column {
        let missing = Set(rows)
        let present = among.filter { !missing.contains($0) }
        switch column {
        case .float(var values):
            let present = present.map { values[$0] }
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
            let present = present.map { values[$0] }
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
