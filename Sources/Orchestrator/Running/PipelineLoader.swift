import Foundation

/// Reads a pipeline file, finds its stage catalog and validates it.
public struct PipelineLoader: Sendable {
    private let builtins: ParsedBuiltins
    private let expressions: ExpressionChecker?

    /// Starts parsing `embeddedManifests` in the background at once.
    public init(embeddedManifests: [EmbeddedManifest], expressions: ExpressionChecker? = nil) {
        builtins = ParsedBuiltins(embeddedManifests)
        self.expressions = expressions
    }

    /// The catalog for a pipeline file: built-ins plus the project's stages/.
    public func catalog(near path: String, diagnostics: inout DiagnosticBag) -> StageCatalog {
        let url = URL(fileURLWithPath: path)
        return StageCatalog.load(builtins: builtins, projectFolder: StageCatalog.projectStagesFolder(near: url),
                                 diagnostics: &diagnostics)
    }

    /// Every diagnostic for the file; the pipeline when there are no errors.
    public func load(_ path: String, overrides: [Override] = [], allowsPublishOutside: Bool = false) -> (pipeline: ResolvedPipeline?, diagnostics: [Diagnostic]) {
        var diagnostics = DiagnosticBag()
        let url = URL(fileURLWithPath: path)
        // Refused before it is read: a pipeline file is hand-written text.
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int,
           !YAMLReader.checkSize(size, of: path, diagnostics: &diagnostics) {
            return (nil, diagnostics.sorted)
        }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the pipeline file as UTF-8 text" : "no such pipeline file"
            diagnostics.error(reason, at: SourceLocation(file: path, line: 1, column: 1))
            return (nil, diagnostics.sorted)
        }
        let catalog = catalog(near: path, diagnostics: &diagnostics)
        guard let spec = PipelineParser().parse(text, file: path, directory: url.deletingLastPathComponent().standardizedFileURL,
                                                diagnostics: &diagnostics) else {
            return (nil, diagnostics.sorted)
        }
        let pipeline = PipelineValidator(catalog: catalog, allowsPublishOutside: allowsPublishOutside, expressions: expressions).resolve(spec, overrides: overrides, diagnostics: &diagnostics)
        return (diagnostics.hasErrors ? nil : pipeline, diagnostics.sorted)
    }
}
