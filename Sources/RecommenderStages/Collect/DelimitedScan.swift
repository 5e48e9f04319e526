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
        /// Row-major: row r's wanted columns at `r * columns ..< (r + 1) * columns`
        /// (missing where the row is too short).
        var kinds: [ParsedKind] = []
        var values: [Double] = []
        let columns: Int
        /// Per wanted column, what the rows with the expected field count hold.
        var tallies: [ColumnTally]
        /// Line feeds in the part, to number the next part's lines.
        var lineBreaks = 0

        init(columns: Int) {
            self.columns = columns
            tallies = Array(repeating: ColumnTally(), count: columns)
        }

        func kind(row: Int, slot: Int) -> ParsedKind { kinds[row * columns + slot] }
        func value(row: Int, slot: Int) -> Double { values[row * columns + slot] }
    }

    var parts: [Part]
    /// Per part, the lines before its first one (counted from the body's start).
    var linesBefore: [Int]

    /// Reads the lines in `range`; `expectedFields` is how many fields a row
    /// must have to count in the tallies (the others will be rejected).
    static func read(_ range: Range<Int>, splitter: LineSplitter, columns: [Int], expectedFields: Int,
                     missing: MissingMarkers, parts: Int, fused: Bool = true) -> DelimitedScan {
        let bytes = splitter.bytes
        var cuts = [range.lowerBound]
        for part in 1..<max(parts, 1) {
            var cut = max(range.lowerBound + range.count * part / parts, cuts.last!)
            while cut > range.lowerBound, cut < range.upperBound, bytes[cut - 1] != 10 { cut += 1 }
            cuts.append(cut)
        }
        let bounds = cuts + [range.upperBound]
        let work = PartWork(splitter: splitter, missing: missing, parts: .allocate(capacity: bounds.count - 1))
        defer { work.parts.deallocate() }
        DispatchQueue.concurrentPerform(iterations: bounds.count - 1) { index in
            var part = Part(columns: columns.count)
            part.scan(bounds[index]..<bounds[index + 1], splitter: work.splitter, columns: columns, expectedFields: expectedFields,
                      missing: work.missing, fused: fused)
            (work.parts.baseAddress! + index).initialize(to: part)
        }
        let scanned = (0..<(bounds.count - 1)).map { (work.parts.baseAddress! + $0).move() }
        var linesBefore = [0]
        for part in scanned.dropLast() { linesBefore.append(linesBefore.last! + part.lineBreaks) }
        return DelimitedScan(parts: scanned, linesBefore: linesBefore)
    }
}

extension DelimitedScan.Part {
    /// Reads the lines of `range`; `fused` lets the fast path read the lines it can (tests turn it off to compare).
    mutating func scan(_ range: Range<Int>, splitter: LineSplitter, columns: [Int], expectedFields: Int, missing: MissingMarkers,
                       fused: Bool = true) {
        var fields: [FieldSpan] = []
        // One row's parsed columns, appended to the part's arrays in one go.
        let rowKinds = UnsafeMutableBufferPointer<ParsedKind>.allocate(capacity: columns.count)
        let rowValues = UnsafeMutableBufferPointer<Double>.allocate(capacity: columns.count)
        defer {
            rowKinds.deallocate()
            rowValues.deallocate()
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
            if lineEnd < range.upperBound { lineBreaks += 1 }
            lines.append(line)
            rowStarts.append(lineStart)
            rowEnds.append(contentEnd)
            fieldCounts.append(fieldCount)
            if lines.count == 64 { reserveRows(forBytes: range.count, sampledBytes: contentEnd - range.lowerBound) }
            kinds.append(contentsOf: rowKinds)
            values.append(contentsOf: rowValues)
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
        kinds.reserveCapacity(expected * columns)
        values.reserveCapacity(expected * columns)
    }

    static func parse(_ field: FieldSpan, _ bytes: UnsafeBufferPointer<UInt8>, _ missing: MissingMarkers,
                      _ numbers: NumberReader) -> (ParsedKind, Double) {
        field.withBytes(bytes) { span in
            if missing.contains(span) { return (.missing, 0) }
            return numbers.number(span).map { (.number, $0) } ?? (.notANumber, 0)
        }
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
            if allWhole, value != value.rounded() || abs(value) >= 9e15 { allWhole = false }
        }
    }

    mutating func add(_ other: ColumnTally) {
        missing += other.missing
        numbers += other.numbers
        notNumbers += other.notNumbers
        allWhole = allWhole && other.allWhole
    }
}

/// What the part threads share: part `i` reads its own lines and initialises only `parts[i]`.
private struct PartWork: @unchecked Sendable {
    let splitter: LineSplitter
    let missing: MissingMarkers
    let parts: UnsafeMutableBufferPointer<DelimitedScan.Part>
}
