import Foundation

/// A table on disk: a folder with schema.json (row count, column names and
/// types) and one .npy file per column.
public enum TableFolder {
    struct Schema: Codable {
        struct Entry: Codable {
            var name: String
            var type: String
            var file: String
        }

        var rows: Int
        var columns: [Entry]
    }

    public enum ReadError: Error, CustomStringConvertible {
        case notATable(String, reason: String)

        public var description: String {
            switch self {
            case .notATable(let path, let reason): "\(path) is not a table folder: \(reason)"
            }
        }
    }

    public static func write(_ table: Table, to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var entries: [Schema.Entry] = []
        for (index, (name, column)) in zip(table.names, table.columns).enumerated() {
            let file = String(format: "%03d_", index) + name.filter { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } + ".npy"
            try NumpyFormat.encode(column).write(to: folder.appendingPathComponent(file))
            entries.append(Schema.Entry(name: name, type: column.typeName, file: file))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(Schema(rows: table.rowCount, columns: entries)).write(to: folder.appendingPathComponent("schema.json"))
    }

    public static func read(_ folder: URL) throws -> Table {
        let schemaURL = folder.appendingPathComponent("schema.json")
        guard let data = FileManager.default.contents(atPath: schemaURL.path) else {
            throw ReadError.notATable(folder.path, reason: "no schema.json")
        }
        let schema: Schema
        do { schema = try JSONDecoder().decode(Schema.self, from: data) } catch {
            throw ReadError.notATable(folder.path, reason: "schema.json: \(error)")
        }
        var table = Table()
        for entry in schema.columns {
            let url = folder.appendingPathComponent(entry.file)
            let column = try NumpyFormat.decode(try Data(contentsOf: url), file: url.path)
            guard column.count == schema.rows else {
                throw ReadError.notATable(folder.path, reason: "column '\(entry.name)' has \(column.count) rows, schema says \(schema.rows)")
            }
            table[entry.name] = column
        }
        return table
    }
}
