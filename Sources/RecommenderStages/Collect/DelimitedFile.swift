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
/// Parsing works on bytes: a field becomes a String only in a text column.
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
        let bytes = try Self.contents(of: url)
        guard let separator = delimiter.asciiValue else { throw StageFailure("the delimiter must be one ASCII character") }
        var rows = try FieldScanner(bytes: bytes, delimiter: separator, trim: trim).rows()
        var columnNames = names
        if hasHeader {
            guard let header = rows.first else { throw StageFailure("\(url.path): the file is empty") }
            if columnNames.isEmpty { columnNames = header.fields.map { $0.text(bytes) } }
            rows.removeFirst()
        }
        guard !columnNames.isEmpty else {
            throw StageFailure("\(url.path): no header line; give the column names with the 'columns' param")
        }

        var rejected: [RejectedRow] = []
        rows = rows.filter { row in
            guard row.fields.count != columnNames.count else { return true }
            rejected.append(RejectedRow(line: row.line, reason: "expected \(columnNames.count) fields, found \(row.fields.count)",
                                        raw: row.raw(bytes)))
            return false
        }

        let wanted = select.isEmpty ? Array(columnNames.indices) : try select.map { name in
            guard let index = columnNames.firstIndex(of: name) else {
                throw StageFailure("\(url.path): no column '\(name)' to select; columns are: \(columnNames.joined(separator: ", "))")
            }
            return index
        }
        let missing = Set(missingMarkers.map { Array($0.utf8) })
        let longestMarker = missing.map(\.count).max() ?? 0
        func isMissing(_ field: Field) -> Bool {
            let value = field.bytes(bytes)
            return value.count <= longestMarker && missing.contains(Array(value))
        }

        // Parse numeric columns once; rows whose numbers do not parse are rejected.
        var types: [ColumnType] = []
        var numbers: [Int: [Double?]] = [:]
        var badRows = Set<Int>()
        for index in wanted {
            let parsed = rows.map { row -> Double?? in isMissing(row.fields[index]) ? .some(nil) : row.fields[index].number(bytes).map { $0 } }
            let declared = declaredTypes[columnNames[index]]
            let present = parsed.filter { $0 != .some(nil) }
            let parsedCount = present.filter { $0 != nil }.count
            let type: ColumnType
            if let declared {
                type = declared
            } else if !present.isEmpty, Double(parsedCount) >= 0.9 * Double(present.count) {
                let whole = present.allSatisfy { value in value.map { $0.map { $0 == $0.rounded() && abs($0) < 9e15 } ?? true } ?? false }
                type = whole && parsedCount == present.count ? .int : .float
            } else {
                type = .string
            }
            types.append(type)
            guard type != .string else { continue }
            numbers[index] = parsed.map { $0 ?? nil }
            for (rowIndex, value) in parsed.enumerated() where value == nil && !badRows.contains(rowIndex) {
                badRows.insert(rowIndex)
                let row = rows[rowIndex]
                rejected.append(RejectedRow(line: row.line, reason: "column '\(columnNames[index])': '\(row.fields[index].text(bytes))' is not a number",
                                            raw: row.raw(bytes)))
            }
        }

        let kept = rows.indices.filter { !badRows.contains($0) }
        var table = Table()
        for (position, index) in wanted.enumerated() {
            let name = columnNames[index]
            switch types[position] {
            case .string:
                table[name] = .string(kept.map { rowIndex in
                    let field = rows[rowIndex].fields[index]
                    return isMissing(field) ? "" : field.text(bytes)
                })
            case .float, .int:
                let values = kept.map { numbers[index]![$0] }
                if types[position] == .int, values.allSatisfy({ $0 != nil }) {
                    table[name] = .int(values.map { Int64($0!) })
                } else {
                    // A missing integer becomes a missing float, not a made-up number.
                    table[name] = .float(values.map { $0.map(Float.init) ?? .nan })
                }
            }
        }
        return (table, rejected.sorted { $0.line < $1.line })
    }

    /// The file's bytes; a .gz file is decompressed with gzip.
    static func contents(of url: URL) throws -> [UInt8] {
        guard url.pathExtension == "gz" else { return [UInt8](try Data(contentsOf: url)) }
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
        return [UInt8](data)
    }
}

