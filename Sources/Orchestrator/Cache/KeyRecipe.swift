import Foundation

/// Everything that can change a stage's result, in the order it is hashed.
/// The recipe is kept after each run so that a later plan can say *why* a
/// key changed (params, an input, the command).
public struct KeyRecipe: Codable, Sendable, Equatable {
    /// Increase whenever the encoding below changes: every key changes with it.
    public static let schemeVersion = 1

    public var scheme: Int
    /// `command: TEXT`, or `manifest: NAME@VERSION` plus its implementation.
    public var definition: String
    /// Param name -> canonical JSON of its value.
    public var params: [String: String]
    /// Input name -> `stage:KEY/OUTPUT` or `content:DIGEST`.
    public var inputs: [String: String]
    public var outputs: [String]

    public init(definition: String, params: [String: String], inputs: [String: String], outputs: [String]) {
        scheme = Self.schemeVersion
        self.definition = definition
        self.params = params
        self.inputs = inputs
        self.outputs = outputs
    }

    /// The canonical text: one line per ingredient, sorted, strings quoted as
    /// JSON so that no value can forge a line break.
    public var canonicalText: String {
        var lines = ["mtrec-stage-key/\(scheme)", "definition \(ParamValue.quote(definition))"]
        lines += params.keys.sorted().map { "param \(ParamValue.quote($0)) \(params[$0]!)" }
        lines += inputs.keys.sorted().map { "input \(ParamValue.quote($0)) \(ParamValue.quote(inputs[$0]!))" }
        lines += outputs.sorted().map { "output \(ParamValue.quote($0))" }
        return lines.joined(separator: "\n") + "\n"
    }

    public var key: StageKey { StageKey(of: canonicalText) }
}

extension StageDefinition {
    /// The definition line of a key recipe.
    var recipeText: String {
        switch self {
        case .inlineCommand(let template):
            "command: \(template.recipeText)"
        case .manifest(let name, let version, .builtin(let implementation)):
            "manifest: \(name)@\(version) builtin: \(implementation)"
        case .manifest(let name, let version, .command(let template)):
            "manifest: \(name)@\(version) command: \(template.recipeText)"
        }
    }
}

extension CommandTemplate {
    /// The shell form as written (so keys made before the list form existed
    /// still match); the list form marked apart, so it never equals a text.
    var recipeText: String {
        switch form {
        case .shell(let text): text
        case .arguments: "arguments \(display)"
        }
    }
}
