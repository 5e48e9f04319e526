import Foundation
import Orchestrator

/// A row that could not be used, with its 1-based line in the source file.
public struct RejectedRow: Sendable, Equatable {
    public var line: Int
    public var reason: String
    public var raw: String

    /// How much of a rejected row's text is kept.
    static let rawLimit = 1_000
}

/// Reads delimited text (CSV, TSV, ", "-separated; optionally gzip-compressed)
/// into a table. Fields may be quoted with '"' ("" inside quotes is a quote).
/// A column's type is declared, or inferred: numeric when at least 90% of its
/// non-missing values parse as numbers, the rest then being bad rows. Bad rows
/// (wrong field count, unparsable numbers) are returned, not dropped silently.
/// Parsing works on bytes: one pass (`DelimitedScan`, all cores) splits the
/// lines and reads every wanted field as a number; a field becomes a String
/// only in a text column, whose rows are split again.
struct DelimitedFile {
    enum ColumnType: String, Decodable {
        case float, int, string
    }

    var delimiter: Character = ","
    /// Whether the first line names the columns. Without one, a first line
    /// that repeats `names` exactly is still taken for a header.
    var hasHeader = true
    /// Names when the file has no header (or to rename the header's).
    var names: [String] = []
    var declaredTypes: [String: ColumnType] = [:]
    var missingMarkers: Set<String> = ["", "NA", "?"]
    var select: [String] = []
    var trim = true
    /// A longer field rejects its row: a stray quote or a binary file would
    /// otherwise make one value of gigabytes.
    var maxFieldBytes = 1 << 20

    func read(_ url: URL) throws -> (table: Table, rejected: [RejectedRow]) {
        try read(FileBytes.contents(of: url), file: url.path)
    }

    func read(_ contents: FileBytes, file: String) throws -> (table: Table, rejected: [RejectedRow]) {
        guard let separator = delimiter.asciiValue else { throw StageFailure("the delimiter must be one ASCII character") }
        return try contents.withUnsafeBufferPointer { bytes in
            try read(LineSplitter(bytes: bytes, delimiter: separator, trim: trim), file: file)
        }
    }

    /// How many fields the first non-blank line has (0 for an empty text).
    static func firstLineFieldCount(_ contents: FileBytes, delimiter: Character) -> Int {
        contents.withUnsafeBufferPointer { bytes in
            header(LineSplitter(bytes: bytes, delimiter: delimiter.asciiValue ?? 44, trim: true))?.fields.count ?? 0
        }
    }

    /// Reads in named phases: the layout (header, names, selected columns),
    /// the scan, rows of the wrong shape, column types, rows with text in a
    /// numeric column, and the table.
    private func read(_ splitter: LineSplitter, file: String) throws -> (table: Table, rejected: [RejectedRow]) {
        let layout = try self.layout(splitter, file: file)
        let declaredWhole = Set(layout.wanted.indices.filter { declaredTypes[layout.names[layout.wanted[$0]]] == .int })
        let scan = DelimitedScan.read(layout.bodyStart..<splitter.bytes.count, splitter: splitter, columns: layout.wanted,
                                      expectedFields: layout.names.count, missing: MissingMarkers(missingMarkers),
                                      parts: ProcessInfo.processInfo.activeProcessorCount, wholeOnly: declaredWhole)
        let rows = ScannedRows(splitter: splitter, scan: scan, layout: layout)
        var (kept, rejected) = wellFormedRows(rows)
        var tallies = layout.wanted.indices.map { slot in scan.parts.reduce(into: ColumnTally()) { $0.add($1.tallies[slot]) } }
        let types = columnTypes(layout, tallies: tallies)
        rejected += rejectNonNumbers(rows, types: types, kept: &kept, tallies: &tallies)
        let table = buildTable(rows, types: types, kept: kept, tallies: tallies)
        return (table, rejected.sorted { $0.line < $1.line })
    }

    /// Where the body starts, the column names and the selected columns.
    struct Layout {
        var names: [String]
        /// Indices of the selected columns, in output order.
        var wanted: [Int]
        var bodyStart: Int
        var linesBeforeBody: Int
    }

    private func layout(_ splitter: LineSplitter, file: String) throws -> Layout {
        var columnNames = names
        var bodyStart = 0, linesBeforeBody = 0
        if hasHeader {
            guard let header = Self.header(splitter) else { throw StageFailure("\(file): the file is empty") }
            if columnNames.isEmpty { columnNames = header.fields.map { $0.text(splitter.bytes) } }
            (bodyStart, linesBeforeBody) = (header.bodyStart, header.line)
        } else if !names.isEmpty, let first = Self.header(splitter), first.fields.map({ $0.text(splitter.bytes) }) == names {
            // The columns given are the file's own header line: not a data row.
            (bodyStart, linesBeforeBody) = (first.bodyStart, first.line)
        }
        guard !columnNames.isEmpty else {
            throw StageFailure("\(file): no header line; give the column names with the 'columns' param")
        }
        if let repeated = select.first(where: { name in select.filter { $0 == name }.count > 1 }) {
            throw StageFailure("\(file): column '\(repeated)' is selected twice; a table has one column per name")
        }
        let wanted = select.isEmpty ? Array(columnNames.indices) : try select.map { name in
            guard let index = columnNames.firstIndex(of: name) else {
                throw StageFailure("\(file): no column '\(name)' to select; columns are: \(columnNames.joined(separator: ", "))")
            }
            return index
        }
        return Layout(names: columnNames, wanted: wanted, bodyStart: bodyStart, linesBeforeBody: linesBeforeBody)
    }

    /// The scanned rows of a file, by part and row within the part.
    struct ScannedRows {
        let splitter: LineSplitter
        let scan: DelimitedScan
        let layout: Layout

