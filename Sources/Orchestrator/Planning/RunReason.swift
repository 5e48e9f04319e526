/// Why a stage will run (or why it will not), in the spirit of Bazel's
/// cache-miss reasons.
public enum RunReason: Sendable, Equatable, CustomStringConvertible {
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
        }
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
