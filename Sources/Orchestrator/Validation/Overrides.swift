/// A `--set target.key=value` from the command line.
public struct Override: Sendable, Equatable {
    /// "params" for pipeline params, otherwise a stage name.
    public var target: String
    public var key: String
    public var value: ParamValue

    public init(target: String, key: String, value: ParamValue) {
        self.target = target
        self.key = key
        self.value = value
    }

    /// Diagnostics about an override point at the argument itself.
    var location: SourceLocation {
        SourceLocation(file: "--set \(target).\(key)=\(value.plainText)", line: 0, column: 0)
    }

    /// Parses `stage.key=value` or `params.key=value`.
    public init?(parsing text: String) {
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let path = text[..<equals]
        guard let dot = path.firstIndex(of: "."), dot != path.startIndex, path.index(after: dot) != path.endIndex else { return nil }
        target = String(path[..<dot])
        key = String(path[path.index(after: dot)...])
        value = ParamValue.parsingScalar(String(text[text.index(after: equals)...]))
    }

    public static let syntax = "expected STAGE.KEY=VALUE or params.KEY=VALUE"
}

extension PipelineSpec {
    /// Applies `--set` overrides; a target that names no stage is an error.
    mutating func apply(_ overrides: [Override], diagnostics: inout DiagnosticBag) {
        for override in overrides {
            let origin = override.location
            let entry = ParamEntry(name: override.key, value: override.value, location: origin, valueLocation: origin)
            if override.target == "params" {
                if let index = params.firstIndex(where: { $0.name == override.key }) {
                    params[index] = entry
                } else {
                    params.append(entry)
                }
            } else if let stageIndex = stages.firstIndex(where: { $0.name == override.target }) {
                if let index = stages[stageIndex].with.firstIndex(where: { $0.name == override.key }) {
                    // The value now comes from the command line: so do the places its errors point at.
                    stages[stageIndex].with[index] = entry
                } else {
                    stages[stageIndex].with.append(entry)
                }
            } else {
                diagnostics.error(
                    "'--set \(override.target).\(override.key)' names no stage '\(override.target)'\(Suggestion.hint(for: override.target, in: stages.map(\.name) + ["params"]))",
                    at: origin)
            }
        }
    }
}
