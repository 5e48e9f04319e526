/// Reads a score request's body, `{"rows": [{"name": value, ...}, ...]}`, in
/// one pass over its bytes. Foundation's JSONDecoder spent three quarters of a
/// 256-row request's time here; this reader builds the rows directly and
/// names what is wrong the way a client can find it ("rows[2].price: ...").
/// Keys other than `rows` are skipped; a value inside a row must be a number,
/// text, a boolean (read as the text "true" or "false") or null.
public struct RawRowsReader {
    public struct Problem: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    private let bytes: [UInt8]
    private var position = 0

    /// The rows of `body`; at most `maximumRows` (more is an error naming the limit).
    public static func rows(_ body: [UInt8], maximumRows: Int) throws(Problem) -> [[String: RawValue]] {
        var reader = RawRowsReader(bytes: body)
        return try reader.document(maximumRows: maximumRows)
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private mutating func document(maximumRows: Int) throws(Problem) -> [[String: RawValue]] {
        var rows: [[String: RawValue]]?
        try expect(UInt8(ascii: "{"), "the body must be a JSON object")
        var count = 0
        while let key = try nextKey(after: count) {
            count += 1
            if key == "rows" { rows = try rowList(maximumRows: maximumRows) } else { try skipValue(depth: 0) }
        }
        skipSpace()
        guard position == bytes.count else { throw syntax("unexpected text after the JSON object") }
        guard let rows else { throw Problem(description: "'rows' is required") }
        return rows
    }

    private mutating func rowList(maximumRows: Int) throws(Problem) -> [[String: RawValue]] {
        skipSpace()
        guard peek == UInt8(ascii: "[") else { throw Problem(description: "'rows' must be a list of objects") }
        position += 1
        var rows: [[String: RawValue]] = []
        while try nextElement(after: rows.count) {
            guard rows.count < maximumRows else { throw Problem(description: "'rows' must hold 1 to \(maximumRows) rows") }
            guard peek == UInt8(ascii: "{") else { throw Problem(description: "'rows[\(rows.count)]' must be an object") }
            position += 1
            var row: [String: RawValue] = [:]
            while let key = try nextKey(after: row.count) {
                row[key] = try scalar { [index = rows.count] in "rows[\(index)].\(key)" }
            }
            rows.append(row)
        }
        return rows
    }

    /// After an object's `{` and `count` members: the next key, the reader
    /// then standing at its value, or nil once the closing `}` is read.
    private mutating func nextKey(after count: Int) throws(Problem) -> String? {
        guard try another(after: count, closing: UInt8(ascii: "}"), in: "an object") else { return nil }
        guard peek == UInt8(ascii: "\"") else { throw syntax("expected a key in quotes") }
        let key = try string()
        try expect(UInt8(ascii: ":"), "expected ':' after the key '\(key)'")
        skipSpace()
        return key
    }

    /// After a list's `[` and `count` elements: true with the reader at the
    /// next element, or false once the closing `]` is read.
    private mutating func nextElement(after count: Int) throws(Problem) -> Bool {
        try another(after: count, closing: UInt8(ascii: "]"), in: "a list")
    }

    /// After an opening bracket and `count` members of `container`: true with
    /// the reader at the next member (past its ','), false once `closing` is read.
    private mutating func another(after count: Int, closing: UInt8, in container: String) throws(Problem) -> Bool {
        skipSpace()
        if count == 0 {
            guard peek == closing else { return true }
            position += 1
            return false
        }
        guard let next = take() else { throw syntax("\(container) is not closed") }
        if next == closing { return false }
        guard next == UInt8(ascii: ",") else { throw syntax("expected ',' or '\(Character(Unicode.Scalar(closing)))' in \(container)") }
        skipSpace()
        return true
    }

    /// A value inside a row; `path` names it in an error (built only then).
    private mutating func scalar(path: () -> String) throws(Problem) -> RawValue {
        guard let byte = peek else { throw syntax("expected a value for '\(path())'") }
        switch byte {
        case UInt8(ascii: "\""): return .text(try string())
        case UInt8(ascii: "n"): try word("null"); return .missing
        case UInt8(ascii: "t"): try word("true"); return .text("true")
        case UInt8(ascii: "f"): try word("false"); return .text("false")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let value = try number()
            // A float feature could not hold it either; the transform would quietly read it as missing.
            guard abs(value) <= Double(Float.greatestFiniteMagnitude) else {
                throw Problem(description: "'\(path())': \(value.isFinite ? "beyond a 32-bit float" : "beyond a double") (at most 3.4e38)")
            }
            return .number(value)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            throw Problem(description: "'\(path())': expected a number, text, a boolean or null")
        default: throw syntax("expected a value for '\(path())'")
        }
    }

    /// Skips any JSON value (under a key other than `rows`), nested at most 64 deep.
    private mutating func skipValue(depth: Int) throws(Problem) {
        guard depth < 64 else { throw syntax("values nested more than 64 deep") }
        switch peek {
        case UInt8(ascii: "{"):
            position += 1
            var count = 0
            while try nextKey(after: count) != nil {
                count += 1
                try skipValue(depth: depth + 1)
            }
        case UInt8(ascii: "["):
            position += 1
            var count = 0
            while try nextElement(after: count) {
                count += 1
                try skipValue(depth: depth + 1)
            }
        default:
            _ = try scalar { "value" }
        }
    }

    // MARK: Tokens

    private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func take() -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    private mutating func expect(_ byte: UInt8, _ message: String) throws(Problem) {
        skipSpace()
        guard take() == byte else { throw syntax(message) }
    }

    private mutating func word(_ text: StaticString) throws(Problem) {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count,
              (0..<count).allSatisfy({ bytes[position + $0] == text.utf8Start[$0] }) else { throw syntax("expected \(text)") }
        position += count
    }

    private func syntax(_ message: String) -> Problem {
        Problem(description: "the body is not valid JSON: \(message) at byte \(position)")
    }

    /// A JSON number, read by Swift's own parser once its extent is checked against JSON's grammar.
    private mutating func number() throws(Problem) -> Double {
        let start = position
        if peek == UInt8(ascii: "-") { position += 1 }
        guard let first = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { throw syntax("expected a digit") }
        if first == UInt8(ascii: "0") { position += 1 } else { digits() }
        if peek == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { throw syntax("expected a digit after '.'") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            position += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw syntax("expected a digit in the exponent") }
        }
        guard let value = Double(String(decoding: bytes[start..<position], as: UTF8.self)) else { throw syntax("not a number") }
        return value
    }

