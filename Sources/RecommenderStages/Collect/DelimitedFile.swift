import Foundation

/// A row that could not be used, with its 1-based line in the source file.
public struct RejectedRow: Sendable, Equatable {
    public var line: Int
    public var reason: String
    public var raw: String
}

/// Reads delimited text (CSV, TSV, ", "-separated; optionally gzip-compressed)
/// into a table. Fields may be quoted with '"' ("" inside quotes is a quote).
/// A column's type is declared, or inferred: numeric when at least 90% of its
/// non-missing values parse as numbers, the rest then being bad rows. Bad rows
/// (wrong field count, unparsable numbers) are returned, not dropped silently.
struct DelimitedFile {
    enum ColumnType: String {
        case float, int, string
    }

    var delimiter: Character = ","
    var hasHeader = true
    /// Names when the file has no header (or to rename the header's).
    var names: [String] = []
    var declaredTypes: [String: ColumnType] = [:]
    var missingMarkers: Set<String> = ["", "NA", "?"]
    var select: [String] = []
    var trim = true

    func read(_ url: URL) throws -> (table: Table, rejected: [RejectedRow]) {
        let text = try Self.contents(of: url)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        var firstLine = 1
        if lines.last?.isEmpty == true { lines.removeLast() }
        var columnNames = names
        if hasHeader {
            guard let header = lines.first else { throw StageFailure("\(url.path): the file is empty") }
            if columnNames.isEmpty { columnNames = split(header) }
            lines.removeFirst()
            firstLine = 2
        }
        guard !columnNames.isEmpty else {
            throw StageFailure("\(url.path): no header line; give the column names with the 'columns' param")
        }

        // Split every row, rejecting rows with the wrong number of fields.
        var rows: [(line: Int, fields: [String])] = []
        var rejected: [RejectedRow] = []
        for (offset, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let fields = split(line)
            if fields.count != columnNames.count {
                rejected.append(RejectedRow(line: firstLine + offset, reason: "expected \(columnNames.count) fields, found \(fields.count)", raw: String(line)))
            } else {
                rows.append((firstLine + offset, fields))
            }
        }

        let wanted = select.isEmpty ? Array(columnNames.indices) : try select.map { name in
            guard let index = columnNames.firstIndex(of: name) else {
                throw StageFailure("\(url.path): no column '\(name)' to select; columns are: \(columnNames.joined(separator: ", "))")
            }
            return index
        }
        let types = wanted.map { index in declaredTypes[columnNames[index]] ?? inferType(rows.map { $0.fields[index] }) }

        // Reject rows whose numbers do not parse, then build the columns.
        var badRows: Set<Int> = []
        for (position, index) in wanted.enumerated() where types[position] != .string {
            for (rowIndex, row) in rows.enumerated() where !badRows.contains(rowIndex) {
                let value = row.fields[index]
                if missingMarkers.contains(value) { continue }
                let parses = types[position] == .int ? Int64(value) != nil : Double(value) != nil
                if !parses {
                    badRows.insert(rowIndex)
                    rejected.append(RejectedRow(line: row.line, reason: "column '\(columnNames[index])': '\(value)' is not a number",
                                                raw: row.fields.joined(separator: String(delimiter))))
                }
            }
        }
        let kept = rows.indices.filter { !badRows.contains($0) }.map { rows[$0] }
        var table = Table()
        for (position, index) in wanted.enumerated() {
            let values = kept.map { $0.fields[index] }
            switch types[position] {
            case .float: table[columnNames[index]] = .float(values.map { missingMarkers.contains($0) ? .nan : Float($0)! })
            case .int:
                if values.contains(where: { missingMarkers.contains($0) }) {
                    // A missing integer becomes a missing float, not a made-up number.
                    table[columnNames[index]] = .float(values.map { missingMarkers.contains($0) ? .nan : Float($0)! })
                } else {
                    table[columnNames[index]] = .int(values.map { Int64($0)! })
                }
            case .string: table[columnNames[index]] = .string(values.map { missingMarkers.contains($0) ? "" : $0 })
            }
        }
        return (table, rejected.sorted { $0.line < $1.line })
    }

    private func inferType(_ values: [String]) -> ColumnType {
        let present = values.filter { !missingMarkers.contains($0) }
        guard !present.isEmpty else { return .string }
        let integers = present.filter { Int64($0) != nil }.count
        let numbers = present.filter { Double($0) != nil }.count
        guard Double(numbers) >= 0.9 * Double(present.count) else { return .string }
        return integers == numbers && numbers == present.count ? .int : .float
    }

    /// Splits one line into fields, honouring double quotes.
    func split(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else {
                            quoted = false
                            pending = next
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" && current.trimmingCharacters(in: .whitespaces).isEmpty {
                current = ""
                quoted = true
            } else if character == delimiter {
                fields.append(trim ? current.trimmingCharacters(in: .whitespaces) : current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(trim ? current.trimmingCharacters(in: .whitespaces) : current)
        return fields
    }

    /// The file's text; a .gz file is decompressed with gzip.
    static func contents(of url: URL) throws -> String {
        guard url.pathExtension == "gz" else { return try String(contentsOf: url, encoding: .utf8) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", url.path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw StageFailure("cannot decompress \(url.path): \(message)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
