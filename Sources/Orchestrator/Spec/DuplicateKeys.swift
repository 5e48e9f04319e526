import Foundation

/// Yams refuses a mapping with a repeated key and stops. To report a repeated
/// key at its second occurrence and still check the rest of the file, the
/// second occurrence is renamed to a marker and the text composed again; the
/// reader then reports each marker and skips its entry.
struct DuplicateKeys {
    struct Duplicate {
        var key: String
        var firstLine: Int
        var location: (line: Int, column: Int)
    }

    private(set) var duplicates: [String: Duplicate] = [:]

    static func isMarker(_ key: String) -> Bool { key.hasPrefix("__mtrec_duplicate_") }

    func duplicate(for marker: String) -> Duplicate? { duplicates[marker] }

    /// Renames the next occurrence of `key` after `line:column` (1-based).
    /// Returns nil when no later occurrence can be found.
    mutating func renameSecondOccurrence(of key: String, after line: Int, column: Int, in text: String) -> String? {
        var lines = text.components(separatedBy: "\n")
        guard line >= 1, line <= lines.count else { return nil }
        let firstLine = lines[line - 1]
        let startsLine = firstLine.prefix(column - 1).allSatisfy { $0 == " " || $0 == "-" }
        for index in (line - 1)..<lines.count {
            let searchFrom = index == line - 1 ? column : 0
            guard let offset = Self.keyOffset(of: key, in: lines[index], from: searchFrom, atColumn: startsLine ? column - 1 : nil) else { continue }
            let marker = "__mtrec_duplicate_\(duplicates.count)__"
            duplicates[marker] = Duplicate(key: key, firstLine: line, location: (index + 1, offset + 1))
            var characters = Array(lines[index])
            characters.replaceSubrange(offset..<(offset + key.count), with: Array(marker))
            lines[index] = String(characters)
            return lines.joined(separator: "\n")
        }
        return nil
    }

    /// Where `key:` starts in `line` at or after `from`, at a token boundary.
    private static func keyOffset(of key: String, in line: String, from: Int, atColumn: Int?) -> Int? {
        let characters = Array(line)
        let keyCharacters = Array(key)
        var offset = from
        while offset + keyCharacters.count <= characters.count {
            defer { offset += 1 }
            if let atColumn, offset != atColumn { continue }
            guard Array(characters[offset..<(offset + keyCharacters.count)]) == keyCharacters else { continue }
            let before = offset == 0 ? " " : characters[offset - 1]
            guard " {,-".contains(before) else { continue }
            var after = offset + keyCharacters.count
            while after < characters.count, characters[after] == " " { after += 1 }
            if after < characters.count, characters[after] == ":" { return offset }
        }
        return nil
    }
}
