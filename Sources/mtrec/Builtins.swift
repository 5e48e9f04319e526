import Orchestrator

/// The stages compiled into this binary, and their manifests.
enum Builtins {
    static let registry = BuiltinRegistry([])
    static let manifests: [EmbeddedManifest] = []
    static let loader = PipelineLoader(embeddedManifests: manifests)
}
