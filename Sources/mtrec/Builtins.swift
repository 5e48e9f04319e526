import Orchestrator
import RecommenderStages

/// The stages compiled into this binary, and their manifests.
enum Builtins {
    static let registry = RecommenderStages.registry
    static let loader = PipelineLoader(embeddedManifests: BuiltinManifests.all)
}
