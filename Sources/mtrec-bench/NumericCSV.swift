import Foundation

/// Reads a CSV of numbers with a header line into named float columns.
/// Fields are parsed in place with strtof, without splitting into strings.
struct NumericCSV {
    var names: [String]
    /// Row-major values, rows x names.count.
    var values: [Float]
    var rows: Int

    enum ReadError: Error, CustomStringConvertible {
        case empty(String)
        case badField(file: String, line: Int, column: String)
        case missingColumn(file: String, name: String)

        var description: String {
            switch self {
            case .empty(let file): "\(file): no header line"
            case .badField(let file, let line, let column): "\(file):\(line): column '\(column)' is not a number"
            case .missingColumn(let file, let name): "\(file): no column '\(name)'"
            }
        }
    }

    init(contentsOf path: String) throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes.append(0)
        guard let headerEnd = bytes.firstIndex(of: UInt8(ascii: "\n")) else { throw ReadError.empty(path) }
        names = String(decoding: bytes[..<headerEnd], as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map(String.init)
        let columns = names.count
        var parsed: [Float] = []
        parsed.reserveCapacity(bytes.count / 9)
        var rowCount = 0
        let names = self.names
        try bytes.withUnsafeMutableBufferPointer { buffer in
            let base = UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            var cursor = base + headerEnd + 1
            let end = base + buffer.count - 1
            var line = 2
            while cursor < end {
                if cursor.pointee == 10 || cursor.pointee == 13 {
                    cursor += 1
                    continue
                }
                for column in 0..<columns {
                    var next: UnsafeMutablePointer<CChar>? = nil
                    let value = strtof(cursor, &next)
                    guard let next, next != cursor else { throw ReadError.badField(file: path, line: line, column: names[column]) }
                    parsed.append(value)
                    cursor = next
                    if cursor.pointee == 44 { cursor += 1 }
                }
                while cursor < end, cursor.pointee != 10 { cursor += 1 }
                rowCount += 1
                line += 1
            }
        }
        values = parsed
        rows = rowCount
    }

    /// The listed columns, row-major.
    func columns(_ wanted: [String], file: String) throws -> [Float] {
        let indices = try wanted.map { name in
            guard let index = names.firstIndex(of: name) else { throw ReadError.missingColumn(file: file, name: name) }
            return index
        }
        var result = [Float](repeating: 0, count: rows * wanted.count)
        let width = names.count
        values.withUnsafeBufferPointer { source in
            for row in 0..<rows {
                for (position, index) in indices.enumerated() { result[row * wanted.count + position] = source[row * width + index] }
            }
        }
        return result
    }
}
