import Orchestrator
import RecommenderStages

/// The stages compiled into this binary, and their manifests.
enum Builtins {
    static let registry = RecommenderStages.registry
    static let loader = PipelineLoader(embeddedManifests: BuiltinManifests.all, expressions: RecommenderStages.expressions)

    /// Commands that read a pipeline or the catalog: for them the manifests are
    /// parsed while the command line is, in the background.
    static let catalogCommands: Set<String> = ["run", "validate", "status", "dag", "stages"]

    static func startParsingManifests(for arguments: [String]) {
        if let command = arguments.dropFirst().first, catalogCommands.contains(command) { _ = loader }
    }
}
