import Dispatch
import Foundation

/// Turns the scanned numbers of the kept rows into table columns: Int64 for
/// `asIntegers` (exact, from the part's wide values where a Float is not),
/// Float (NaN where missing) for the other slots. Each part fills its own
/// range of rows in every column, all parts at once.
enum NumericColumns {
    static func build(_ scan: DelimitedScan, kept: [[Int]], slots: [Int], asIntegers: Set<Int>) -> [Int: Column] {
        var starts = [0]
        for rows in kept { starts.append(starts.last! + rows.count) }
        let offsets = starts, total = starts.last!
        let work = ColumnBuffers(floats: slots.map { asIntegers.contains($0) ? nil : .allocate(capacity: max(total, 1)) },
                                 integers: slots.map { asIntegers.contains($0) ? .allocate(capacity: max(total, 1)) : nil })
        defer {
            work.floats.forEach { $0?.deallocate() }
            work.integers.forEach { $0?.deallocate() }
        }
        DispatchQueue.concurrentPerform(iterations: kept.count) { part in
            let rows = scan.parts[part], columns = rows.columns
            rows.values.withUnsafeBufferPointer { values in
                // Row by row, as the values lie; `wide` walks the exact values in the same order.
                var wide = 0
                for (position, row) in kept[part].enumerated() {
                    let at = offsets[part] + position, base = row * columns
                    for (output, slot) in slots.enumerated() {
                        if let floats = work.floats[output] {
                            // A missing field (a NaN with a payload) becomes the plain NaN, as any NaN read does.
                            let value = values[base + slot]
                            floats[at] = value.isNaN ? .nan : value
                        } else {
                            let exact = rows.exactValue(at: base + slot, searchingFrom: wide)
                            wide = exact.next
                            work.integers[output]![at] = Int64(exact.value)
                        }
                    }
                }
            }
        }
        // The columns become arrays on every core too: a copy of the whole table.
        let made = ParallelResults<Column>(count: slots.count, initial: .float([]))
        DispatchQueue.concurrentPerform(iterations: slots.count) { output in
            if let floats = work.floats[output] {
                made.store(.float(Array(UnsafeBufferPointer(start: floats, count: total))), at: output)
            } else {
                made.store(.int(Array(UnsafeBufferPointer(start: work.integers[output]!, count: total))), at: output)
            }
        }
        return Dictionary(uniqueKeysWithValues: zip(slots, made.take()))
    }
}

/// The output columns the part threads write; part `i` writes only its own range of rows.
private struct ColumnBuffers: @unchecked Sendable {
    let floats: [UnsafeMutablePointer<Float>?]
    let integers: [UnsafeMutablePointer<Int64>?]
}
