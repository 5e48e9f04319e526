/// The scan's fast path: one line read in a single pass over its bytes, each
/// wanted field parsed as a number while its bytes go by, where the general
/// path finds the line's end, then splits it, then parses every field again.
/// It gives exactly what the general path gives, or declines: a line that
/// starts with a space or tab (it may be blank), a quoted field, or an empty
/// line goes to the general path whole. A wanted field that is not a plain
/// decimal ending at the field's end (text, a missing marker, a number only
/// strtod reads) is handed to the general parse with its span.
struct FusedLineReader {
    let bytes: UnsafePointer<UInt8>
    let delimiter: UInt8
    let trim: Bool
    /// Per field index, its slot among the wanted columns, or -1.
    let slotOfField: [Int]
    let missing: MissingMarkers
    let numbers: NumberReader
    /// Whether plain decimals may be read inline: not when a missing marker
    /// or the delimiter could be part of one, which the general path would
    /// treat differently.
    let readsNumbersInline: Bool
    /// A column wanted twice has one slot here; the general path fills both.
    let readsLines: Bool

    init(splitter: LineSplitter, columns: [Int], missing: MissingMarkers, numbers: NumberReader) {
        bytes = splitter.bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!
        delimiter = splitter.delimiter
        trim = splitter.trim
        var slots = [Int](repeating: -1, count: (columns.max() ?? -1) + 1)
        for (slot, column) in columns.enumerated() { slots[column] = slot }
        slotOfField = slots
        self.missing = missing
        self.numbers = numbers
        readsNumbersInline = !NumberReader.plainDecimalBytes.contains(delimiter) && !missing.mayLookLikeANumber
        readsLines = Set(columns).count == columns.count
    }

    /// Reads the line at `start` (ending at a line feed or `limit`) into
    /// `kinds` and `values` (one entry per wanted column; missing where the
    /// line has no such field). Nil when the general path must read it.
    func read(_ start: Int, limit: Int, kinds: UnsafeMutableBufferPointer<ParsedKind>,
              values: UnsafeMutableBufferPointer<Double>) -> (lineEnd: Int, contentEnd: Int, fields: Int)? {
        guard readsLines, start < limit else { return nil }
        let first = bytes[start]
        guard first != 32, first != 9, first != 10, first != 13 else { return nil }
        for slot in kinds.indices {
            kinds[slot] = .missing
            values[slot] = 0
        }
        var cursor = start, field = 0
        while true {
            if trim { while cursor < limit, bytes[cursor] == 32 { cursor += 1 } }
            if cursor < limit, bytes[cursor] == 34 { return nil }
            let slot = field < slotOfField.count ? slotOfField[field] : -1
            var fieldEnd: Int
            if slot >= 0, readsNumbersInline, let (value, end) = numbers.plainDecimalPrefix(bytes, cursor, limit),
               end == limit || bytes[end] == delimiter || bytes[end] == 10 {
                (kinds[slot], values[slot]) = (.number, value)
                fieldEnd = end
            } else {
                fieldEnd = cursor
                while fieldEnd < limit, bytes[fieldEnd] != delimiter, bytes[fieldEnd] != 10 { fieldEnd += 1 }
                if slot >= 0 { (kinds[slot], values[slot]) = parse(cursor, fieldEnd, limit: limit) }
            }
            field += 1
            guard fieldEnd < limit, bytes[fieldEnd] == delimiter else {
                var contentEnd = fieldEnd
                if contentEnd > start, bytes[contentEnd - 1] == 13 { contentEnd -= 1 }
                return (fieldEnd, contentEnd, field)
            }
            cursor = fieldEnd + 1
        }
    }

    /// The general parse of the field at `start..<end`, trimmed as the splitter trims it.
    private func parse(_ start: Int, _ end: Int, limit: Int) -> (ParsedKind, Double) {
        var contentEnd = end
        // A carriage return before the line feed (or the text's end) is not the field's.
        if contentEnd > start, contentEnd == limit || bytes[contentEnd] == 10, bytes[contentEnd - 1] == 13 { contentEnd -= 1 }
        if trim { while contentEnd > start, bytes[contentEnd - 1] == 32 { contentEnd -= 1 } }
        return DelimitedScan.Part.parse(UnsafeBufferPointer(start: bytes + start, count: contentEnd - start), missing, numbers)
    }
}
