import Foundation
import Yams

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

    /// Parses a command-line value by the same rules as an unquoted YAML
    /// scalar, so `--set x=yEs` is the text a file's `x: yEs` would be.
    public static func parsingScalar(_ text: String) -> ParamValue {
        // A quoted value is text, as in YAML: --set x="'007'" keeps the zeros.
        if text.count >= 2, let first = text.first, first == "'" || first == "\"", text.last == first {
            let inner = String(text.dropFirst().dropLast())
            return .string(first == "'" ? inner.replacingOccurrences(of: "''", with: "'") : inner)
        }
        return PlainScalar.value(of: .scalar(.init(text, .implicit, .plain)))
    }

    /// The text `--set` reads back as this value (quoted when plain text
    /// would read as another type); nil for a list or a map.
    public var setText: String? {
        switch self {
        case .list, .map: return nil
        case .string(let text):
            return ParamValue.parsingScalar(text) == self ? text : "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
        default: return plainText
        }
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(format: "%.1f", value) }
        return "\(value)"
    }

    /// `text` as a JSON string literal.
    public static func quote(_ text: String) -> String {
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

/// Stage jobs carry params as JSON. Each value names its type (`{"int": 3}`,
/// `{"float": 1.0}`) because plain JSON cannot tell `1.0` from `1`, and a
/// map keeps its keys in file order, so a value reaches its stage exactly as
/// the validator typed it.
extension ParamValue: Codable {
    private enum Tag: String, CodingKey {
        case string, int, float, bool, null, list, map
    }

    private struct Pair: Codable {
        var key: String
        var value: ParamValue
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Tag.self)
        switch self {
        case .string(let value): try container.encode(value, forKey: .string)
        case .int(let value): try container.encode(value, forKey: .int)
        case .float(let value):
            // JSON has no NaN or infinity; their text round-trips through Double(_:).
            if value.isFinite { try container.encode(value, forKey: .float) } else { try container.encode(String(value), forKey: .float) }
        case .bool(let value): try container.encode(value, forKey: .bool)
        case .null: try container.encode(true, forKey: .null)
        case .list(let items): try container.encode(items, forKey: .list)
        case .map(let pairs): try container.encode(pairs.map { Pair(key: $0.key, value: $0.value) }, forKey: .map)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Tag.self)
        guard let tag = container.allKeys.first, container.allKeys.count == 1 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a param value has exactly one type tag"))
        }
        switch tag {
        case .string: self = .string(try container.decode(String.self, forKey: .string))
        case .int: self = .int(try container.decode(Int.self, forKey: .int))
        case .float:
            if let text = try? container.decode(String.self, forKey: .float), let value = Double(text) {
                self = .float(value)
            } else {
                self = .float(try container.decode(Double.self, forKey: .float))
            }
        case .bool: self = .bool(try container.decode(Bool.self, forKey: .bool))
        case .null: self = .null
        case .list: self = .list(try container.decode([ParamValue].self, forKey: .list))
        case .map: self = .map(try container.decode([Pair].self, forKey: .map).map { ($0.key, $0.value) })
        }
    }
}
