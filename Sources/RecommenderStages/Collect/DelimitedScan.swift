import Dispatch

/// What a field holds, read as a number.
enum ParsedKind: UInt8 {
    case number, missing, notANumber
}

/// The body of a delimited text (the lines after any header) read in one
/// pass: each non-blank line's place and field count, and the wanted columns'
/// fields already parsed as numbers. The text is cut at line breaks into one
/// part per core (a field never spans lines); the parts are read at the same
/// time and each keeps its own arrays. Fields are parsed while their bytes
/// are in the cache, and only row positions are kept, not every field's range.
struct DelimitedScan {
    struct Part {
        /// Per row: its line counted from the part's start, its bytes, its field count.
        var lines: [Int] = []
        var rowStarts: [Int] = []
        var rowEnds: [Int] = []
        var fieldCounts: [Int] = []
        /// Row-major: row r's wanted columns at `r * columns ..< (r + 1) * columns`,
        /// each a Float (what a float column keeps); a missing field and one
        /// that is not a number are NaNs of their own (`ScannedValue`).
        var values: [Float] = []
        /// Whole numbers a Float cannot hold exactly (over 2^24: ids,
        /// timestamps), kept exact for integer columns, in row order.
        var wide: [(index: Int, value: Double)] = []
        let columns: Int
        /// Per wanted column, what the rows with the expected field count hold.
        var tallies: [ColumnTally]
        /// Line feeds in the part, to number the next part's lines.
        var lineBreaks = 0

        init(columns: Int) {
            self.columns = columns
            tallies = Array(repeating: ColumnTally(), count: columns)
        }

        func kind(row: Int, slot: Int) -> ParsedKind { ScannedValue.kind(values[row * columns + slot]) }

        /// The number read (0 for a field that holds none).
        func value(row: Int, slot: Int) -> Double {
            let index = row * columns + slot
            guard ScannedValue.kind(values[index]) == .number else { return 0 }
            return exactValue(at: index, searchingFrom: 0).value
        }

        /// Entry `index`'s number as read: from `wide` where it is there (found
        /// from `position` on, for callers walking the rows in order), else the Float.
        func exactValue(at index: Int, searchingFrom position: Int) -> (value: Double, next: Int) {
            var position = position
            while position < wide.count, wide[position].index < index { position += 1 }
            if position < wide.count, wide[position].index == index { return (wide[position].value, position + 1) }
            return (Double(values[index]), position)
        }
    }

    var parts: [Part]
    /// Per part, the lines before its first one (counted from the body's start).
    var linesBefore: [Int]

    /// Reads the lines in `range`; `expectedFields` is how many fields a row
    /// must have to count in the tallies (the others will be rejected).
    static func read(_ range: Range<Int>, splitter: LineSplitter, columns: [Int], expectedFields: Int,
                     missing: MissingMarkers, parts: Int, fused: Bool = true, wholeOnly: Set<Int> = []) -> DelimitedScan {
        let bytes = splitter.bytes
        var cuts = [range.lowerBound]
        for part in 1..<max(parts, 1) {
            var cut = max(range.lowerBound + range.count * part / parts, cuts.last!)
            while cut > range.lowerBound, cut < range.upperBound, bytes[cut - 1] != 10 { cut += 1 }
            cuts.append(cut)
        }
        let bounds = cuts + [range.upperBound]
        let work = PartWork(splitter: splitter, missing: missing)
        let results = ParallelResults(count: bounds.count - 1, initial: Part(columns: columns.count))
        DispatchQueue.concurrentPerform(iterations: bounds.count - 1) { index in
            var part = Part(columns: columns.count)
            part.scan(bounds[index]..<bounds[index + 1], splitter: work.splitter, columns: columns, expectedFields: expectedFields,
                      missing: work.missing, fused: fused, wholeOnly: wholeOnly)
            results.store(part, at: index)
        }
        let scanned = results.take()
        var linesBefore = [0]
        for part in scanned.dropLast() { linesBefore.append(linesBefore.last! + part.lineBreaks) }
        return DelimitedScan(parts: scanned, linesBefore: linesBefore)
    }
}

