import Foundation

/// A manifest's text compiled into the binary, so the built-in catalog is
/// found from any working directory.
public struct EmbeddedManifest: Sendable {
    public var fileName: String
    public var text: String

    public init(fileName: String, text: String) {
        self.fileName = fileName
        self.text = text
    }
}

/// All stages a pipeline may `use`: the built-in manifests plus those in the
/// project's own `stages/` folder.
public struct StageCatalog: Sendable {
    public private(set) var manifests: [String: StageManifest] = [:]

    public init(manifests: [StageManifest] = []) {
        for manifest in manifests { self.manifests[manifest.name] = manifest }
    }

    public subscript(name: String) -> StageManifest? { manifests[name] }

    public var names: [String] { manifests.keys.sorted() }

    /// Loads the built-in manifests, then the project's; a project manifest may
    /// not reuse a built-in name (that would silently change shipped behaviour).
    public static func load(embedded: [EmbeddedManifest], projectFolder: URL?, diagnostics: inout DiagnosticBag) -> StageCatalog {
        load(builtins: ParsedBuiltins(embedded), projectFolder: projectFolder, diagnostics: &diagnostics)
    }

    static func load(builtins: ParsedBuiltins, projectFolder: URL?, diagnostics: inout DiagnosticBag) -> StageCatalog {
        var catalog = StageCatalog(manifests: builtins.manifests)
        diagnostics.append(contentsOf: builtins.diagnostics)
        guard let folder = projectFolder,
              let files = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return catalog }
        let parser = ManifestParser()
        for fileName in files.sorted() where fileName.hasSuffix(".yaml") || fileName.hasSuffix(".yml") {
            let url = folder.appendingPathComponent(fileName)
            let file = PathDisplay.relative(url)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                diagnostics.error("cannot read stage manifest", at: SourceLocation(file: file, line: 1, column: 1))
                continue
            }
            // mtrec's own repository keeps the built-in manifests in stages/: the same text is the same stage.
            if builtins.trimmedTexts.contains(text.trimmingCharacters(in: .whitespacesAndNewlines)) { continue }
            guard let manifest = parser.parse(text, file: file, origin: file, diagnostics: &diagnostics) else { continue }
            if let existing = catalog.manifests[manifest.name] {
                diagnostics.error("stage '\(manifest.name)' is already defined (\(existing.origin)); give this manifest another name",
                                  at: SourceLocation(file: file, line: 1, column: 1))
                continue
            }
            catalog.manifests[manifest.name] = manifest
        }
        return catalog
    }

    /// The project's `stages/` folder: the nearest one in the pipeline file's
    /// folder or above it, stopping at the repository root (a folder with .git).
    public static func projectStagesFolder(near pipelineFile: URL) -> URL? {
        var folder = pipelineFile.deletingLastPathComponent().standardizedFileURL
        let manager = FileManager.default
        while true {
            var isDirectory: ObjCBool = false
            let candidate = folder.appendingPathComponent("stages")
            if manager.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return candidate
            }
            if manager.fileExists(atPath: folder.appendingPathComponent(".git").path) { return nil }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return nil }
            folder = parent
        }
    }
}

/// Paths shown to people: relative to the working directory when inside it.
enum PathDisplay {
    static func relative(_ url: URL) -> String {
        let path = url.standardizedFileURL.path
        let cwd = FileManager.default.currentDirectoryPath
        if path.hasPrefix(cwd + "/") { return String(path.dropFirst(cwd.count + 1)) }
        return path
    }
}
