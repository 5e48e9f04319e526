import Foundation

/// Reads JSON Lines (one object per line; optionally .gz) into a table. A
/// column is numeric when every present value is a number (or a bool), text
/// otherwise; a key absent from a row is a missing value. Lines that are not
/// JSON objects are returned as rejected rows with their line number.
struct JSONLinesFile {
    var select: [String] = []
    /// A longer text value rejects its row (see DelimitedFile.maxFieldBytes).
    var maxFieldBytes = 1 << 20

    func read(_ url: URL) throws -> (table: Table, rejected: [RejectedRow]) {
        let text = try FileBytes.contents(of: url).withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
        var objects: [[String: Any]] = []
        var rejected: [RejectedRow] = []
        var names: [String] = []
        var known: Set<String> = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any] else {
                rejected.append(RejectedRow(line: offset + 1, reason: "not a JSON object", raw: String(trimmed.prefix(200))))
                continue
            }
            // Only a line longer than the limit can hold a value longer than it.
            if trimmed.utf8.count > maxFieldBytes,
               let (key, length) = object.lazy.compactMap({ key, value in (value as? String).map { (key, $0.utf8.count) } })
                   .first(where: { $0.1 > maxFieldBytes }) {
                rejected.append(RejectedRow(line: offset + 1,
                                            reason: "key '\(key)': a value of \(length) bytes, over the limit of \(maxFieldBytes) (param max_field_bytes)",
                                            raw: String(trimmed.prefix(200)) + "... (\(trimmed.utf8.count) bytes)"))
                continue
            }
            for key in object.keys.sorted() where known.insert(key).inserted { names.append(key) }
            objects.append(object)
        }
        if !select.isEmpty {
            for name in select where !known.contains(name) {
                throw StageFailure("\(url.path): no key '\(name)' to select; keys are: \(names.joined(separator: ", "))")
            }
            names = select
        }
        var table = Table()
        for name in names {
            let values = objects.map { $0[name] }
            let numeric = values.allSatisfy { value in value == nil || value is NSNull || value is NSNumber }
            if numeric {
                table[name] = .float(values.map { ($0 as? NSNumber)?.floatValue ?? .nan })
            } else {
                table[name] = .string(values.map { value in
                    switch value {
                    case nil, is NSNull: ""
                    case let text as String: text
                    case let number as NSNumber: number.stringValue
                    default: (try? JSONSerialization.data(withJSONObject: value!, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? ""
                    }
                })
            }
        }
        return (table, rejected)
    }
}
