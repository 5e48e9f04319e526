import Foundation
import Yams

/// Reads a stage manifest (stages/NAME.yaml), reporting every problem with
/// its place in the manifest file.
public struct ManifestParser {
    static let manifestKeys = ["name", "version", "description", "builtin", "command", "inputs", "outputs", "params"]
    static let paramKeys = ["type", "default", "min", "max", "enum", "doc", "refers", "values_refer"]
    static let portKeys = ["type", "doc", "optional", "tasks", "columns"]
    static let alternativeKeys = ["if", "needs", "names", "from"]

    public init() {}

    public func parse(_ text: String, file: String, origin: String, diagnostics: inout DiagnosticBag) -> StageManifest? {
        var reader = YAMLReader(file: file)
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard let root = reader.compose(text, diagnostics: &diagnostics),
              let entries = reader.pairs(root, what: "a stage manifest", diagnostics: &diagnostics) else { return nil }
        let errorsBefore = diagnostics.diagnostics.count

        var manifest = StageManifest(name: "", version: 1, description: "", implementation: .builtin(""),
                                     inputs: [], outputs: [], params: [], origin: origin)
        var implementations: [StageImplementation] = []
        for (key, keyNode, value) in entries {
            switch key {
            case "name":
                manifest.name = reader.string(value, what: "'name'", diagnostics: &diagnostics) ?? ""
                if !manifest.name.isEmpty, !PipelineParser.isValidName(manifest.name) {
                    diagnostics.error("invalid manifest name '\(manifest.name)': \(PipelineParser.nameRule)",
                                      at: reader.location(value))
                }
            case "version":
                if let version = value.int, version >= 1 { manifest.version = version } else {
                    diagnostics.error("'version' must be a whole number of at least 1", at: reader.location(value))
                }
            case "description": manifest.description = reader.string(value, what: "'description'", diagnostics: &diagnostics) ?? ""
            case "builtin": reader.string(value, what: "'builtin'", diagnostics: &diagnostics).map { implementations.append(.builtin($0)) }
            case "command": reader.command(value, diagnostics: &diagnostics).map { implementations.append(.command($0)) }
            case "inputs": manifest.inputs = ports(value, what: "inputs", reader: reader, diagnostics: &diagnostics)
            case "outputs": manifest.outputs = ports(value, what: "outputs", reader: reader, diagnostics: &diagnostics)
            case "params": manifest.params = params(value, reader: reader, diagnostics: &diagnostics)
            default:
                diagnostics.error("unknown manifest key '\(key)'\(Suggestion.hint(for: key, in: Self.manifestKeys))", at: reader.location(keyNode))
            }
        }
        if manifest.name.isEmpty { diagnostics.error("a manifest needs a 'name'", at: start) }
        checkReferencedInputs(manifest, at: start, diagnostics: &diagnostics)
        if implementations.count != 1 {
            diagnostics.error("a manifest needs exactly one of 'builtin' (a Swift implementation) or 'command' (a command template)", at: start)
        } else {
            manifest.implementation = implementations[0]
        }
        return diagnostics.diagnostics.count == errorsBefore ? manifest : nil
    }

    private func ports(_ node: Node, what: String, reader: YAMLReader, diagnostics: inout DiagnosticBag) -> [PortDeclaration] {
        guard let entries = reader.pairs(node, what: "'\(what)'", diagnostics: &diagnostics) else { return [] }
        return entries.map { name, _, value in
            var port = PortDeclaration(name: name, type: "file", doc: "", optional: false)
            if let fields = reader.pairs(value, what: "'\(what).\(name)'", diagnostics: &diagnostics) {
                for (field, fieldNode, fieldValue) in fields {
                    switch field {
                    case "type": port.type = fieldValue.scalar?.string ?? port.type
                    case "doc": port.doc = fieldValue.scalar?.string ?? ""
                    case "optional": port.optional = fieldValue.bool ?? false
                    case "tasks", "columns":
                        port.facts.alternatives[OutputFacts.Fact(rawValue: field)!] = alternatives(fieldValue, reader: reader, diagnostics: &diagnostics)
                    default:
                        diagnostics.error("unknown key '\(field)' in '\(what).\(name)'\(Suggestion.hint(for: field, in: Self.portKeys))", at: reader.location(fieldNode))
                    }
                }
            }
            return port
        }
    }

