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
                     "4e0004", "4e00004", "123456789012345678", "0.0000000000000000000001"]
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
                "\(scan.linesBefore[index] + part.lines[row]) \(part.rowStarts[row]) \(part.fieldCounts[row]) "
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
            #expect(whole[0] == "2 3 3 number:1.0,notANumber:0.0,number:0.25")
            #expect(whole.last!.hasSuffix("2 notANumber:0.0,missing:0.0,missing:0.0"))
        }
    }
}
