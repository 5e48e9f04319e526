import Foundation

/// Checks an expression's names before running: returns what is wrong with
/// `text` given the names it may use, or nil. The expression language lives
/// with the stages; the binary hands its checker to the validator.
public struct ExpressionChecker: Sendable {
    public let problem: @Sendable (_ text: String, _ names: [String]) -> String?

    public init(problem: @escaping @Sendable (_ text: String, _ names: [String]) -> String?) {
        self.problem = problem
    }
}

/// Checks the params whose manifests say they name something upstream (a
/// task of the model, a column of the table) against what the upstream
/// output is known to hold before anything runs. Only values written in the
/// file or with --set are checked; where the upstream names are not known
/// (a CSV read with its header), nothing is checked.
struct ReferenceChecker {
    let catalog: StageCatalog
    let stages: [String: ResolvedStage]
    let specs: [String: StageSpec]
    let expressions: ExpressionChecker?

    /// The names with what a map param says of each (a task's type in
    /// build_model's `tasks: {click: binary}`), or nil when unknown.
    func entries(_ fact: OutputFacts.Fact, of stage: String, output: String, depth: Int = 0) -> [(name: String, kind: String?)]? {
        guard depth < 64, let resolved = stages[stage], case .manifest(let name, _, _) = resolved.definition,
              let port = catalog[name]?.outputs.first(where: { $0.name == output }),
              let alternatives = port.facts.alternatives[fact] else { return nil }
        for alternative in alternatives {
            guard alternative.conditions.allSatisfy({ resolved.param($0.param) == $0.value }),
                  alternative.needs.allSatisfy({ !(resolved.param($0)?.isEmptyValue ?? true) }) else { continue }
            var result: [(name: String, kind: String?)] = alternative.names.map { ($0, nil) }
            var known = true
            for source in alternative.from {
                switch source {
                case .param(let param):
                    // A param that failed its own check is not there: its names are unknown.
                    guard let value = resolved.param(param) else {
                        known = false
                        continue
                    }
                    if case .map(let pairs) = value {
                        result += pairs.map { ($0.key, $0.value.stringValue) }
                    } else {
                        result += value.names.map { ($0, nil) }
                    }
                case .input(let input):
                    guard let bound = resolved.inputs.first(where: { $0.name == input }) else { continue }  // optional, unbound
                    guard case .upstream(let upstream, let upstreamOutput) = bound.source,
                          let upstreamNames = entries(fact, of: upstream, output: upstreamOutput, depth: depth + 1) else {
                        known = false
                        continue
                    }
                    result += upstreamNames
                }
            }
            if known { return result }
        }
        return nil
    }

    func check(_ stage: ResolvedStage, diagnostics: inout DiagnosticBag) {
        guard case .manifest(let manifestName, _, _) = stage.definition, let manifest = catalog[manifestName],
              let spec = specs[stage.name] else { return }
        for entry in spec.with {
            guard let declaration = manifest.param(entry.name), let value = stage.param(entry.name) else { continue }
            if let reference = declaration.refers {
                check(Self.namesWithPaths(value), reference: reference, param: entry, in: stage, diagnostics: &diagnostics)
            }
            if let reference = declaration.valuesRefer, case .map(let pairs) = value {
                check(pairs.map { ("." + $0.key, $0.value.plainText) }, reference: reference, param: entry, in: stage, diagnostics: &diagnostics)
            }
        }
    }

    /// A value's names with their paths: the text, each list element, each map key.
    static func namesWithPaths(_ value: ParamValue) -> [(path: String, name: String)] {
        switch value {
        case .string(let text): [("", text)]
        case .list(let items): items.enumerated().map { ("[\($0)]", $1.plainText) }
        case .map(let pairs): pairs.map { ("." + $0.key + "#key", $0.key) }
        default: []
        }
    }

    private func check(_ names: [(path: String, name: String)], reference: NameReference, param entry: ParamEntry, in stage: ResolvedStage,
                       diagnostics: inout DiagnosticBag) {
        guard let bound = stage.inputs.first(where: { $0.name == reference.input }),
              case .upstream(let upstream, let output) = bound.source,
              let upstreamEntries = entries(reference.kind.fact, of: upstream, output: output) else { return }
        let upstreamNames = upstreamEntries.map(\.name)
        let kinds = Dictionary(upstreamEntries.compactMap { entry in entry.kind.map { (entry.name, $0) } }, uniquingKeysWith: { first, _ in first })
        // `also` adds names: written out (popularity), or a param of this stage (params.derive).
        let also = reference.also.flatMap { name -> [String] in
            guard case .param(let param)? = OutputFacts.Source(text: name) else { return [name] }
            return stage.param(param)?.names ?? []
        }
        var seen: Set<String> = []
        let known = (upstreamNames + also).filter { seen.insert($0).inserted }
        let what = reference.kind.fact == .tasks ? "task" : "column"
        let source = "'\(upstream).\(output)'"
        let listing = "the \(what)s are: \(known.joined(separator: ", "))"
        for (path, name) in names where !name.isEmpty {
            let location = entry.location(of: path)
            let label = "param '\(entry.name)\(path.replacingOccurrences(of: "#key", with: ""))' of stage '\(stage.name)'"
            switch reference.kind {
            case .task, .column:
                if reference.kind == .column, name.hasSuffix("*") {
                    if !known.contains(where: { $0.hasPrefix(name.dropLast()) }) {
                        diagnostics.error("\(label): '\(name)' matches no column of \(source); \(listing)", at: location)
                    }
                } else if !known.contains(name) {
                    diagnostics.error("\(label) names \(what) '\(name)', which \(source) does not have\(Suggestion.hint(for: name, in: known)); \(listing)",
                                      at: location)
                }
            case .metric:
                // A task's metrics by its type, as the manifest lists them; every listed one when the type is unknown.
                let every = Array(Set(reference.metrics.values.joined())).sorted()
                let valid = reference.also + upstreamNames.flatMap { task in
                    (kinds[task].flatMap { reference.metrics[$0] } ?? every).map { "\(task).\($0)" }
                }
                if !valid.contains(name) {
                    diagnostics.error("\(label): '\(name)' is not a validation metric train computes\(Suggestion.hint(for: name, in: valid)); valid here: \(valid.joined(separator: ", "))",
                                      at: location)
                }
            case .taskExpression, .columnExpression:
                if let problem = expressions?.problem(name, known) {
                    diagnostics.error("\(label): '\(name)': \(problem)", at: location)
                }
            }
        }
    }
}
