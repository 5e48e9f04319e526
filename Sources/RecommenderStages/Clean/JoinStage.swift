import Foundation
import Orchestrator

/// join: a left join of the events with a users table and an items table on
/// their keys. Each side table must have one row per key (a repeated key is
/// an error naming both rows); events without a match get missing values
/// (NaN, or "" for text), counted in the report, never dropped. Precomputed
/// user or item vectors (.npy) join the same way (`VectorJoin`).
struct JoinStage: BuiltinStage {
    let name = "join"

    struct Params: Decodable {
        var userColumn, itemColumn, userVectorPrefix, itemVectorPrefix: String

        enum CodingKeys: String, CodingKey {
            case userColumn = "user_column", itemColumn = "item_column", userVectorPrefix = "user_vector_prefix",
                 itemVectorPrefix = "item_vector_prefix"
        }
    }

    struct Report: Encodable {
        var rows: Int
        var sides: [SideReport]
        var vectors: [VectorJoin.Report]
    }

    struct SideReport: Encodable {
        var table: String
        var key: String
        var columnsAdded: [String]
        var matchedEvents: Int
        var unmatchedEvents: Int
        var unmatchedKeys: Int
    }

    func run(_ context: BuiltinContext) throws {
        var events = try context.table("events")
        var reports: [SideReport] = []
        let params = try context.params(Params.self)
        for (side, key) in [("users", params.userColumn), ("items", params.itemColumn)] where context.input(side) != nil {
            let report = try Self.join(try context.table(side), named: side, on: key, into: &events)
            reports.append(report)
            context.log("join: \(side) on \(key): \(report.columnsAdded.count) columns added, \(report.matchedEvents) events matched, "
                + "\(report.unmatchedEvents) without a \(side) row (\(report.unmatchedKeys) keys)")
        }
        var vectorReports: [VectorJoin.Report] = []
        for (side, key, prefix) in [("user", params.userColumn, params.userVectorPrefix), ("item", params.itemColumn, params.itemVectorPrefix)] {
            guard let url = context.input("\(side)_vectors") else { continue }
            let vectors = try VectorJoin.load(vectors: url, ids: context.input("\(side)_vector_ids"), name: "\(side)_vectors")
            let report = try vectors.add(to: &events, key: key, prefix: prefix)
            vectorReports.append(report)
            context.log("join: \(side)_vectors on \(key): \(report.dimensions) columns \(prefix)0..\(prefix)\(report.dimensions - 1), "
                + "\(report.matchedEvents) events matched, \(report.eventsWithoutVector) without a vector (zeros; \(report.keysWithoutVector) keys)")
        }
        try context.write(events, to: "events")
        try context.writeJSON(Report(rows: events.rowCount, sides: reports, vectors: vectorReports), to: "report")
    }

    static func join(_ side: Table, named sideName: String, on key: String, into events: inout Table) throws -> SideReport {
        guard let eventKeys = events[key] else {
            throw StageFailure("the events have no column '\(key)' to join \(sideName) on\(Suggestion.hint(for: key, in: events.names))")
        }
        guard !side.names.isEmpty else {
            throw StageFailure("the \(sideName) table is empty (collect writes side tables only for the simulator; collect your \(sideName) file in a stage of its own)")
        }
        guard let sideKeys = side[key] else {
            throw StageFailure("the \(sideName) table has no key column '\(key)'\(Suggestion.hint(for: key, in: side.names)); its columns are: \(side.names.joined(separator: ", "))")
        }
        var rowOfKey: [String: Int] = [:]
        for row in 0..<side.rowCount {
            let value = sideKeys.text(row)
            if let earlier = rowOfKey[value] {
                throw StageFailure("the \(sideName) table repeats the key \(key) = '\(value)' at rows \(earlier + 1) and \(row + 1); a side table needs one row per key")
            }
            rowOfKey[value] = row
        }
        let added = side.names.filter { $0 != key }
        if let clash = added.first(where: { events[$0] != nil }) {
            throw StageFailure("the \(sideName) table's column '\(clash)' is already an events column; rename one of them")
        }
        let matches = (0..<events.rowCount).map { rowOfKey[eventKeys.text($0)] }
        for name in added {
            events[name] = switch side[name]! {
            case .float(let values): .float(matches.map { $0.map { values[$0] } ?? .nan })
            // Integers have no missing value: with unmatched events the column becomes float (NaN where missing).
            case .int(let values): matches.contains(nil) ? .float(matches.map { $0.map { Float(values[$0]) } ?? .nan })
                                                          : .int(matches.map { values[$0!] })
            case .string(let values): .string(matches.map { $0.map { values[$0] } ?? "" })
            }
        }
        let unmatched = matches.indices.filter { matches[$0] == nil }
        return SideReport(table: sideName, key: key, columnsAdded: added, matchedEvents: events.rowCount - unmatched.count,
                          unmatchedEvents: unmatched.count, unmatchedKeys: Set(unmatched.map { eventKeys.text($0) }).count)
    }
}
