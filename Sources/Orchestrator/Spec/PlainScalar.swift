import Yams

/// The type YAML 1.1 gives an unquoted scalar: the same rules as Yams's
/// default resolver (bool, int, float, null; anything else is text), written
/// as character tests. Yams runs one regular expression per rule for every
/// scalar, which made parsing the built-in manifests most of a no-op rerun's
/// time; files are therefore composed with no resolver and typed here, once,
/// where a value is needed.
enum PlainScalar {
    enum Kind: Equatable {
        case bool, int, float, null, string
    }

    static func kind(of text: String) -> Kind {
        if bools.contains(text) { return .bool }
        let bytes = Array(text.utf8)
        if isInt(bytes) { return .int }
        if specialFloats.contains(text) || isFloat(bytes) { return .float }
        if nulls.contains(text) { return .null }
        return .string
    }

    /// A scalar node's typed value; quoted scalars are always text.
    static func value(of node: Node) -> ParamValue {
        guard case .scalar(let scalar) = node else { return .null }
        switch kind(of: node) {
        case .int: return node.int.map(ParamValue.int) ?? .string(scalar.string)
        case .float: return node.float.map(ParamValue.float) ?? .string(scalar.string)
        case .bool: return node.bool.map(ParamValue.bool) ?? .string(scalar.string)
        case .null: return .null
        case .string: return .string(scalar.string)
        }
    }

    /// The kind of a scalar node: quoted scalars are always text.
    static func kind(of node: Node) -> Kind {
        guard case .scalar(let scalar) = node else { return .string }
        return scalar.style == .plain ? kind(of: scalar.string) : .string
    }

    private static let bools: Set<String> = [
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF",
    ]
    private static let nulls: Set<String> = ["", "~", "null", "Null", "NULL"]
    private static let specialFloats: Set<String> = [
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN",
    ]

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    private static func isHex(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }

    /// Index after an optional leading sign.
    private static func afterSign(_ bytes: [UInt8]) -> Int {
        bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") ? 1 : 0
    }

    /// True when every byte from `start` on passes `test` and there is at least one.
    private static func allFrom(_ start: Int, _ bytes: [UInt8], _ test: (UInt8) -> Bool) -> Bool {
        start < bytes.count && bytes[start...].allSatisfy(test)
    }

    /// 0b1010, 0o17 or 017, 0, 12_000, 0xff, 1:30 (base 60).
    private static func isInt(_ bytes: [UInt8]) -> Bool {
        let start = afterSign(bytes)
        let digits = bytes[start...]
        guard let first = digits.first else { return false }
        let underscore = UInt8(ascii: "_")
        if first == UInt8(ascii: "0") {
            if digits.count == 1 { return true }
            let marker = bytes[start + 1]
            if marker == UInt8(ascii: "b") { return allFrom(start + 2, bytes) { $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "1") || $0 == underscore } }
            if marker == UInt8(ascii: "x") { return allFrom(start + 2, bytes) { isHex($0) || $0 == underscore } }
            let octal = marker == UInt8(ascii: "o") ? start + 2 : start + 1
            return allFrom(octal, bytes) { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7")) || $0 == underscore }
        }
        guard first >= UInt8(ascii: "1") && first <= UInt8(ascii: "9") else { return false }
        var index = start + 1
        while index < bytes.count, isDigit(bytes[index]) || bytes[index] == underscore { index += 1 }
        if index == bytes.count { return true }
        return sexagesimalTailEnd(bytes, from: index) == bytes.count
    }

    /// The index after one or more base-60 groups (":d", or ":dd" from 00 to
    /// 59) starting at `start`; nil when there is none or one is malformed.
    private static func sexagesimalTailEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start, groups = 0
        while index < bytes.count, bytes[index] == UInt8(ascii: ":") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { return nil }
            if index + 1 < bytes.count, isDigit(bytes[index + 1]) {
                guard bytes[index] <= UInt8(ascii: "5") else { return nil }
                index += 2
            } else {
                index += 1
            }
            groups += 1
        }
        return groups > 0 ? index : nil
    }

    /// 1.5, 1e3, 2., .5, 1:30.5 (base 60); the named values are in `specialFloats`.
    private static func isFloat(_ bytes: [UInt8]) -> Bool {
        let underscore = UInt8(ascii: "_"), dot = UInt8(ascii: ".")
        func digitsOrUnderscores(from start: Int) -> Int {
            var index = start
            while index < bytes.count, isDigit(bytes[index]) || bytes[index] == underscore { index += 1 }
            return index
        }
        // .5 or .5e+3: no sign, and the exponent must carry one.
        if bytes.first == dot {
            var index = digitsOrUnderscores(from: 1)
            guard index > 1 else { return false }
            if index < bytes.count {
                guard bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E"), index + 1 < bytes.count,
                      bytes[index + 1] == UInt8(ascii: "-") || bytes[index + 1] == UInt8(ascii: "+") else { return false }
                index += 2
                return allFrom(index, bytes, isDigit)
            }
            return true
        }
        let start = afterSign(bytes)
        guard start < bytes.count, isDigit(bytes[start]) else { return false }
        var index = digitsOrUnderscores(from: start + 1)
        // Base 60 with a fraction: 1:30.5
        if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
            guard let end = sexagesimalTailEnd(bytes, from: index), end < bytes.count, bytes[end] == dot else { return false }
            return digitsOrUnderscores(from: end + 1) == bytes.count
        }
        if index < bytes.count, bytes[index] == dot { index = digitsOrUnderscores(from: index + 1) }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
            return allFrom(index, bytes, isDigit)
        }
        return index == bytes.count
    }
}
