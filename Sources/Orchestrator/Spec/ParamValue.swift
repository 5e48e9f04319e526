import Foundation

/// A parameter value from YAML or the command line, typed the way YAML 1.1
/// resolves plain scalars (`3` is an int, `"3"` is a string).
public indirect enum ParamValue: Hashable, Sendable {
    case string(String)
    case int(Int)
    case float(Double)
    case bool(Bool)
    case null
    case list([ParamValue])
    /// Keys kept in file order; equality and hashing use the canonical form.
    case map([(key: String, value: ParamValue)])

    public static func == (lhs: ParamValue, rhs: ParamValue) -> Bool {
        lhs.canonicalJSON == rhs.canonicalJSON
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(canonicalJSON)
    }

    public var typeName: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .float: "float"
        case .bool: "bool"
        case .null: "null"
        case .list: "list"
        case .map: "map"
        }
    }

    /// Numbers for range checks; an int is also a float.
    public var number: Double? {
        switch self {
        case .int(let value): Double(value)
        case .float(let value): value
        default: nil
        }
    }

    /// The text put into a command line or an environment variable.
    public var plainText: String {
        switch self {
        case .string(let value): value
        case .int(let value): String(value)
        case .float(let value): ParamValue.format(value)
        case .bool(let value): value ? "true" : "false"
        case .null: ""
        case .list, .map: canonicalJSON
        }
    }

    /// A deterministic JSON text: map keys sorted, floats in shortest
    /// round-trip form. This is what stage keys hash.
    public var canonicalJSON: String {
        switch self {
        case .string(let value): ParamValue.quote(value)
        case .int(let value): String(value)
        case .float(let value): value.isFinite ? ParamValue.format(value) : ParamValue.quote(String(value))
        case .bool(let value): value ? "true" : "false"
        case .null: "null"
        case .list(let items): "[" + items.map(\.canonicalJSON).joined(separator: ",") + "]"
        case .map(let pairs):
            "{" + pairs.sorted { $0.key < $1.key }
                .map { ParamValue.quote($0.key) + ":" + $0.value.canonicalJSON }
                .joined(separator: ",") + "}"
        }
    }

    /// Parses a command-line value the way YAML would read it as a plain scalar.
    public static func parsingScalar(_ text: String) -> ParamValue {
        let lower = text.lowercased()
        if ["true", "yes", "on"].contains(lower) { return .bool(true) }
        if ["false", "no", "off"].contains(lower) { return .bool(false) }
        if ["null", "~", ""].contains(lower) { return .null }
        if let value = Int(text) { return .int(value) }
        if let value = Double(text), text.contains(where: { ".eE".contains($0) }) { return .float(value) }
        return .string(text)
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(format: "%.1f", value) }
        return "\(value)"
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension ParamValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .string(let value): value
        default: canonicalJSON
        }
    }
}
