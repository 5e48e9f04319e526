import Foundation
import Yams

/// Reads a pipeline file into a `PipelineSpec`, checking its structure
/// (known keys, right shapes). Meaning (references, params) is checked later
/// by `PipelineValidator`.
public struct PipelineParser {
    /// What `isValidName` accepts, for error messages.
    public static let nameRule = "use letters, digits, '_' and '-', starting with a letter or '_'"
    public static let topLevelKeys = ["name", "description", "params", "stages", "publish", "gates"]
    public static let stageKeys = ["uses", "command", "inputs", "outputs", "with", "after", "description", "resources"]

    public init() {}

    /// Parses `text` as the contents of `file`. Returns nil only when the
    /// file is not usable at all (YAML syntax, not a mapping).
    public func parse(_ text: String, file: String, directory: URL, diagnostics: inout DiagnosticBag) -> PipelineSpec? {
        var reader = YAMLReader(file: file)
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard let root = reader.compose(text, diagnostics: &diagnostics) else {
            if !diagnostics.hasErrors { diagnostics.error("the pipeline file is empty", at: start) }
            return nil
        }
        guard let top = reader.pairs(root, what: "a pipeline file", diagnostics: &diagnostics) else { return nil }

        var spec = PipelineSpec(file: file, directory: directory, name: Located("", at: start))
        var sawName = false, sawStages = false
        for (key, keyNode, value) in top {
            switch key {
            case "name":
                sawName = true
                if let name = reader.string(value, what: "'name'", diagnostics: &diagnostics) {
                    spec.name = Located(name, at: reader.location(value))
                }
            case "description":
                spec.description = reader.string(value, what: "'description'", diagnostics: &diagnostics)
            case "params":
                spec.params = paramEntries(value, what: "'params'", reader: reader, diagnostics: &diagnostics)
            case "stages":
                sawStages = true
                spec.stages = stages(value, reader: reader, diagnostics: &diagnostics)
            case "publish":
                spec.publish = publishEntries(value, reader: reader, diagnostics: &diagnostics)
            case "gates":
                spec.gates = gateEntries(value, reader: reader, diagnostics: &diagnostics)
            default:
                diagnostics.error(
                    "unknown top-level key '\(key)'\(Suggestion.hint(for: key, in: Self.topLevelKeys)); valid keys: \(Self.topLevelKeys.joined(separator: ", "))",
                    at: reader.location(keyNode))
            }
        }
        if !sawName { diagnostics.error("missing 'name': every pipeline needs a name", at: start) }
        if !sawStages { diagnostics.error("missing 'stages': a pipeline needs at least one stage", at: start) }
        return spec
    }

    private func stages(_ node: Node, reader: YAMLReader, diagnostics: inout DiagnosticBag) -> [StageSpec] {
        guard case .mapping(let mapping) = node else {
            diagnostics.error("'stages' must be a mapping of stage names to stages, not \(reader.kind(node))", at: reader.location(node))
            return []
        }
        var result: [StageSpec] = []
        for (keyNode, value) in mapping {
            let name = keyNode.scalar?.string ?? ""
            if reader.reportDuplicate(name, in: "'stages'", diagnostics: &diagnostics) { continue }
            let location = reader.location(keyNode)
            if !Self.isValidName(name) {
                diagnostics.error("invalid stage name '\(name)': \(Self.nameRule)", at: location)
            }
            result.append(stage(named: name, at: location, value, reader: reader, diagnostics: &diagnostics))
        }
        return result
    }

    private func stage(named name: String, at location: SourceLocation, _ node: Node, reader: YAMLReader, diagnostics: inout DiagnosticBag) -> StageSpec {
        var stage = StageSpec(name: name, location: location)
        guard let entries = reader.pairs(node, what: "stage '\(name)'", diagnostics: &diagnostics) else { return stage }
        for (key, keyNode, value) in entries {
            switch key {
            case "uses":
                stage.uses = reader.string(value, what: "'uses'", diagnostics: &diagnostics).map { Located($0, at: reader.location(value)) }
            case "command":
                stage.command = reader.command(value, diagnostics: &diagnostics).map { Located($0, at: reader.location(value)) }
                stage.hasUnreadableCommand = stage.command == nil
            case "inputs":
                stage.inputs = inputEntries(value, stage: name, reader: reader, diagnostics: &diagnostics)
            case "outputs":
                stage.outputs = reader.strings(value, what: "'outputs'", diagnostics: &diagnostics)
                var seenOutputs: Set<String> = []
                for output in stage.outputs {
                    if !Self.isValidName(output.value) {
                        diagnostics.error("invalid output name '\(output.value)': use letters, digits, '_' and '-'", at: output.location)
                    } else if !seenOutputs.insert(output.value).inserted {
                        diagnostics.error("duplicate output '\(output.value)' in stage '\(name)'", at: output.location)
                    }
                }
            case "with":
                stage.with = paramEntries(value, what: "'with' of stage '\(name)'", reader: reader, diagnostics: &diagnostics)
            case "after":
                stage.after = reader.strings(value, what: "'after'", diagnostics: &diagnostics)
            case "description":
                stage.description = reader.string(value, what: "'description'", diagnostics: &diagnostics)
            case "resources":
                stage.resources = resources(value, stage: name, reader: reader, diagnostics: &diagnostics)
            default:
                diagnostics.error(
                    "unknown key '\(key)' in stage '\(name)'\(Suggestion.hint(for: key, in: Self.stageKeys)); valid keys: \(Self.stageKeys.joined(separator: ", "))",
                    at: reader.location(keyNode))
            }
        }
        return stage
    }

