import Foundation

/// Reads whole fields as numbers. Holds its power-of-ten table, so the hot
/// loop touches no lazily initialised global.
struct NumberReader {
    private let powersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

    /// The bytes a plain decimal is written with.
    static let plainDecimalBytes = Set("0123456789+-.eE".utf8)

    /// The whole field as a number (what strtod reads when it reads all of
    /// it), nil when it is not one. Plain decimals are converted here: with at
    /// most 19 digits, a mantissa below 2^53 and a power of ten up
    /// to 22, one multiplication or division of exact doubles is correctly
    /// rounded (Clinger 1990), so the result equals strtod's. Anything else
    /// (longer numbers, hex, inf, nan) goes to strtod itself.
    func number(_ field: UnsafeBufferPointer<UInt8>) -> Double? {
        guard !field.isEmpty, field.count < 64 else { return nil }
        if let value = plainDecimal(field) { return value }
        // A letter that cannot start "inf", "infinity" or "nan": text, not a number.
        let first = field[0] | 0x20
        if first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z") {
            // Only "inf...", "nan..." (any case) can be a number that starts with a letter.
            guard field.count >= 3 else { return nil }
            let start = (first, field[1] | 0x20, field[2] | 0x20)
            guard start == (UInt8(ascii: "i"), UInt8(ascii: "n"), UInt8(ascii: "f")) || start == (UInt8(ascii: "n"), UInt8(ascii: "a"), UInt8(ascii: "n"))
            else { return nil }
        }
        return withStrtod(field)
    }

    private func plainDecimal(_ field: UnsafeBufferPointer<UInt8>) -> Double? {
        guard let (value, end) = plainDecimalPrefix(field.baseAddress!, 0, field.count), end == field.count else { return nil }
        return value
    }

    /// A plain decimal starting at `start`, read up to the first byte that
    /// cannot continue it (never past `limit`): its value and where it
    /// stopped. Nil where only strtod can say (no digits, more than 19, an
    /// exponent without digits, a value beyond the exact range). A whole
    /// field is a plain decimal when the read stops at the field's end.
    func plainDecimalPrefix(_ bytes: UnsafePointer<UInt8>, _ start: Int, _ limit: Int) -> (value: Double, end: Int)? {
        var index = start, negative = false
        if index < limit, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        // Digits before and after the point, all into one mantissa; more than
        // 19 of them (leading zeros included) could overflow it: strtod's case.
        var mantissa: UInt64 = 0
        let integerStart = index
        readDigits(bytes, &index, limit, into: &mantissa)
        var digits = index - integerStart, exponent = 0
        if index < limit, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            readDigits(bytes, &index, limit, into: &mantissa)
            exponent = fractionStart - index
            digits += index - fractionStart
        }
        guard digits > 0, digits <= 19 else { return nil }
        if index < limit, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            var exponentNegative = false
            if index < limit, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            let exponentStart = index
            var written = 0
            while index < limit, bytes[index] &- 48 < 10, index - exponentStart < 4 {
                written = written * 10 + Int(bytes[index] &- 48)
                index += 1
            }
            guard index > exponentStart else { return nil }
            exponent += exponentNegative ? -written : written
        }
        if mantissa == 0 { return (negative ? -0.0 : 0.0, index) }
        guard mantissa <= 1 << 53, exponent >= -22, exponent <= 22 else { return nil }
        let magnitude = exponent >= 0 ? Double(mantissa) * powersOfTen[exponent] : Double(mantissa) / powersOfTen[-exponent]
        return (negative ? -magnitude : magnitude, index)
    }

    /// Appends the decimal digits at `index` to `mantissa` (wrapping: the
    /// caller refuses more than 19 digits) and moves `index` past them. Eight
    /// bytes at a time where eight remain before `limit`: which of them are
    /// digits and their value come from a few word operations, not a loop.
    @inline(__always)
    private func readDigits(_ bytes: UnsafePointer<UInt8>, _ index: inout Int, _ limit: Int, into mantissa: inout UInt64) {
        while index + 8 <= limit {
            let word = UInt64(littleEndian: UnsafeRawPointer(bytes + index).loadUnaligned(as: UInt64.self))
            // Per byte, nonzero where it is not '0'...'9': its high nibble is not 3, or its low nibble is over 9.
            let notDigit = ((word & 0xF0F0_F0F0_F0F0_F0F0) ^ 0x3030_3030_3030_3030)
                | (((word & 0x0F0F_0F0F_0F0F_0F0F) &+ 0x0606_0606_0606_0606) & 0x1010_1010_1010_1010)
            let flags = (((notDigit & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | notDigit) & 0x8080_8080_8080_8080
            let count = flags.trailingZeroBitCount / 8  // 64 / 8 = 8 when all are digits
            guard count > 0 else { return }
            // The first digit is the lowest byte; shifted up, the bytes left below are leading zeros.
            var value = (word & 0x0F0F_0F0F_0F0F_0F0F) << (8 * (8 - count))
            value = (value &* 2561) >> 8 & 0x00FF_00FF_00FF_00FF
            value = (value &* 6_553_601) >> 16 & 0x0000_FFFF_0000_FFFF
            value = (value &* 42_949_672_960_001) >> 32
            mantissa = mantissa &* Self.integerPowersOfTen[count] &+ value
            index += count
            guard count == 8 else { return }
        }
        while index < limit, bytes[index] &- 48 < 10 {
            mantissa = mantissa &* 10 &+ UInt64(bytes[index] &- 48)
            index += 1
        }
    }

    private static let integerPowersOfTen: [UInt64] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000]

    private func withStrtod(_ field: UnsafeBufferPointer<UInt8>) -> Double? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            for (index, byte) in field.enumerated() { buffer[index] = CChar(bitPattern: byte) }
            buffer[field.count] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            let value = strtod(buffer.baseAddress!, &end)
            return end == buffer.baseAddress! + field.count ? value : nil
        }
    }
}
