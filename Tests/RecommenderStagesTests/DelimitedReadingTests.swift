import Foundation
import Testing
@testable import RecommenderStages

@Suite("Reading delimited text")
struct DelimitedReadingTests {
    /// strtod over the whole field, the reference the fast path must match bit for bit.
    func strtodWhole(_ text: String) -> Double? {
        guard !text.isEmpty, text.utf8.count < 64 else { return nil }
        return text.withCString { start in
            var end: UnsafeMutablePointer<CChar>? = nil
            let value = strtod(start, &end)
            return end == UnsafeMutablePointer(mutating: start) + text.utf8.count ? value : nil
        }
    }

    func parsed(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBufferPointer { NumberReader().number($0) }
    }

    @Test func numbersMatchStrtodBitForBit() {
        var random = SystemRandomNumberGenerator()
        var texts = ["0", "-0", "+0", "00012", "1.", ".5", "-.5", "1e5", "1E-5", "1e+22", "1e23", "9007199254740993",
                     "12345678901234567890", "0.1", "0.30000000000000004", "3.14159265358979323846", "1e-30", "2.5e-324",
                     "1e", "1e+", ".", "+", "-", "inf", "-Infinity", "nan", "0x1A", "1_000", "1,5", "abc", " 7", "7 ", "1.2.3",
                     "4e0004", "4e00004", "123456789012345678", "0.0000000000000000000001",
                     "INF", "nAn", "in", "na", "nope", "Infinity", "infinit", "Not in universe"]
        for _ in 0..<3_000 {
            let value = Double.random(in: -1e6...1e6, using: &random) * pow(10, Double(Int.random(in: -12...12, using: &random)))
            let format = ["%.17g", "%.6f", "%.3e", "%.0f", "%g", "%.9f"].randomElement(using: &random)!
            texts.append(String(format: format, value))
        }
        let disagreements = texts.filter { text in
            let expected = strtodWhole(text), actual = parsed(text)
            return expected?.bitPattern != actual?.bitPattern
        }
        #expect(disagreements.isEmpty, "differ from strtod on: \(disagreements.prefix(10))")
    }

    /// Every row of a scan in file order: line, field count, and the parsed columns.
    func flattened(_ scan: DelimitedScan) -> [String] {
        scan.parts.enumerated().flatMap { index, part in
            part.lines.indices.map { row in
                "\(scan.linesBefore[index] + part.lines[row]) \(part.rowStarts[row])-\(part.rowEnds[row]) \(part.fieldCounts[row]) "
                    + (0..<part.columns).map { "\(part.kind(row: row, slot: $0)):\(part.value(row: row, slot: $0))" }.joined(separator: ",")
            }
        }
    }

    @Test func scanningInPartsGivesTheSameRowsAndLines() {
        var text = ""
        for row in 0..<500 {
            text += row % 7 == 0 ? "  \n" : "\(row),\"q, \"\"\(row)\"\"\",\(Double(row) / 4)\(row % 5 == 0 ? "\r" : "")\n"
        }
        text += "last,NA"  // no final line break
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { buffer in
            let splitter = LineSplitter(bytes: buffer, delimiter: UInt8(ascii: ","), trim: true)
            let missing = MissingMarkers(["", "NA"])
            func scan(_ parts: Int) -> DelimitedScan {
                DelimitedScan.read(0..<buffer.count, splitter: splitter, columns: [0, 1, 2], expectedFields: 3, missing: missing, parts: parts)
            }
            let whole = flattened(scan(1))
            func tallies(_ scan: DelimitedScan) -> [String] {
                (0..<3).map { slot in
                    let tally = scan.parts.reduce(into: ColumnTally()) { $0.add($1.tallies[slot]) }
                    return "\(tally.missing) \(tally.numbers) \(tally.notNumbers) \(tally.allWhole)"
                }
            }
            for parts in [2, 3, 8] {
                #expect(flattened(scan(parts)) == whole, "\(parts) parts")
                #expect(tallies(scan(parts)) == tallies(scan(1)), "\(parts) parts")
            }
            // 428 full rows and the 2-field last row, which the tallies leave out.
            #expect(tallies(scan(1)) == ["0 428 0 true", "0 0 428 true", "0 428 0 false"])
            // Blank lines count (row 0 is line 1 and blank); the quoted field is text; the last row's NA is missing.
            #expect(whole.count == 500 - 72 + 1)
            // Row 1 is line 2, starting after the 3 bytes of the blank line "  \n".
            #expect(whole[0] == "2 3-20 3 number:1.0,notANumber:0.0,number:0.25")
            #expect(whole.last!.hasSuffix("2 notANumber:0.0,missing:0.0,missing:0.0"))
        }
    }

