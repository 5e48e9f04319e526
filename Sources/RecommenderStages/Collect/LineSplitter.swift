/// One field of a line: its byte range, and its text when quotes had to be undone.
struct FieldSpan {
    var start: Int
    var end: Int
    var unquoted: String?

    /// The field's length in the file (quotes and doubled quotes included).
    var byteCount: Int { end - start }

    func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        unquoted ?? String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    /// The field's bytes (the unquoted text's, for a quoted field) passed to `body`.
    func withBytes<Result>(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        guard let unquoted else { return body(UnsafeBufferPointer(rebasing: bytes[start..<end])) }
        return Array(unquoted.utf8).withUnsafeBufferPointer(body)
    }
}

/// Splits one line into fields. Double quotes are honoured within the line:
/// "" inside quotes is one quote, and the delimiter ends a quoted field after
/// its closing quote. With `trim`, spaces around a field are not part of it.
struct LineSplitter {
    let bytes: UnsafeBufferPointer<UInt8>
    let delimiter: UInt8
    let trim: Bool

    /// Replaces `fields` with the fields of bytes `start..<end`.
    func split(_ start: Int, _ end: Int, into fields: inout [FieldSpan]) {
        fields.removeAll(keepingCapacity: true)
        var cursor = start
        while true {
            var fieldStart = cursor
            while trim, fieldStart < end, bytes[fieldStart] == 32 { fieldStart += 1 }
            if fieldStart < end, bytes[fieldStart] == 34 {
                var text: [UInt8] = []
                var position = fieldStart + 1
                while position < end {
                    if bytes[position] == 34 {
                        if position + 1 < end, bytes[position + 1] == 34 {
                            text.append(34)
                            position += 2
                            continue
                        }
                        position += 1
                        break
                    }
                    text.append(bytes[position])
                    position += 1
                }
                while position < end, bytes[position] != delimiter { position += 1 }
                fields.append(FieldSpan(start: fieldStart, end: position, unquoted: String(decoding: text, as: UTF8.self)))
                cursor = position
            } else {
                var fieldEnd = fieldStart
                while fieldEnd < end, bytes[fieldEnd] != delimiter { fieldEnd += 1 }
                cursor = fieldEnd
                while trim, fieldEnd > fieldStart, bytes[fieldEnd - 1] == 32 { fieldEnd -= 1 }
                fields.append(FieldSpan(start: fieldStart, end: fieldEnd, unquoted: nil))
            }
            guard cursor < end else { return }
            cursor += 1  // past the delimiter
            if cursor == end {
                fields.append(FieldSpan(start: end, end: end, unquoted: nil))
                return
            }
        }
    }

    /// The fields of bytes `start..<end`.
    func fields(_ start: Int, _ end: Int) -> [FieldSpan] {
        var fields: [FieldSpan] = []
        split(start, end, into: &fields)
        return fields
    }

    /// Whether bytes `start..<end` hold only spaces (and tabs, unless tab is the delimiter).
    func isBlank(_ start: Int, _ end: Int) -> Bool {
        (start..<end).allSatisfy { bytes[$0] == 32 || bytes[$0] == 9 && delimiter != 9 }
    }

    /// The end of the line starting at `start` (the index of its line feed, or
    /// `limit`), and the end of its content without a carriage return.
    func lineEnd(from start: Int, limit: Int) -> (lineEnd: Int, contentEnd: Int) {
        var lineEnd = start
        while lineEnd < limit, bytes[lineEnd] != 10 { lineEnd += 1 }
        var contentEnd = lineEnd
        if contentEnd > start, bytes[contentEnd - 1] == 13 { contentEnd -= 1 }
        return (lineEnd, contentEnd)
    }
}
