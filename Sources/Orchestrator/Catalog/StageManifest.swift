import Foundation

/// The declared type of a stage parameter.
public enum ParamType: String, Sendable, CaseIterable {
    case string, int, float, bool, list, map

    /// Whether `value` is acceptable; an int is accepted where a float is declared.
    public func accepts(_ value: ParamValue) -> Bool {
        switch (self, value) {
        case (.string, .string), (.int, .int), (.float, .float), (.float, .int),
             (.bool, .bool), (.list, .list), (.map, .map):
            true
        default:
            false
        }
    }

    /// Converts an int to a float where a float is declared, so that `lr: 1`
    /// and `lr: 1.0` make the same stage key.
    public func normalize(_ value: ParamValue) -> ParamValue {
        if self == .float, case .int(let number) = value { return .float(Double(number)) }
        return value
    }
}

/// One parameter of a stage, as its manifest declares it.
public struct ParamDeclaration: Sendable {
    public var name: String
    public var type: ParamType
    /// nil means the parameter is required.
    public var defaultValue: ParamValue?
    public var minimum: Double?
    public var maximum: Double?
    public var allowed: [ParamValue]?
    public var doc: String

    public var isRequired: Bool { defaultValue == nil }
}

/// A declared input or output of a stage.
public struct PortDeclaration: Sendable {
    public var name: String
    /// What the artifact is: table, model, file, folder, json, csv...
    public var type: String
    public var doc: String
    public var optional: Bool
}

/// How a catalog stage does its work.
public enum StageImplementation: Sendable, Equatable {
    /// A Swift implementation compiled into mtrec, found by name.
    case builtin(String)
    /// An external command with `{inputs.X}`, `{outputs.X}`, `{params.X}` placeholders.
    case command(CommandTemplate)
}

/// A stage in the catalog: the single source of truth for its interface.
public struct StageManifest: Sendable {
    public var name: String
    public var version: Int
    public var description: String
    public var implementation: StageImplementation
    public var inputs: [PortDeclaration]
    public var outputs: [PortDeclaration]
    public var params: [ParamDeclaration]
    /// Where the manifest came from: "built-in" or a file path.
    public var origin: String

    public func param(_ name: String) -> ParamDeclaration? { params.first { $0.name == name } }
    public func input(_ name: String) -> PortDeclaration? { inputs.first { $0.name == name } }
}
