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

    /// A 1-D .npy (numbers or text) or a text file with one id per line.
    static func readIDs(_ url: URL) throws -> [String] {
        let data = try Data(contentsOf: url)
        if url.pathExtension == "npy" {
            let column = try NumpyFormat.decode(data, file: url.lastPathComponent)
            return (0..<column.count).map(column.text)
        }
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        if lines.last == "" { lines.removeLast() }
        return lines
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
