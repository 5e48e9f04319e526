import Foundation

/// A JSON Schema (draft 2020-12) for pipeline files, generated from the
/// catalog's manifests: each `uses:` gets its params with their types, enums,
/// ranges, defaults and docs, and its inputs, so an editor's YAML language
/// server completes and checks a pipeline as it is written. `validate` stays
/// the judge: the schema cannot see the DAG, names across stages or files.
public enum PipelineSchema {
    public static let draft = "https://json-schema.org/draft/2020-12/schema"

    /// The schema, as JSON text with sorted keys.
    public static func json(for catalog: StageCatalog) throws -> Data {
        // ParamValue's canonical JSON is the plain form (its Codable form tags types).
        let object = try JSONSerialization.jsonObject(with: Data(document(for: catalog).canonicalJSON.utf8))
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    static func document(for catalog: StageCatalog) -> ParamValue {
        let manifests = catalog.names.compactMap { catalog[$0] }
        var definitions: [(String, ParamValue)] = [("command-stage", commandStage)]
        for manifest in manifests { definitions.append(("uses-" + manifest.name, usesStage(manifest))) }
        // A stage is the `uses` of one manifest, or a command.
        let branches: [ParamValue] = manifests.map { manifest in
            object(["if": object(["properties": object(["uses": object(["const": .string(manifest.name)])]), "required": strings(["uses"])]),
                    "then": reference("uses-" + manifest.name)])
        }
        let stage = object(["type": .string("object"),
                            "properties": object(["uses": object(["enum": strings(manifests.map(\.name)), "description": .string("a stage from the catalog")])]),
                            "allOf": .list(branches + [object(["if": object(["not": object(["required": strings(["uses"])])]),
                                                                 "then": reference("command-stage")])])])
        definitions.append(("stage", stage))
        return object([
            "$schema": .string(draft),
            "title": .string("mtrec pipeline"),
            "type": .string("object"),
            "required": strings(["name", "stages"]),
            "additionalProperties": .bool(false),
            "properties": object([
                "name": object(["type": .string("string"), "pattern": .string(namePattern), "description": .string("the pipeline's name")]),
                "description": object(["type": .string("string")]),
                "params": object(["type": strings(["object", "null"]), "description": .string("values stages read as ${params.NAME}")]),
                "stages": object(["type": .string("object"), "additionalProperties": reference("stage"),
                                  "propertyNames": object(["pattern": .string(namePattern)])]),
                "publish": object(["type": .string("object"), "additionalProperties": object(["type": .string("string"), "pattern": .string("^[^.]+\\.[^.]+$")]),
                                   "description": .string("destination: STAGE.OUTPUT")]),
                "gates": object(["type": .string("object"), "additionalProperties": object(["type": .string("string")]),
                                 "description": .string("STAGE.METRIC[_vs_last]: \"OP NUMBER\"")]),
            ]),
            "$defs": .map(definitions.map { ($0.0, $0.1) }),
        ])
    }

    static let namePattern = "^[A-Za-z_][A-Za-z0-9_-]*$"
    /// `${params.NAME}` may stand for any value: interpolation comes before type checks.
    static let interpolation = object(["type": .string("string"), "pattern": .string("^\\$\\{params\\.[A-Za-z0-9_-]+\\}$")])

    static let shared: [(String, ParamValue)] = [
        ("after", names),
        ("description", object(["type": .string("string")])),
        ("resources", object(["type": .string("object"), "additionalProperties": .bool(false), "properties": object([
            "cpus": object(["type": .string("integer"), "minimum": .int(1), "maximum": .int(1024)]),
            "memory": object(["type": .string("string"), "description": .string(StageResources.memoryForm)]),
            "time": object(["type": .string("string"), "description": .string(StageResources.timeForm)]),
        ])])),
    ]

    static var commandStage: ParamValue {
        object(["type": .string("object"), "required": strings(["command"]), "additionalProperties": .bool(false),
                "properties": .map([
                    ("command", object(["anyOf": .list([object(["type": .string("string")]),
                                                        object(["type": .string("array"), "items": object(["type": .string("string")])])]),
                                        "description": .string("a shell command with {inputs.X} {outputs.X} {params.X}, or a list: program and arguments")])),
                    ("inputs", object(["type": .string("object"), "additionalProperties": object(["type": .string("string")])])),
                    ("outputs", names),
                    ("with", object(["type": strings(["object", "null"])])),
                ] + shared)])
    }

    static func usesStage(_ manifest: StageManifest) -> ParamValue {
        let inputs = manifest.inputs.map { port in
            (port.name, object(["type": .string("string"), "description": .string("\(port.type)\(port.doc.isEmpty ? "" : ": " + port.doc)")]))
        }
        let params = manifest.params.map { ($0.name, schema(for: $0)) }
        // A required input or param makes its section required too.
        let sections = ["uses"] + (manifest.inputs.contains { !$0.optional } ? ["inputs"] : [])
            + (manifest.params.contains(where: \.isRequired) ? ["with"] : [])
        return object(["type": .string("object"), "additionalProperties": .bool(false), "required": strings(sections),
                       "description": .string(manifest.description),
                       "properties": .map([
                           ("uses", object(["const": .string(manifest.name)])),
                           ("inputs", object(["type": .string("object"), "additionalProperties": .bool(false), "properties": .map(inputs),
                                              "required": strings(manifest.inputs.filter { !$0.optional }.map(\.name))])),
                           ("with", object(["type": strings(["object", "null"]), "additionalProperties": .bool(false), "properties": .map(params),
                                            "required": strings(manifest.params.filter(\.isRequired).map(\.name))])),
                       ] + shared)])
    }

    static func schema(for declaration: ParamDeclaration) -> ParamValue {
        var typed = schema(for: declaration.type, declaration)
        if case .map(var pairs) = typed {
            if !declaration.doc.isEmpty { pairs.append(("description", .string(declaration.doc))) }
            if let value = declaration.defaultValue, value != .null { pairs.append(("default", value)) }
            typed = .map(pairs)
        }
        var options = [typed, interpolation]
        if declaration.defaultValue == .null { options.append(object(["type": .string("null")])) }
        return object(["anyOf": .list(options)])
    }

    static func schema(for type: ParamType, _ declaration: ParamDeclaration) -> ParamValue {
        switch type {
        case .list(let element):
            return object(["type": .string("array")].merging(element.map { ["items": elementSchema($0, declaration)] } ?? [:]) { $1 })
        case .map(let element):
            return object(["type": .string("object")].merging(element.map { ["additionalProperties": elementSchema($0, declaration)] } ?? [:]) { $1 })
        case .string, .int, .float, .bool:
            let name = switch type {
            case .string: "string"
            case .int: "integer"
            case .float: "number"
            default: "boolean"
            }
            var fields: [String: ParamValue] = ["type": .string(name)]
            if let minimum = declaration.minimum { fields["minimum"] = .float(minimum) }
            if let maximum = declaration.maximum { fields["maximum"] = .float(maximum) }
            if let allowed = declaration.allowed { fields["enum"] = .list(allowed) }
            return object(fields)
        }
    }

    /// An element may be `${params.NAME}` too: interpolation reaches inside lists and maps.
    static func elementSchema(_ type: ParamType, _ declaration: ParamDeclaration) -> ParamValue {
        object(["anyOf": .list([schema(for: type, declaration), interpolation])])
    }

    /// One name or a list of them, as the parser reads `after` and `outputs`.
    static let names = object(["anyOf": .list([object(["type": .string("string")]),
                                               object(["type": .string("array"), "items": object(["type": .string("string")])])])])

    static func object(_ fields: [String: ParamValue]) -> ParamValue {
        .map(fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    static func reference(_ name: String) -> ParamValue { object(["$ref": .string("#/$defs/" + name)]) }

    static func strings(_ values: [String]) -> ParamValue { .list(values.map { .string($0) }) }
}