    /// Numbers inside a longer text, as the fused reader meets them:
    /// followed by a delimiter and more bytes, so that the
    /// eight-bytes-at-a-time digit reading runs. Where the read stops at the
    /// field's end, its value must equal strtod's reading bit for bit.
    @Test func numbersInsideALineMatchStrtodBitForBit() {
        var random = SystemRandomNumberGenerator()
        var texts = ["12345678", "123456789", "1234567890123456789", "12345678901234567890", "0.12345678", "-87654321.1234567",
                     "99999999", "00000000.00000001", "1.2345678e-5", "7", "-0", "1e22", "123456789012345678e4"]
        for _ in 0..<3_000 {
            let value = Double.random(in: -1e6...1e6, using: &random) * pow(10, Double(Int.random(in: -12...12, using: &random)))
            texts.append(String(format: ["%.17g", "%.6f", "%.3e", "%.0f", "%g", "%.9f", "%.12f"].randomElement(using: &random)!, value))
        }
        var fastReads = 0
        let disagreements = texts.filter { text in
            let bytes = Array((text + ";12345678,87654321\n").utf8)
            return bytes.withUnsafeBufferPointer { buffer in
                guard let (value, end) = NumberReader().plainDecimalPrefix(buffer.baseAddress!, 0, buffer.count),
                      end == text.utf8.count else { return false }
                fastReads += 1
                return strtodWhole(text)?.bitPattern != value.bitPattern
            }
        }
        #expect(disagreements.isEmpty, "differ from strtod on: \(disagreements.prefix(10))")
        #expect(fastReads > texts.count / 2, "only \(fastReads) of \(texts.count) read by the fast path")
    }

    /// The fused one-pass reader must give exactly what splitting each line
    /// and parsing each field gives, on lines made to trip it: quotes, spaces,
    /// tabs, carriage returns, blank lines, empty and missing fields, short
    /// and long rows, text, numbers only strtod reads, a delimiter at a line's end.
    @Test(arguments: [(",", true, ["", "NA", "?"]), (";", false, ["", "NA"]), ("\t", true, ["-999", "n/a"]), (".", true, [""]),
                      (",", true, ["0"])])
    func fusedReadingEqualsSplittingThenParsing(delimiter: String, trim: Bool, markers: [String]) {
        var random = SystemRandomNumberGenerator()
        let pieces = ["1", "-2.5", "0.000001", "12345678.87654321", "1e5", "1E-3", "-0", "+7", "NA", "?", "-999", "n/a", "0", "",
                      " 3 ", "  ", "\"4\"", "\"a,b\"", "\"x\"\"y\"", "abc", "1.2.3", "0x1A", "inf", "nan", "12345678901234567890123",
                      "1e400", "3\r", "\t5", "1 2", "7e", "5.", ".5", "1,5"]
        var text = ""
        for _ in 0..<400 {
            switch Int.random(in: 0..<12, using: &random) {
            case 0: text += "\n"
            case 1: text += "   \t \r\n"
            case 2: text += " " + (0..<3).map { _ in pieces.randomElement(using: &random)! }.joined(separator: delimiter) + "\n"
            default:
                let count = [3, 3, 3, 2, 4, 5].randomElement(using: &random)!
                text += (0..<count).map { _ in pieces.randomElement(using: &random)! }.joined(separator: delimiter)
                text += ["\n", "\r\n", delimiter + "\n", "\r\n"].randomElement(using: &random)!
            }
        }
        text += "9" + delimiter + "8\r"  // no final line feed
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { buffer in
            let splitter = LineSplitter(bytes: buffer, delimiter: Character(delimiter).asciiValue!, trim: trim)
            func scan(fused: Bool, parts: Int, columns: [Int]) -> [String] {
                let scanned = DelimitedScan.read(0..<buffer.count, splitter: splitter, columns: columns, expectedFields: 3,
                                                 missing: MissingMarkers(Set(markers)), parts: parts, fused: fused)
                let tallies = columns.indices.map { slot in
                    let tally = scanned.parts.reduce(into: ColumnTally()) { $0.add($1.tallies[slot]) }
                    return "\(tally.missing) \(tally.numbers) \(tally.notNumbers) \(tally.allWhole)"
                }
                return flattened(scanned) + tallies
            }
            for columns in [[0, 1, 2], [2, 0], [1, 4], [1, 1]] {
                let general = scan(fused: false, parts: 1, columns: columns)
                #expect(general.count > 300)
                for parts in [1, 3] {
                    let fused = scan(fused: true, parts: parts, columns: columns)
                    let firstDifference = zip(general, fused).first { $0 != $1 }
                    #expect(firstDifference == nil && fused.count == general.count, "columns \(columns), \(parts) parts: \(firstDifference.map { "\($0) vs \($1)" } ?? "counts differ")")
                }
            }
        }
    }