    private func params(_ node: Node, reader: YAMLReader, diagnostics: inout DiagnosticBag) -> [ParamDeclaration] {
        guard let entries = reader.pairs(node, what: "'params'", diagnostics: &diagnostics) else { return [] }
        return entries.compactMap { name, _, value in
            guard let fields = reader.pairs(value, what: "'params.\(name)'", diagnostics: &diagnostics) else { return nil }
            var declaration = ParamDeclaration(name: name, type: .string, doc: "")
            var sawType = false
            for (field, fieldNode, fieldValue) in fields {
                switch field {
                case "type":
                    let text = fieldValue.scalar?.string ?? ""
                    if let type = ParamType(parsing: text) { declaration.type = type; sawType = true } else {
                        diagnostics.error("unknown param type '\(text)'; valid types: \(ParamType.grammar)", at: reader.location(fieldValue))
                    }
                case "default": declaration.defaultValue = reader.value(fieldValue, diagnostics: &diagnostics)
                case "min": declaration.minimum = fieldValue.float
                case "max": declaration.maximum = fieldValue.float
                case "enum": declaration.allowed = fieldValue.array().map { reader.value($0, diagnostics: &diagnostics) }
                case "doc": declaration.doc = fieldValue.scalar?.string ?? ""
                case "refers": declaration.refers = reference(fieldValue, reader: reader, diagnostics: &diagnostics)
                case "values_refer": declaration.valuesRefer = reference(fieldValue, reader: reader, diagnostics: &diagnostics)
                default:
                    diagnostics.error("unknown key '\(field)' in 'params.\(name)'\(Suggestion.hint(for: field, in: Self.paramKeys))", at: reader.location(fieldNode))
                }
            }
            if !sawType { diagnostics.error("param '\(name)' needs a 'type'", at: reader.location(value)) }
            if let value = declaration.defaultValue {
                declaration.defaultValue = declaration.type.normalize(value)
            }
            return declaration
        }
    }

    private func reference(_ node: Node, reader: YAMLReader, diagnostics: inout DiagnosticBag) -> NameReference? {
        if let text = node.scalar?.string {
            if let reference = NameReference(text: text) { return reference }
        } else if let fields = reader.pairs(node, what: "a reference", diagnostics: &diagnostics) {
            var kind: NameReference.Kind?, input: String?, also: [String] = [], metrics: [String: [String]] = [:]
            for (field, _, value) in fields {
                switch field {
                case "kind": kind = value.scalar.flatMap { NameReference.Kind(rawValue: $0.string) }
                case "input": input = value.scalar?.string
                case "also": also = reader.strings(value, what: "'also'", diagnostics: &diagnostics).map(\.value)
                case "metrics":
                    for (type, _, names) in reader.pairs(value, what: "'metrics'", diagnostics: &diagnostics) ?? [] {
                        metrics[type] = reader.strings(names, what: "'metrics.\(type)'", diagnostics: &diagnostics).map(\.value)
                    }
                default: kind = nil
                }
            }
            if let kind, let input { return NameReference(kind: kind, input: input, also: also, metrics: metrics) }
        }
        diagnostics.error("a reference is written \(NameReference.grammar)", at: reader.location(node))
        return nil
    }

    private func alternatives(_ node: Node, reader: YAMLReader, diagnostics: inout DiagnosticBag) -> [OutputFacts.Alternative] {
        guard case .sequence(let sequence) = node else {
            diagnostics.error("tasks and columns are a list of alternatives, each {if: {PARAM: VALUE}, needs: [PARAM], names: [...], from: [params.P, inputs.I]}",
                              at: reader.location(node))
            return []
        }
        return sequence.compactMap { item in
            guard let fields = reader.pairs(item, what: "an alternative", diagnostics: &diagnostics) else { return nil }
            var alternative = OutputFacts.Alternative()
            for (field, fieldNode, value) in fields {
                switch field {
                case "if":
                    for (param, _, expected) in reader.pairs(value, what: "'if'", diagnostics: &diagnostics) ?? [] {
                        alternative.conditions.append((param, reader.value(expected, diagnostics: &diagnostics)))
                    }
                case "needs": alternative.needs = reader.strings(value, what: "'needs'", diagnostics: &diagnostics).map(\.value)
                case "names": alternative.names = reader.strings(value, what: "'names'", diagnostics: &diagnostics).map(\.value)
                case "from":
                    for source in reader.strings(value, what: "'from'", diagnostics: &diagnostics) {
                        if let parsed = OutputFacts.Source(text: source.value) { alternative.from.append(parsed) } else {
                            diagnostics.error("'\(source.value)' is not params.NAME or inputs.NAME", at: source.location)
                        }
                    }
                default:
                    diagnostics.error("unknown key '\(field)' in an alternative\(Suggestion.hint(for: field, in: Self.alternativeKeys))", at: reader.location(fieldNode))
                }
            }
            return alternative
        }
    }

    /// Each reference names an input of this manifest, and each param source a param.
    private func checkReferencedInputs(_ manifest: StageManifest, at location: SourceLocation, diagnostics: inout DiagnosticBag) {
        let inputs = manifest.inputs.map(\.name), params = manifest.params.map(\.name)
        for param in manifest.params {
            for reference in [param.refers, param.valuesRefer].compactMap({ $0 }) where !inputs.contains(reference.input) {
                diagnostics.error("param '\(param.name)' refers to input '\(reference.input)', which the manifest does not declare", at: location)
            }
        }
        for port in manifest.outputs {
            for alternative in port.facts.alternatives.values.flatMap({ $0 }) {
                for source in alternative.from {
                    switch source {
                    case .input(let name) where !inputs.contains(name):
                        diagnostics.error("output '\(port.name)' takes names from undeclared input '\(name)'", at: location)
                    case .param(let name) where !params.contains(name):
                        diagnostics.error("output '\(port.name)' takes names from undeclared param '\(name)'", at: location)
                    default: break
                    }
                }
            }
        }
    }
}
