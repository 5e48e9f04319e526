import Foundation
import Orchestrator

/// Precomputed vectors (an image or text encoder's embeddings) added to each
/// event by its user or item key: column j of an id's row becomes the numeric
/// column PREFIXj. The ids come from an ids file (a 1-D .npy or a text file,
/// one id per line, in the matrix's row order) or, without one, from the
/// matrix's first column. An event whose key has no vector gets zeros and is
/// counted.
struct VectorJoin {
    var matrix: NumpyMatrix
    /// The id of each matrix row.
    var ids: [String]
    /// Where the vector starts in each row: 1 when the first column holds the id.
    var firstColumn: Int
    var name: String

    struct Report: Encodable {
        var vectors: String
        var key: String
        var dimensions: Int
        var columnsAdded: [String]
        var matchedEvents: Int
        var eventsWithoutVector: Int
        var keysWithoutVector: Int
    }

    static func load(vectors url: URL, ids idsURL: URL?, name: String) throws -> VectorJoin {
        let file = url.lastPathComponent
        let matrix = try NumpyMatrix.read(url)
        guard matrix.rows > 0, matrix.columns > (idsURL == nil ? 1 : 0) else {
            throw StageFailure("\(name) (\(file)) holds no vectors: its shape is (\(matrix.rows), \(matrix.columns))")
        }
        if let bad = matrix.values.firstIndex(where: { !$0.isFinite }) {
            throw StageFailure("\(name) (\(file)): row \(bad / matrix.columns), column \(bad % matrix.columns) is \(matrix.values[bad]); vectors must be finite")
        }
        guard let idsURL else {
            let ids = try (0..<matrix.rows).map { row -> String in
                let value = matrix.values[row * matrix.columns]
                guard value == value.rounded(), abs(value) < 16_777_216 else {
                    throw StageFailure("\(name) (\(file)): without an ids file the first column holds each row's id, but row \(row) has \(value), not a whole number; give the ids as a file")
                }
                return String(Int64(value))
            }
            return try VectorJoin(matrix: matrix, ids: ids, firstColumn: 1, name: name).checked()
        }
        let ids = try readIDs(idsURL)
        guard ids.count == matrix.rows else {
            throw StageFailure("\(name): \(idsURL.lastPathComponent) has \(ids.count) ids but \(file) has \(matrix.rows) rows; they must match row by row")
        }
        return try VectorJoin(matrix: matrix, ids: ids, firstColumn: 0, name: name).checked()
    }

    /// A 1-D .npy (int32/64, float32/64 holding whole numbers, bytes '|S' or
    /// unicode '<U' text, as numpy saves a list of ids) or a text file with
    /// one id per line.
    static func readIDs(_ url: URL) throws -> [String] {
        let data = try Data(contentsOf: url)
        if url.pathExtension == "npy" { return try npyIDs(data, file: url.lastPathComponent) }
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    private static func npyIDs(_ data: Data, file: String) throws -> [String] {
        let (descriptor, shape, start, bytes) = try NumpyFormat.parseHeader(data, file: file, dimensions: 1)
        let count = shape[0]
        func values<T>(_ type: T.Type) throws -> [T] { try NumpyFormat.elements(type, count: count, from: start, in: bytes, file: file) }
        func whole(_ value: Double, _ row: Int) throws -> String {
            guard value == value.rounded(), abs(value) < 9e15 else {
                throw StageFailure("\(file): id \(row) is \(value), not a whole number")
            }
            return String(Int64(value))
        }
        func text(width: Int, decode: (ArraySlice<UInt8>) -> String) throws -> [String] {
            guard start + count * width <= bytes.count else { throw NumpyFormat.FormatError.invalid(file, reason: "truncated data") }
            return (0..<count).map { decode(bytes[(start + $0 * width)..<(start + ($0 + 1) * width)]) }
        }
        switch descriptor {
        case "<i8": return try values(Int64.self).map { String($0) }
        case "<i4": return try values(Int32.self).map { String($0) }
        case "<f8": return try values(Double.self).enumerated().map { try whole($1, $0) }
        case "<f4": return try values(Float.self).enumerated().map { try whole(Double($1), $0) }
        case let bytesType where bytesType.hasPrefix("|S"):
            guard let width = Int(bytesType.dropFirst(2)), width > 0 else { throw NumpyFormat.FormatError.invalid(file, reason: "bad descr \(bytesType)") }
            return try text(width: width) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        case let unicode where unicode.hasPrefix("<U"):
            // numpy's str arrays: UTF-32 little-endian, padded with zeros.
            guard let characters = Int(unicode.dropFirst(2)), characters > 0 else { throw NumpyFormat.FormatError.invalid(file, reason: "bad descr \(unicode)") }
            return try text(width: 4 * characters) { slice in
                var scalars = String.UnicodeScalarView()
                var index = slice.startIndex
                while index < slice.endIndex {
                    let value = UInt32(slice[index]) | UInt32(slice[index + 1]) << 8 | UInt32(slice[index + 2]) << 16 | UInt32(slice[index + 3]) << 24
                    if value == 0 { break }
                    if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
                    index += 4
                }
                return String(scalars)
            }
        default:
            throw StageFailure("\(file): ids of dtype \(descriptor) are not read; save them as int32/int64, whole floats, or text ('|S' or '<U')")
        }
    }

    private func checked() throws -> VectorJoin {
        var rowOfID: [String: Int] = [:]
        for (row, id) in ids.enumerated() {
            if let earlier = rowOfID[id] {
                throw StageFailure("\(name) repeats the id '\(id)' at rows \(earlier) and \(row); one vector per id")
            }
            rowOfID[id] = row
        }
        return self
    }

    var dimensions: Int { matrix.columns - firstColumn }

    /// Adds PREFIX0 ... PREFIX(d-1) to `events`, matched on `key`.
    func add(to events: inout Table, key: String, prefix: String) throws -> Report {
        guard let keys = events[key] else {
            throw StageFailure("the events have no column '\(key)' to join \(name) on\(Suggestion.hint(for: key, in: events.names))")
        }
        let names = (0..<dimensions).map { "\(prefix)\($0)" }
        if let clash = names.first(where: { events[$0] != nil }) {
            throw StageFailure("\(name) would add the column '\(clash)', which the events already have; choose another prefix")
        }
        let rowOfID = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        let matches = (0..<events.rowCount).map { rowOfID[keys.text($0)] }
        var columns = Array(repeating: [Float](repeating: 0, count: events.rowCount), count: dimensions)
        for (event, match) in matches.enumerated() {
            guard let match else { continue }
            let start = match * matrix.columns + firstColumn
            for dimension in 0..<dimensions { columns[dimension][event] = matrix.values[start + dimension] }
        }
        for (name, values) in zip(names, columns) { events[name] = .float(values) }
        let missing = matches.indices.filter { matches[$0] == nil }
        return Report(vectors: name, key: key, dimensions: dimensions, columnsAdded: names,
                      matchedEvents: events.rowCount - missing.count, eventsWithoutVector: missing.count,
                      keysWithoutVector: Set(missing.map { keys.text($0) }).count)
    }
}
