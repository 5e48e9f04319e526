/// The DAG of a pipeline: an edge from each stage to the stages it waits for.
public struct StageGraph: Sendable {
    /// Stage names in file order.
    public let names: [String]
    /// stage -> the stages it depends on, in declaration order.
    public let upstream: [String: [String]]
    /// stage -> the stages that depend on it, in file order.
    public let downstream: [String: [String]]

    public init(names: [String], dependencies: [String: [String]]) {
        self.names = names
        var upstream: [String: [String]] = [:]
        var downstream: [String: [String]] = [:]
        for name in names {
            upstream[name] = dependencies[name] ?? []
            downstream[name] = []
        }
        for name in names {
            for dependency in upstream[name] ?? [] where downstream[dependency] != nil {
                downstream[dependency]?.append(name)
            }
        }
        self.upstream = upstream
        self.downstream = downstream
    }

    public init(_ pipeline: ResolvedPipeline) {
        self.init(names: pipeline.stages.map(\.name),
                  dependencies: Dictionary(uniqueKeysWithValues: pipeline.stages.map { ($0.name, $0.dependencies) }))
    }

    /// Every cycle found, each as a path that starts and ends at the same stage.
    /// Each cycle is reported once, starting from its first stage in file order.
    public func cycles() -> [[String]] {
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var stack: [String] = []
        var found: [[String]] = []
        var seenCycles: Set<[String]> = []

        func visit(_ name: String) {
            marks[name] = .visiting
            stack.append(name)
            for next in upstream[name] ?? [] where upstream[next] != nil {
                switch marks[next] {
                case .visiting:
                    let start = stack.lastIndex(of: next)!
                    // The stack follows edges to dependencies; print the data flow instead.
                    let canonical = rotateToFirstInFileOrder(Array(stack[start...].reversed()))
                    if seenCycles.insert(canonical).inserted { found.append(canonical + [canonical[0]]) }
                case .done:
                    break
                case nil:
                    visit(next)
                }
            }
            stack.removeLast()
            marks[name] = .done
        }
        for name in names where marks[name] == nil { visit(name) }
        return found
    }

    private func rotateToFirstInFileOrder(_ cycle: [String]) -> [String] {
        let order = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        guard let first = cycle.indices.min(by: { order[cycle[$0]]! < order[cycle[$1]]! }) else { return cycle }
        return Array(cycle[first...] + cycle[..<first])
    }

    /// Stages ordered so that each comes after everything it depends on; ties
    /// keep file order. Assumes no cycles.
    public func topologicalOrder() -> [String] {
        let remaining = Dictionary(uniqueKeysWithValues: names.map { ($0, Set(upstream[$0] ?? [])) })
        var order: [String] = []
        var placed: Set<String> = []
        while order.count < names.count {
            guard let next = names.first(where: { !placed.contains($0) && remaining[$0]!.isSubset(of: placed) }) else { break }
            order.append(next)
            placed.insert(next)
        }
        return order
    }

    /// The stages `name` depends on, directly or not (not including itself).
    public func ancestors(of name: String) -> Set<String> { closure(from: name, along: upstream) }

    /// The stages that depend on `name`, directly or not (not including itself).
    public func descendants(of name: String) -> Set<String> { closure(from: name, along: downstream) }

    private func closure(from start: String, along edges: [String: [String]]) -> Set<String> {
        var seen: Set<String> = []
        var pending = edges[start] ?? []
        while let next = pending.popLast() {
            if seen.insert(next).inserted { pending.append(contentsOf: edges[next] ?? []) }
        }
        return seen
    }
}
