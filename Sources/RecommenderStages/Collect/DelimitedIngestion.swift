import Foundation

/// Reads a delimited file exactly as `collect` does (types inferred, bad rows
/// counted), without writing the table: what a benchmark of ingestion times.
public enum DelimitedIngestion {
    public struct Summary: Sendable {
        public var rows: Int
        public var columns: Int
        public var rejectedRows: Int
        /// The text's size (decompressed, for a .gz file).
        public var textBytes: Int
    }

    /// Without a header line the columns are named column_1, column_2, ... as many as the first line has.
    public static func read(_ path: String, delimiter: Character = ",", header: Bool = true) throws -> Summary {
        var reader = DelimitedFile()
        reader.delimiter = delimiter
        let contents = try FileBytes.contents(of: URL(fileURLWithPath: path))
        if !header {
            reader.hasHeader = false
            reader.names = (1...max(DelimitedFile.firstLineFieldCount(contents, delimiter: delimiter), 1)).map { "column_\($0)" }
        }
        let (table, rejected) = try reader.read(contents, file: path)
        return Summary(rows: table.rowCount, columns: table.columns.count, rejectedRows: rejected.count,
                       textBytes: contents.withUnsafeBufferPointer(\.count))
    }
}