extension DelimitedScan.Part {
    /// Reads the lines of `range`; `fused` lets the fast path read the lines it can (tests turn it off to compare).
    /// `wholeOnly`: slots of columns declared int, where a number that is not
    /// whole (or not below 9e15, past which a Double skips integers) counts as not a number.
    mutating func scan(_ range: Range<Int>, splitter: LineSplitter, columns: [Int], expectedFields: Int, missing: MissingMarkers,
                       fused: Bool = true, wholeOnly: Set<Int> = []) {
        let wholeOnlySlots = wholeOnly.sorted()
        var fields: [FieldSpan] = []
        // One row's parsed columns, appended to the part's arrays in one go.
        let rowKinds = UnsafeMutableBufferPointer<ParsedKind>.allocate(capacity: columns.count)
        let rowValues = UnsafeMutableBufferPointer<Double>.allocate(capacity: columns.count)
        let rowFloats = UnsafeMutableBufferPointer<Float>.allocate(capacity: columns.count)
        defer {
            rowKinds.deallocate()
            rowValues.deallocate()
            rowFloats.deallocate()
        }
        let numbers = NumberReader()
        let fast = FusedLineReader(splitter: splitter, columns: columns, missing: missing, numbers: numbers)
        var lineStart = range.lowerBound, line = 1
        while lineStart < range.upperBound {
            let lineEnd: Int, contentEnd: Int, fieldCount: Int
            if fused, let row = fast.read(lineStart, limit: range.upperBound, kinds: rowKinds, values: rowValues) {
                (lineEnd, contentEnd, fieldCount) = row
            } else {
                (lineEnd, contentEnd) = splitter.lineEnd(from: lineStart, limit: range.upperBound)
                if splitter.isBlank(lineStart, contentEnd) {
                    if lineEnd < range.upperBound { lineBreaks += 1 }
                    lineStart = lineEnd + 1
                    line += 1
                    continue
                }
                splitter.split(lineStart, contentEnd, into: &fields)
                fieldCount = fields.count
                for (slot, column) in columns.enumerated() {
                    (rowKinds[slot], rowValues[slot]) = column < fields.count ? Self.parse(fields[column], splitter.bytes, missing, numbers)
                                                                              : (.missing, 0)
                }
            }
            for slot in wholeOnlySlots where rowKinds[slot] == .number && !ScannedValue.isWhole(rowValues[slot]) {
                (rowKinds[slot], rowValues[slot]) = (.notANumber, 0)
            }
            if lineEnd < range.upperBound { lineBreaks += 1 }
            lines.append(line)
            rowStarts.append(lineStart)
            rowEnds.append(contentEnd)
            fieldCounts.append(fieldCount)
            if lines.count == 64 { reserveRows(forBytes: range.count, sampledBytes: contentEnd - range.lowerBound) }
            let base = values.count
            for slot in columns.indices {
                let value = rowValues[slot]
                rowFloats[slot] = ScannedValue.encode(rowKinds[slot], value)
                if rowKinds[slot] == .number, abs(value) > ScannedValue.exactFloatLimit, ScannedValue.isWhole(value) {
                    wide.append((base + slot, value))
                }
            }
            values.append(contentsOf: rowFloats)
            if fieldCount == expectedFields {
                for slot in columns.indices { tallies[slot].count(rowKinds[slot], rowValues[slot]) }
            }
            lineStart = lineEnd + 1
            line += 1
        }
    }

    /// Room for the rows the whole part will likely hold, judged from the
    /// first ones, so the arrays do not grow (and copy) again and again.
    private mutating func reserveRows(forBytes total: Int, sampledBytes: Int) {
        let expected = Int(Double(total) / Double(max(sampledBytes, 1)) * Double(lines.count) * 1.1) + 64
        lines.reserveCapacity(expected)
        rowStarts.reserveCapacity(expected)
        rowEnds.reserveCapacity(expected)
        fieldCounts.reserveCapacity(expected)
        values.reserveCapacity(expected * columns)
    }

    static func parse(_ field: FieldSpan, _ bytes: UnsafeBufferPointer<UInt8>, _ missing: MissingMarkers,
                      _ numbers: NumberReader) -> (ParsedKind, Double) {
        field.withBytes(bytes) { parse($0, missing, numbers) }
    }

    /// A field's bytes as a missing marker, a number, or neither.
    static func parse(_ span: UnsafeBufferPointer<UInt8>, _ missing: MissingMarkers, _ numbers: NumberReader) -> (ParsedKind, Double) {
        if missing.contains(span) { return (.missing, 0) }
        return numbers.number(span).map { (.number, $0) } ?? (.notANumber, 0)
    }
}

/// What one column's fields hold, counted over rows.
struct ColumnTally {
    var missing = 0, numbers = 0, notNumbers = 0
    /// Whether every number is whole and small enough for an exact Int64.
    var allWhole = true

    var present: Int { numbers + notNumbers }

    mutating func count(_ kind: ParsedKind, _ value: Double) {
        switch kind {
        case .missing: missing += 1
        case .notANumber: notNumbers += 1
        case .number:
            numbers += 1
            if allWhole, !ScannedValue.isWhole(value) { allWhole = false }
        }
    }

    mutating func add(_ other: ColumnTally) {
        missing += other.missing
        numbers += other.numbers
        notNumbers += other.notNumbers
        allWhole = allWhole && other.allWhole
    }
}

/// How a scanned field is kept in a Float: a number as itself (any NaN it
/// reads as becomes the plain NaN), a missing field and a field that is not a
/// number as NaNs with payloads of their own.
enum ScannedValue {
    static let missing = Float(bitPattern: 0x7FC0_0001)
    static let notANumber = Float(bitPattern: 0x7FC0_0002)
    /// Whole numbers up to 2^24 are exact in a Float.
    static let exactFloatLimit = 16_777_216.0

    /// Whole and small enough for an exact Int64 (below 9e15). By a
    /// conversion, not `rounded()`: that is a libm call on baseline x86-64,
    /// which the optimizer may make for every value, even where it is not needed.
    static func isWhole(_ value: Double) -> Bool {
        abs(value) < 9e15 && Double(Int64(value)) == value
    }

    static func encode(_ kind: ParsedKind, _ value: Double) -> Float {
        switch kind {
        case .number: value.isNaN ? .nan : Float(value)
        case .missing: missing
        case .notANumber: notANumber
        }
    }

    static func kind(_ stored: Float) -> ParsedKind {
        guard stored.isNaN else { return .number }
        switch stored.bitPattern {
        case missing.bitPattern: return .missing
        case notANumber.bitPattern: return .notANumber
        default: return .number
        }
    }
}

/// What the part threads read (and never change).
private struct PartWork: @unchecked Sendable {
    let splitter: LineSplitter
    let missing: MissingMarkers
}
