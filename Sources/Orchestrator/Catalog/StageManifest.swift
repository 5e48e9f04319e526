import Foundation

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
    /// What the value (a list's elements, a map's keys) names upstream.
    public var refers: NameReference?
    /// What a map's values name upstream.
    public var valuesRefer: NameReference?

    public var isRequired: Bool { defaultValue == nil }
}

/// A declared input or output of a stage.
public struct PortDeclaration: Sendable {
    public var name: String
    /// What the artifact is: table, model, file, folder, json, csv...
    public var type: String
    public var doc: String
    public var optional: Bool
    /// What is known of an output before running (its tasks, its columns).
    public var facts = OutputFacts()
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
