/// Which stages a run covers: `--only`, `--from`, `--until`, `--force`.
public struct Selection: Sendable {
    public var only: [String] = []
    public var from: String?
    public var until: String?
    public var force: [String] = []

    public init(only: [String] = [], from: String? = nil, until: String? = nil, force: [String] = []) {
        self.only = only
        self.from = from
        self.until = until
        self.force = force
    }

    /// Names that match no stage, as usage errors with a suggestion.
    public func unknownNames(in graph: StageGraph) -> [String] {
        let named = only.map { ("--only", $0) } + [from].compactMap { $0.map { ("--from", $0) } }
            + [until].compactMap { $0.map { ("--until", $0) } } + force.map { ("--force", $0) }
        return named.filter { !graph.names.contains($0.1) }.map { option, name in
            "\(option) names unknown stage '\(name)'\(Suggestion.hint(for: name, in: graph.names)); stages are: \(graph.names.joined(separator: ", "))"
        }
    }

    /// The stages the user asked for.
    public func selected(in graph: StageGraph) -> Set<String> {
        if !only.isEmpty { return Set(only) }
        var selected = Set(graph.names)
        if let from { selected.formIntersection(graph.descendants(of: from).union([from])) }
        if let until { selected.formIntersection(graph.ancestors(of: until).union([until])) }
        return selected
    }

    /// Stages that run even when cached: each forced stage and its descendants.
    public func forced(in graph: StageGraph) -> Set<String> {
        force.reduce(into: Set<String>()) { result, name in
            result.formUnion(graph.descendants(of: name).union([name]))
        }
    }
}
