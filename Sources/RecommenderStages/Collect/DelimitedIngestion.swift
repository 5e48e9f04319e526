import Foundation

/// Reads a delimited file exactly as `collect` does (types inferred, bad rows
/// counted), without writing the table: what a benchmark of ingestion times.
public enum DelimitedIngestion {
    public struct Summary: Sendable {
        public var rows: Int
        public var columns: Int
        public var rejectedRows: Int
    }

    public static func read(_ path: String, delimiter: Character = ",") throws -> Summary {
        var reader = DelimitedFile()
        reader.delimiter = delimiter
        let (table, rejected) = try reader.read(URL(fileURLWithPath: path))
        return Summary(rows: table.rowCount, columns: table.columns.count, rejectedRows: rejected.count)
    }
}
