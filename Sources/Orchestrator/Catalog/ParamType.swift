import Foundation

/// The declared type of a stage parameter, elements included:
/// `int`, `list<string>`, `map<string, float>`. `number` is another name for
/// `float`; a bare `list` or `map` takes elements of any type.
public indirect enum ParamType: Sendable, Equatable {
    case string, int, float, bool
    /// Elements of the given type, or of any type when nil.
    case list(ParamType?)
    /// Text keys; values of the given type, or of any type when nil.
    case map(ParamType?)

    public static let grammar = "string, int, float (or number), bool, list, list<T>, map, map<string, T>"

    public init?(parsing text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        switch text {
        case "string": self = .string
        case "int": self = .int
        case "float", "number": self = .float
        case "bool": self = .bool
        case "list": self = .list(nil)
        case "map": self = .map(nil)
        default:
            guard text.hasSuffix(">"), let open = text.firstIndex(of: "<") else { return nil }
            let inner = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
            switch text[..<open] {
            case "list":
                guard let element = ParamType(parsing: inner) else { return nil }
                self = .list(element)
            case "map":
                guard let comma = inner.firstIndex(of: ","),
                      inner[..<comma].trimmingCharacters(in: .whitespaces) == "string",
                      let element = ParamType(parsing: String(inner[inner.index(after: comma)...])) else { return nil }
                self = .map(element)
            default:
                return nil
            }
        }
    }

    /// The type as a manifest writes it.
    public var name: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .float: "float"
        case .bool: "bool"
        case .list(nil): "list"
        case .list(let element?): "list<\(element.name)>"
        case .map(nil): "map"
        case .map(let element?): "map<string, \(element.name)>"
        }
    }

    /// The scalar type at the bottom of a list or map, which `enum` constrains.
    public var scalar: ParamType? {
        switch self {
        case .list(let element), .map(let element): element?.scalar
        default: self
        }
    }

    /// Whether the outer shape of `value` fits; an int is accepted where a float is declared.
    public func accepts(_ value: ParamValue) -> Bool {
        switch (self, value) {
        case (.string, .string), (.int, .int), (.float, .float), (.float, .int), (.bool, .bool), (.list, .list), (.map, .map):
            true
        default:
            false
        }
    }

    /// Each place inside `value` that does not fit, as (path, problem); the
    /// path is `[2]` for a list element and `.key` for a map value.
    public func mismatches(in value: ParamValue, path: String = "") -> [(path: String, problem: String)] {
        guard accepts(value) else {
            return [(path, "must be \(Self.article(name)) \(name), got \(value.typeName) \(value.canonicalJSON)")]
        }
        switch (self, value) {
        case (.list(let element?), .list(let items)):
            return items.enumerated().flatMap { element.mismatches(in: $1, path: path + "[\($0)]") }
        case (.map(let element?), .map(let pairs)):
            return pairs.flatMap { element.mismatches(in: $0.value, path: path + "." + $0.key) }
        default:
            return []
        }
    }

    /// Converts ints to floats wherever a float is declared, so that `lr: 1`
    /// and `lr: 1.0` make the same stage key and reach the stage alike.
    public func normalize(_ value: ParamValue) -> ParamValue {
        switch (self, value) {
        case (.float, .int(let number)): .float(Double(number))
        case (.list(let element?), .list(let items)): .list(items.map { element.normalize($0) })
        case (.map(let element?), .map(let pairs)): .map(pairs.map { ($0.key, element.normalize($0.value)) })
        default: value
        }
    }

    static func article(_ word: String) -> String {
        word.first.map { "aeiou".contains($0) } == true ? "an" : "a"
    }
}
