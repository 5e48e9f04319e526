/// Computes every stage's key in dependency order: a stage's key covers the
/// keys of the stages it reads from, so a change flows downstream.
public struct StageKeys: Sendable {
    public private(set) var recipes: [String: KeyRecipe] = [:]
    public private(set) var keys: [String: StageKey] = [:]

    public init(pipeline: ResolvedPipeline, hasher: ContentHasher) throws {
        let graph = StageGraph(pipeline)
        for name in graph.topologicalOrder() {
            guard let stage = pipeline.stage(name) else { continue }
            var inputs: [String: String] = [:]
            for input in stage.inputs {
                switch input.source {
                case .upstream(let upstream, let output):
                    inputs[input.name] = "stage:\(keys[upstream]!.hex)/\(output)"
                case .external(let url):
                    inputs[input.name] = "content:\(try hasher.digest(of: url).hex)"
                }
            }
            let recipe = KeyRecipe(definition: stage.definition.recipeText,
                                   params: Dictionary(uniqueKeysWithValues: stage.params.map { ($0.name, $0.value.canonicalJSON) }),
                                   inputs: inputs, outputs: stage.outputs)
            recipes[name] = recipe
            keys[name] = recipe.key
        }
    }
}
