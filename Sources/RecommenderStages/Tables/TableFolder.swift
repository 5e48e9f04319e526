import Foundation

/// A table on disk: a folder with schema.json (row count, column names and
/// types) and one .npy file per column; a text column has a second file, its
/// offsets (see NumpyFormat).
public enum TableFolder {
    struct Schema: Codable {
        struct Entry: Codable {
            var name: String
            var type: String
            var file: String
            /// Text columns only: the offsets into `file`'s bytes.
            var offsets: String?
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
            let stem = String(format: "%03d_", index) + name.filter { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
            var entry = Schema.Entry(name: name, type: column.typeName, file: stem + ".npy")
            if case .string(let values) = column {
                let (offsets, bytes) = NumpyFormat.encodeText(values)
                entry.offsets = stem + ".offsets.npy"
                try offsets.write(to: folder.appendingPathComponent(stem + ".offsets.npy"))
                try bytes.write(to: folder.appendingPathComponent(entry.file))
            } else {
                try NumpyFormat.encode(column).write(to: folder.appendingPathComponent(entry.file))
            }
            entries.append(entry)
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
            let column = try entry.offsets.map { offsets in
                let offsetsURL = folder.appendingPathComponent(offsets)
                return try NumpyFormat.decodeText(offsets: Data(contentsOf: offsetsURL), bytes: Data(contentsOf: url),
                                                  files: (offsetsURL.path, url.path))
            } ?? NumpyFormat.decode(try Data(contentsOf: url), file: url.path)
            guard column.count == schema.rows else {
                throw ReadError.notATable(folder.path, reason: "column '\(entry.name)' has \(column.count) rows, schema says \(schema.rows)")
            }
            table[entry.name] = column
        }
        return table
    }
}