/// One field: a byte range of the file, or (when quotes had to be undone) its text.
struct Field {
    var start: Int
    var end: Int
    var unquoted: String?

    func bytes(_ all: [UInt8]) -> ArraySlice<UInt8> {
        unquoted.map { ArraySlice(Array($0.utf8)) } ?? all[start..<end]
    }

    func text(_ all: [UInt8]) -> String {
        unquoted ?? String(decoding: all[start..<end], as: UTF8.self)
    }

    /// The field as a number, parsed with strtod from a small buffer; nil when it is not one.
    func number(_ all: [UInt8]) -> Double? {
        let source = bytes(all)
        guard !source.isEmpty, source.count < 64 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            var length = 0
            for byte in source {
                buffer[length] = CChar(bitPattern: byte)
                length += 1
            }
            buffer[length] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            let value = strtod(buffer.baseAddress!, &end)
            return end == buffer.baseAddress! + length ? value : nil
        }
    }
}

/// Splits bytes into lines and fields, honouring double quotes (not across lines).
struct FieldScanner {
    struct Row {
        var line: Int
        var start: Int
        var end: Int
        var fields: [Field]

        func raw(_ all: [UInt8]) -> String { String(decoding: all[start..<end], as: UTF8.self) }
    }

    let bytes: [UInt8]
    let delimiter: UInt8
    let trim: Bool

    func rows() throws -> [Row] {
        var rows: [Row] = []
        var lineStart = 0, line = 1
        let count = bytes.count
        while lineStart < count {
            var lineEnd = lineStart
            while lineEnd < count, bytes[lineEnd] != 10 { lineEnd += 1 }
            var contentEnd = lineEnd
            if contentEnd > lineStart, bytes[contentEnd - 1] == 13 { contentEnd -= 1 }
            if !isBlank(lineStart, contentEnd) {
                rows.append(Row(line: line, start: lineStart, end: contentEnd, fields: fields(lineStart, contentEnd)))
            }
            lineStart = lineEnd + 1
            line += 1
        }
        return rows
    }

    private func isBlank(_ start: Int, _ end: Int) -> Bool {
        (start..<end).allSatisfy { bytes[$0] == 32 || bytes[$0] == 9 && delimiter != 9 }
    }

    private func fields(_ start: Int, _ end: Int) -> [Field] {
        var fields: [Field] = []
        var cursor = start
        while true {
            var fieldStart = cursor
            while trim, fieldStart < end, bytes[fieldStart] == 32 { fieldStart += 1 }
            if fieldStart < end, bytes[fieldStart] == 34 {
                // A quoted field: "" inside is one quote; the delimiter ends it after the closing quote.
                var text: [UInt8] = []
                var position = fieldStart + 1
                while position < end {
                    if bytes[position] == 34 {
                        if position + 1 < end, bytes[position + 1] == 34 {
                            text.append(34)
                            position += 2
                            continue
                        }
                        position += 1
                        break
                    }
                    text.append(bytes[position])
                    position += 1
                }
                while position < end, bytes[position] != delimiter { position += 1 }
                fields.append(Field(start: fieldStart, end: position, unquoted: String(decoding: text, as: UTF8.self)))
                cursor = position
            } else {
                var fieldEnd = fieldStart
                while fieldEnd < end, bytes[fieldEnd] != delimiter { fieldEnd += 1 }
                cursor = fieldEnd
                while trim, fieldEnd > fieldStart, bytes[fieldEnd - 1] == 32 { fieldEnd -= 1 }
                fields.append(Field(start: fieldStart, end: fieldEnd, unquoted: nil))
            }
            guard cursor < end else { break }
            cursor += 1  // past the delimiter
            if cursor == end {
                fields.append(Field(start: end, end: end, unquoted: nil))
                break
            }
        }
        return fields
    }
}
