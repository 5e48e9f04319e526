import Foundation

/// Reads whole fields as numbers. Holds its power-of-ten table, so the hot
/// loop touches no lazily initialised global.
struct NumberReader {
    private let powersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

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
        if first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z"), first != UInt8(ascii: "i"), first != UInt8(ascii: "n") { return nil }
        return withStrtod(field)
    }

    private func plainDecimal(_ field: UnsafeBufferPointer<UInt8>) -> Double? {
        let bytes = field.baseAddress!, count = field.count
        var index = 0, negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        // Digits before and after the point, all into one mantissa; more than
        // 19 of them (leading zeros included) could overflow it: strtod's case.
        var mantissa: UInt64 = 0
        let integerStart = index
        while index < count, bytes[index] &- 48 < 10 {
            mantissa = mantissa &* 10 &+ UInt64(bytes[index] &- 48)
            index += 1
        }
        var digits = index - integerStart, exponent = 0
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < count, bytes[index] &- 48 < 10 {
                mantissa = mantissa &* 10 &+ UInt64(bytes[index] &- 48)
                index += 1
            }
            exponent = fractionStart - index
            digits += index - fractionStart
        }
        guard digits > 0, digits <= 19 else { return nil }
        if index < count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            var exponentNegative = false
            if index < count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            let exponentStart = index
            var written = 0
            while index < count, bytes[index] &- 48 < 10, index - exponentStart < 4 {
                written = written * 10 + Int(bytes[index] &- 48)
                index += 1
            }
            guard index > exponentStart else { return nil }
            exponent += exponentNegative ? -written : written
        }
        guard index == count else { return nil }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        guard mantissa <= 1 << 53, exponent >= -22, exponent <= 22 else { return nil }
        let magnitude = exponent >= 0 ? Double(mantissa) * powersOfTen[exponent] : Double(mantissa) / powersOfTen[-exponent]
        return negative ? -magnitude : magnitude
    }

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
