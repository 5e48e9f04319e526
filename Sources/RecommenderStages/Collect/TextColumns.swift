import Dispatch
import Foundation

/// Builds the text columns of the kept rows, each part's rows at the same
/// time. A text that repeats (a category, a country) is made into a String
/// once per part and shared, so a column of a million "Private" allocates
/// one string, not a million.
enum TextColumns {
    /// Per text slot, the column's values in file order ("" where missing).
    static func build(_ rows: DelimitedFile.ScannedRows, kept: [[Int]], slots: [Int]) -> [[String]] {
        guard !slots.isEmpty else { return [] }
        let wanted = rows.layout.wanted
        let results = ParallelResults<[[String]]>(count: kept.count, initial: []), shared = SharedRows(rows: rows)
        DispatchQueue.concurrentPerform(iterations: kept.count) { part in
            let rows = shared.rows
            let scanned = rows.scan.parts[part], bytes = rows.splitter.bytes
            var columns = slots.map { _ in [String]() }
            for index in columns.indices { columns[index].reserveCapacity(kept[part].count) }
            var interners = slots.map { _ in TextInterner() }
            var fields: [FieldSpan] = []
            for row in kept[part] {
                rows.splitter.split(scanned.rowStarts[row], scanned.rowEnds[row], into: &fields)
                for (text, slot) in slots.enumerated() {
                    // The scan saw this row with enough fields; the bytes are the same ones, read again.
                    guard wanted[slot] < fields.count, scanned.kind(row: row, slot: slot) != .missing else {
                        columns[text].append("")
                        continue
                    }
                    let field = fields[wanted[slot]]
                    columns[text].append(field.unquoted ?? interners[text].text(bytes, field.start, field.end))
                }
            }
            results.store(columns, at: part)
        }
        let byPart = results.take()
        return slots.indices.map { text in byPart.flatMap { $0[text] } }
    }
}

/// One String per distinct text seen, while texts repeat; a column whose
/// texts are mostly distinct (names, free text) stops looking them up. An
/// open-addressing table keyed by the text's bytes in the file (valid for
/// the read), hashed a word at a time: cheaper than Hasher's SipHash here.
private struct TextInterner {
    private struct Entry {
        var start = 0, end = 0
        var text: String? = nil
    }

    private var entries = [Entry](repeating: Entry(), count: 256)
    private var stored = 0, looked = 0
    private var active = true

    mutating func text(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        let span = UnsafeBufferPointer(rebasing: bytes[start..<end])
        guard active else { return String(decoding: span, as: UTF8.self) }
        looked += 1
        if looked == 2_048, stored > looked / 2 {
            active = false
            entries = []
            return String(decoding: span, as: UTF8.self)
        }
        let mask = entries.count - 1
        var slot = Self.hash(span) & mask
        while let known = entries[slot].text {
            let entry = entries[slot]
            if entry.end - entry.start == span.count, span.isEmpty || memcmp(bytes.baseAddress! + entry.start, span.baseAddress!, span.count) == 0 {
                return known
            }
            slot = (slot + 1) & mask
        }
        let made = String(decoding: span, as: UTF8.self)
        entries[slot] = Entry(start: start, end: end, text: made)
        stored += 1
        if stored * 2 > entries.count { grow(bytes) }
        return made
    }

    private mutating func grow(_ bytes: UnsafeBufferPointer<UInt8>) {
        let old = entries
        entries = [Entry](repeating: Entry(), count: old.count * 2)
        let mask = entries.count - 1
        for entry in old where entry.text != nil {
            var slot = Self.hash(UnsafeBufferPointer(rebasing: bytes[entry.start..<entry.end])) & mask
            while entries[slot].text != nil { slot = (slot + 1) & mask }
            entries[slot] = entry
        }
    }

    /// A multiply-and-rotate hash over 8-byte words (the tail zero-padded).
    private static func hash(_ span: UnsafeBufferPointer<UInt8>) -> Int {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(span.count)
        guard let start = span.baseAddress else { return Int(truncatingIfNeeded: hash) }
        var index = 0
        while index + 8 <= span.count {
            let word = UnsafeRawPointer(start + index).loadUnaligned(as: UInt64.self)
            hash = ((hash ^ word) &* 0xFF51_AFD7_ED55_8CCD).rotated(by: 29)
            index += 8
        }
        if index < span.count {
            var word: UInt64 = 0
            for offset in 0..<(span.count - index) { word |= UInt64(start[index + offset]) << (8 * offset) }
            hash = ((hash ^ word) &* 0xFF51_AFD7_ED55_8CCD).rotated(by: 29)
        }
        return Int(truncatingIfNeeded: hash ^ (hash >> 32))
    }
}

/// The scanned rows the part threads read (and never change).
private struct SharedRows: @unchecked Sendable {
    let rows: DelimitedFile.ScannedRows
}

private extension UInt64 {
    func rotated(by count: UInt64) -> UInt64 { (self << count) | (self >> (64 - count)) }
}