    private func paramEntries(_ node: Node, what: String, reader: YAMLReader, diagnostics: inout DiagnosticBag) -> [ParamEntry] {
        if case .scalar(let scalar) = node, PlainScalar.kind(of: node) == .null || scalar.string.isEmpty { return [] }
        guard let entries = reader.pairs(node, what: what, diagnostics: &diagnostics) else { return [] }
        return entries.map { key, keyNode, value in
            ParamEntry(name: key, value: reader.value(value, diagnostics: &diagnostics),
                       location: reader.location(keyNode), valueLocation: reader.location(value),
                       elementLocations: reader.elementLocations(value))
        }
    }

    /// `resources: {cpus: 2, memory: 4G, time: 30m}`; each value checked where it is written.
    private func resources(_ node: Node, stage: String, reader: YAMLReader, diagnostics: inout DiagnosticBag) -> StageResources? {
        guard let entries = reader.pairs(node, what: "'resources' of stage '\(stage)'", diagnostics: &diagnostics) else { return nil }
        var resources = StageResources()
        for (key, keyNode, value) in entries {
            let text = value.scalar?.string ?? ""
            switch key {
            case "cpus":
                if let cpus = Int(text), (1...1024).contains(cpus) { resources.cpus = cpus } else {
                    diagnostics.error("'cpus' must be a whole number from 1 to 1024, not '\(text)'", at: reader.location(value))
                }
            case "memory":
                if let bytes = StageResources.bytes(text) { resources.memoryBytes = bytes } else {
                    diagnostics.error("'memory' must be \(StageResources.memoryForm), not '\(text)'", at: reader.location(value))
                }
            case "time":
                if let seconds = StageResources.seconds(text) { resources.seconds = seconds } else {
                    diagnostics.error("'time' must be \(StageResources.timeForm), not '\(text)'", at: reader.location(value))
                }
            default:
                diagnostics.error("unknown key '\(key)' in 'resources'\(Suggestion.hint(for: key, in: StageResources.keys)); valid keys: \(StageResources.keys.joined(separator: ", "))",
                                  at: reader.location(keyNode))
            }
        }
        return resources
    }

    private func inputEntries(_ node: Node, stage: String, reader: YAMLReader, diagnostics: inout DiagnosticBag) -> [InputEntry] {
        guard let entries = reader.pairs(node, what: "'inputs' of stage '\(stage)'", diagnostics: &diagnostics) else { return [] }
        return entries.compactMap { key, keyNode, value in
            guard let text = reader.string(value, what: "input '\(key)'", diagnostics: &diagnostics) else { return nil }
            if !Self.isValidName(key) {
                diagnostics.error("invalid input name '\(key)': use letters, digits, '_' and '-'", at: reader.location(keyNode))
            }
            return InputEntry(name: key, text: text, location: reader.location(keyNode), valueLocation: reader.location(value))
        }
    }

    private func publishEntries(_ node: Node, reader: YAMLReader, diagnostics: inout DiagnosticBag) -> [PublishEntry] {
        guard let entries = reader.pairs(node, what: "'publish'", diagnostics: &diagnostics) else { return [] }
        return entries.compactMap { key, keyNode, value in
            guard let text = reader.string(value, what: "publish source", diagnostics: &diagnostics) else { return nil }
            return PublishEntry(destination: key, reference: text, location: reader.location(keyNode), valueLocation: reader.location(value))
        }
    }

    private func gateEntries(_ node: Node, reader: YAMLReader, diagnostics: inout DiagnosticBag) -> [GateEntry] {
        guard let entries = reader.pairs(node, what: "'gates'", diagnostics: &diagnostics) else { return [] }
        return entries.compactMap { key, keyNode, value in
            guard let text = reader.string(value, what: "gate condition", diagnostics: &diagnostics) else { return nil }
            return GateEntry(name: key, condition: text, location: reader.location(keyNode), valueLocation: reader.location(value))
        }
    }

    /// Stage, input, output and param names: identifiers with '-' allowed.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
    }
}
