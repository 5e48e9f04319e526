import Foundation

/// Where a stage input comes from.
public enum InputSource: Sendable, Equatable {
    /// Another stage's output: this is a DAG edge.
    case upstream(stage: String, output: String)
    /// A file or folder from outside the pipeline, hashed by content.
    case external(URL)
}

public struct ResolvedInput: Sendable, Equatable {
    public var name: String
    public var source: InputSource
}

/// What a stage runs, as far as the cache is concerned.
public enum StageDefinition: Sendable, Equatable {
    /// `command:` written in the pipeline.
    case inlineCommand(CommandTemplate)
    /// `uses:` a catalog manifest.
    case manifest(name: String, version: Int, implementation: StageImplementation)

    public var commandTemplate: CommandTemplate? {
        switch self {
        case .inlineCommand(let template): template
        case .manifest(_, _, .command(let template)): template
        case .manifest(_, _, .builtin): nil
        }
    }

    /// "uses: NAME" or "command: TEXT", for reports.
    public var summary: String {
        switch self {
        case .inlineCommand(let template): "command: \(template.display)"
        case .manifest(let name, let version, _): "uses: \(name)@\(version)"
        }
    }
}

/// A stage after validation: params complete and typed, inputs classified.
public struct ResolvedStage: Sendable {
    public var name: String
    public var description: String?
    public var definition: StageDefinition
    /// Every param with its value (defaults filled in), sorted by name.
    public var params: [(name: String, value: ParamValue)]
    public var inputs: [ResolvedInput]
    public var outputs: [String]
    /// Outputs holding metrics (JSON): a manifest's outputs of type `metrics`,
    /// or a command stage's output named `metrics`.
    public var metricsOutputs: [String] = []
    public var after: [String]
    public var location: SourceLocation
    /// What the stage asks of a cluster's machine; nil when the file says nothing.
    public var resources: StageResources?

    /// Stages this one waits for: those it reads from, then `after`.
    public var dependencies: [String] {
        var seen: Set<String> = []
        var result: [String] = []
        for input in inputs {
            if case .upstream(let stage, _) = input.source, seen.insert(stage).inserted { result.append(stage) }
        }
        for stage in after where seen.insert(stage).inserted { result.append(stage) }
        return result
    }

    public func param(_ name: String) -> ParamValue? { params.first { $0.name == name }?.value }

    /// The params a stage job carries.
    public var paramValues: [String: ParamValue] {
        Dictionary(params.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }
}

public struct ResolvedPublish: Sendable {
    public var destination: String
    public var stage: String
    public var output: String
}

/// A pipeline that passed validation and is ready to plan and run.
public struct ResolvedPipeline: Sendable {
    public var name: String
    public var file: URL
    /// The file as named in diagnostics and reports.
    public var fileDisplay: String
    public var directory: URL
    public var params: [(name: String, value: ParamValue)]
    /// In file order.
    public var stages: [ResolvedStage]
    public var publish: [ResolvedPublish]
    public var gates: [Gate] = []

    public func stage(_ name: String) -> ResolvedStage? { stages.first { $0.name == name } }
}
