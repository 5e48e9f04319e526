/// Why a stage will run (or why it will not), in the spirit of Bazel's
/// cache-miss reasons. Reports and the history hold its text; `init(text:)`
/// reads that text back.
public enum RunReason: Sendable, Equatable, CustomStringConvertible, Codable {
    case cached
    case neverRun
    case paramsChanged([String])
    case inputsChanged([String])
    case definitionChanged
    case outputsChanged
    case forced
    case cacheEntryMissing
    /// The entry was built once and `mtrec gc` removed it.
    case removedByGC
    /// The entry's files differ from their fingerprints at commit.
    case cacheEntryChanged(String)
    /// The key differs from the last run's and no ingredient explains it
    /// (a new hashing scheme, or another pipeline's record).
    case keyChanged
    case notSelected
    /// Never finished, but a killed run left a checkpoint the stage resumes
    /// from; the text is the stage's own (`after epoch 3`).
    case resuming(String)
    /// Another mtrec process built the key while this one waited for its lock.
    case builtMeanwhile
    /// Ctrl-C or SIGTERM came before the stage could start.
    case interruptedBeforeStart
    /// A stage it reads from failed or was blocked.
    case upstreamUnfinished(String)
    /// Text from a history this mtrec cannot read as one of the above.
    case recorded(String)

    public var description: String {
        switch self {
        case .cached: "cached"
        case .neverRun: "never run"
        case .paramsChanged(let names): "params changed (\(names.joined(separator: ", ")))"
        case .inputsChanged(let names): "input changed (\(names.joined(separator: ", ")))"
        case .definitionChanged: "command or manifest version changed"
        case .outputsChanged: "declared outputs changed"
        case .forced: "forced"
        case .cacheEntryMissing: "cache entry missing"
        case .removedByGC: "cache entry missing (removed by mtrec gc)"
        case .cacheEntryChanged(let difference): "cache entry changed (\(difference))"
        case .keyChanged: "stage key changed"
        case .notSelected: "not selected"
        case .resuming(let progress): "resumed \(progress)"
        case .builtMeanwhile: "built meanwhile by another mtrec process"
        case .interruptedBeforeStart: "interrupted before it started"
        case .upstreamUnfinished(let stage): "upstream stage '\(stage)' did not finish"
        case .recorded(let text): text
        }
    }

    private static let fixed: [RunReason] = [.cached, .neverRun, .definitionChanged, .outputsChanged, .forced, .cacheEntryMissing,
                                             .removedByGC, .keyChanged, .notSelected, .builtMeanwhile, .interruptedBeforeStart]

    /// Reads a reason's text (`description`) back.
    public init(text: String) {
        if let reason = Self.fixed.first(where: { $0.description == text }) {
            self = reason
        } else if let names = Self.inner(text, "params changed (", ")") {
            self = .paramsChanged(names.components(separatedBy: ", "))
        } else if let names = Self.inner(text, "input changed (", ")") {
            self = .inputsChanged(names.components(separatedBy: ", "))
        } else if let difference = Self.inner(text, "cache entry changed (", ")") {
            self = .cacheEntryChanged(difference)
        } else if let stage = Self.inner(text, "upstream stage '", "' did not finish") {
            self = .upstreamUnfinished(stage)
        } else if let progress = Self.inner(text, "resumed ", "") {
            self = .resuming(progress)
        } else {
            self = .recorded(text)
        }
    }

    private static func inner(_ text: String, _ prefix: String, _ suffix: String) -> String? {
        guard text.hasPrefix(prefix), text.hasSuffix(suffix), text.count >= prefix.count + suffix.count else { return nil }
        return String(text.dropFirst(prefix.count).dropLast(suffix.count))
    }

    /// Written as its text, as reports have always shown it.
    public init(from decoder: any Decoder) throws {
        self.init(text: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Whether the stage's new outputs take the place of an entry under the same key.
    var replacesEntry: Bool {
        switch self {
        case .forced, .cacheEntryChanged: true
        default: false
        }
    }

    /// Compares the recipe of the last run with the current one.
    static func explain(current: KeyRecipe, last: KeyRecipe?) -> RunReason {
        guard let last else { return .neverRun }
        if last == current { return .cacheEntryMissing }
        if last.definition != current.definition { return .definitionChanged }
        let params = Set(last.params.keys).union(current.params.keys).filter { last.params[$0] != current.params[$0] }
        if !params.isEmpty { return .paramsChanged(params.sorted()) }
        let inputs = Set(last.inputs.keys).union(current.inputs.keys).filter { last.inputs[$0] != current.inputs[$0] }
        if !inputs.isEmpty { return .inputsChanged(inputs.sorted()) }
        if last.outputs.sorted() != current.outputs.sorted() { return .outputsChanged }
        return .keyChanged
    }
}