    @discardableResult
    private mutating func digits() -> Int {
        let start = position
        while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
        return position - start
    }

    /// A string in quotes, escapes decoded (surrogate pairs joined; a lone surrogate is an error).
    private mutating func string() throws(Problem) -> String {
        position += 1
        let start = position
        while let byte = peek, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte >= 0x20 { position += 1 }
        if peek == UInt8(ascii: "\"") {
            defer { position += 1 }
            return try validated(bytes[start..<position])
        }
        var text = Array(bytes[start..<position])
        while true {
            guard let byte = take() else { throw syntax("a string is not closed") }
            switch byte {
            case UInt8(ascii: "\""): return try validated(text[...])
            case UInt8(ascii: "\\"): try escape(into: &text)
            case 0..<0x20: throw syntax("a control character inside a string")
            default: text.append(byte)
            }
        }
    }

    private func validated(_ slice: ArraySlice<UInt8>) throws(Problem) -> String {
        guard let text = String(validating: slice, as: UTF8.self) else { throw syntax("a string that is not UTF-8") }
        return text
    }

    private mutating func escape(into text: inout [UInt8]) throws(Problem) {
        guard let byte = take() else { throw syntax("a string is not closed") }
        let simple: [UInt8: UInt8] = [UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "/"): 0x2F, UInt8(ascii: "b"): 0x08,
                                      UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09]
        if let plain = simple[byte] { text.append(plain); return }
        guard byte == UInt8(ascii: "u") else { throw syntax("an unknown escape '\\\(Character(Unicode.Scalar(byte)))'") }
        var code = try hex4()
        if (0xD800..<0xDC00).contains(code) {
            guard take() == UInt8(ascii: "\\"), take() == UInt8(ascii: "u") else { throw syntax("a lone surrogate in \\u escapes") }
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw syntax("a lone surrogate in \\u escapes") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(code) else { throw syntax("a lone surrogate in \\u escapes") }
        text.append(contentsOf: String(Character(scalar)).utf8)
    }

    private mutating func hex4() throws(Problem) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = take(), let digit = Character(Unicode.Scalar(byte)).hexDigitValue else { throw syntax("expected four hex digits after \\u") }
            value = value << 4 + UInt32(digit)
        }
        return value
    }
}