        func line(_ part: Int, _ row: Int) -> Int { layout.linesBeforeBody + scan.linesBefore[part] + scan.parts[part].lines[row] }

        /// A rejected row as a person reads it: a huge one is cut.
        func raw(_ part: Int, _ row: Int) -> String {
            let scanned = scan.parts[part]
            let (start, end) = (scanned.rowStarts[row], scanned.rowEnds[row])
            let shown = min(end, start + RejectedRow.rawLimit)
            let text = String(decoding: UnsafeBufferPointer(rebasing: splitter.bytes[start..<shown]), as: UTF8.self)
            return shown == end ? text : text + "... (\(end - start) bytes)"
        }

        func fields(_ part: Int, _ row: Int) -> [FieldSpan] {
            splitter.fields(scan.parts[part].rowStarts[row], scan.parts[part].rowEnds[row])
        }
    }

    /// Rows with the wrong number of fields, or a field over `maxFieldBytes`,
    /// are rejected; the others are kept, per part.
    private func wellFormedRows(_ rows: ScannedRows) -> (kept: [[Int]], rejected: [RejectedRow]) {
        let names = rows.layout.names, parts = rows.scan.parts
        var rejected: [RejectedRow] = []
        let kept = parts.indices.map { part in
            parts[part].fieldCounts.indices.filter { row in
                let count = parts[part].fieldCounts[row]
                guard count == names.count else {
                    rejected.append(RejectedRow(line: rows.line(part, row), reason: "expected \(names.count) fields, found \(count)",
                                                raw: rows.raw(part, row)))
                    return false
                }
                // Only a line longer than the limit can hold a field longer than it.
                guard parts[part].rowEnds[row] - parts[part].rowStarts[row] > maxFieldBytes,
                      let long = rows.fields(part, row).firstIndex(where: { $0.byteCount > maxFieldBytes }) else { return true }
                rejected.append(RejectedRow(line: rows.line(part, row),
                                            reason: "column '\(names[long])': a field of \(rows.fields(part, row)[long].byteCount) bytes, over the limit of \(maxFieldBytes) (param max_field_bytes)",
                                            raw: rows.raw(part, row)))
                return false
            }
        }
        return (kept, rejected)
    }

    /// Each column's type: declared, or from what its fields hold (90% numbers make a number column).
    private func columnTypes(_ layout: Layout, tallies: [ColumnTally]) -> [ColumnType] {
        layout.wanted.enumerated().map { slot, index in
            if let declared = declaredTypes[layout.names[index]] { return declared }
            let tally = tallies[slot]
            guard tally.present > 0, Double(tally.numbers) >= 0.9 * Double(tally.present) else { return .string }
            return tally.allWhole && tally.notNumbers == 0 ? .int : .float
        }
    }

    /// A row whose field in a numeric column is not a number is rejected,
    /// named by the first such column.
    private func rejectNonNumbers(_ rows: ScannedRows, types: [ColumnType], kept: inout [[Int]], tallies: inout [ColumnTally]) -> [RejectedRow] {
        let wanted = rows.layout.wanted
        let numericSlots = wanted.indices.filter { types[$0] != .string }
        guard numericSlots.contains(where: { tallies[$0].notNumbers > 0 }) else { return [] }
        var rejected: [RejectedRow] = []
        for part in kept.indices {
            let scanned = rows.scan.parts[part]
            kept[part] = kept[part].filter { row in
                guard let slot = numericSlots.first(where: { scanned.kind(row: row, slot: $0) == .notANumber }) else { return true }
                let index = wanted[slot]
                let what = types[slot] == .int && declaredTypes[rows.layout.names[index]] == .int
                    ? "is not a whole number below 9e15 (the column is declared int; declare it string to keep longer ids)" : "is not a number"
                rejected.append(RejectedRow(line: rows.line(part, row),
                                            reason: "column '\(rows.layout.names[index])': '\(rows.fields(part, row)[index].text(rows.splitter.bytes))' \(what)",
                                            raw: rows.raw(part, row)))
                for other in wanted.indices where scanned.kind(row: row, slot: other) == .missing { tallies[other].missing -= 1 }
                return false
            }
        }
        return rejected
    }

    /// The table of the kept rows: numbers from the scan, text split again once per kept row.
    private func buildTable(_ rows: ScannedRows, types: [ColumnType], kept: [[Int]], tallies: [ColumnTally]) -> Table {
        let wanted = rows.layout.wanted
        let numericSlots = wanted.indices.filter { types[$0] != .string }
        var table = Table()
        let numeric = NumericColumns.build(rows.scan, kept: kept, slots: numericSlots,
                                           asIntegers: Set(numericSlots.filter { types[$0] == .int && tallies[$0].missing == 0 }))
        let textSlots = wanted.indices.filter { types[$0] == .string }
        let texts = TextColumns.build(rows, kept: kept, slots: textSlots)
        for (slot, index) in wanted.enumerated() {
            table[rows.layout.names[index]] = types[slot] == .string ? .string(texts[textSlots.firstIndex(of: slot)!]) : numeric[slot]!
        }
        return table
    }

    /// The first non-blank line's fields, its line number and where the next line starts.
    static func header(_ splitter: LineSplitter) -> (fields: [FieldSpan], line: Int, bodyStart: Int)? {
        var start = 0, line = 1
        while start < splitter.bytes.count {
            let (lineEnd, contentEnd) = splitter.lineEnd(from: start, limit: splitter.bytes.count)
            if !splitter.isBlank(start, contentEnd) {
                return (splitter.fields(start, contentEnd), line, min(lineEnd + 1, splitter.bytes.count))
            }
            start = lineEnd + 1
            line += 1
        }
        return nil
    }
}