    /// Text columns come out as written, whether their texts repeat (shared
    /// strings) or are mostly distinct (the sharing gives up after 2,048), on
    /// both parts of a two-part read, with quoted and missing fields.
    @Test func textColumnsKeepEveryValue() throws {
        let categories = ["Private", "State-gov", "Not in universe", "Self-employed, incorporated", "ünïcode"]
        var expectedRepeated: [String] = [], expectedDistinct: [String] = []
        var text = "repeated,distinct,number\n"
        for row in 0..<6_000 {
            let category = categories[(row * 7) % categories.count]
            let repeated = row % 13 == 0 ? "" : category
            let distinct = row % 4 == 0 ? "shared" : "name \(row) \(row * 31)"
            expectedRepeated.append(repeated)
            expectedDistinct.append(distinct)
            let written = repeated.contains(",") ? "\"\(repeated)\"" : (repeated.isEmpty ? "NA" : repeated)
            text += "\(written),\(distinct),\(row)\n"
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("texts-\(UUID().uuidString).csv")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (table, rejected) = try DelimitedFile().read(file)
        #expect(rejected.isEmpty)
        guard case .string(let repeated)? = table["repeated"], case .string(let distinct)? = table["distinct"] else {
            Issue.record("expected two text columns")
            return
        }
        #expect(repeated == expectedRepeated)
        #expect(distinct == expectedDistinct)
    }

    /// Scanned numbers are kept as Floats; whole numbers a Float cannot hold
    /// (ids, timestamps) must still reach an integer column exactly, on every
    /// part, beside missing and small values.
    @Test func largeWholeNumbersStayExactInIntegerColumns() throws {
        var text = "timestamp,user,score\n"
        var expectedTimes: [Int64] = [], expectedUsers: [Int64] = []
        for row in 0..<5_000 {
            let time = Int64(1_700_000_000_123) + Int64(row) * 7_919
            let user = row % 3 == 0 ? Int64(row) : Int64(16_777_217) + Int64(row)  // half small, half just over 2^24
            expectedTimes.append(time)
            expectedUsers.append(user)
            text += "\(time),\(user),\(row % 11 == 0 ? "NA" : "\(Double(row) / 8)")\n"
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("wide-\(UUID().uuidString).csv")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (table, _) = try DelimitedFile().read(file)
        #expect(table["timestamp"] == .int(expectedTimes))
        #expect(table["user"] == .int(expectedUsers))
        guard case .float(let scores)? = table["score"] else {
            Issue.record("score should be a float column")
            return
        }
        #expect(scores.enumerated().allSatisfy { row, score in row % 11 == 0 ? score.bitPattern == Float.nan.bitPattern : score == Float(Double(row) / 8) })
    }

    /// A column declared int takes only whole numbers below 9e15: anything
    /// else would be truncated or rounded into a different integer (or trap),
    /// so its row is rejected, saying why; whole values stay exact.
    @Test func aDeclaredIntColumnRejectsWhatIsNotAWholeNumber() throws {
        let text = "id,score\n16777217,1\n1.5,2\n9223372036854775000,3\nnan,4\n8999999999999999,5\n"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ints-\(UUID().uuidString).csv")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        var reader = DelimitedFile()
        reader.declaredTypes = ["id": .int]
        let (table, rejected) = try reader.read(file)
        #expect(table["id"] == .int([16_777_217, 8_999_999_999_999_999]))
        #expect(rejected.map(\.line) == [3, 4, 5])
        #expect(rejected.allSatisfy { $0.reason.contains("column 'id'") && $0.reason.contains("not a whole number") })
    }

    @Test func aColumnSelectedTwiceIsAnError() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("twice-\(UUID().uuidString).csv")
        try "a,b\n1,2\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        var reader = DelimitedFile()
        reader.select = ["a", "b", "a"]
        do {
            _ = try reader.read(file)
            Issue.record("a column selected twice was read")
        } catch {
            #expect("\(error)".contains("column 'a' is selected twice"))
        }
    }
}
