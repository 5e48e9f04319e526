import Dispatch

/// The built-in manifests, parsed on a background thread from the moment this
/// value is made: a command that reads a pipeline makes it first thing, so
/// parsing the manifests overlaps parsing the command line. Reading a
/// property waits for the parse to finish.
final class ParsedBuiltins: @unchecked Sendable {
    private let done = DispatchGroup()
    private var result: (manifests: [StageManifest], diagnostics: [Diagnostic], trimmedTexts: Set<String>)?

    init(_ embedded: [EmbeddedManifest]) {
        DispatchQueue.global(qos: .userInitiated).async(group: done) { [self] in
            var diagnostics = DiagnosticBag()
            let parser = ManifestParser()
            let manifests = embedded.compactMap { source in
                parser.parse(source.text, file: "<built-in>/\(source.fileName)", origin: "built-in", diagnostics: &diagnostics)
            }
            // The group's wait orders this write before every read.
            result = (manifests, diagnostics.diagnostics, Set(embedded.map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }))
        }
    }

    private var parsed: (manifests: [StageManifest], diagnostics: [Diagnostic], trimmedTexts: Set<String>) {
        done.wait()
        return result!
    }

    var manifests: [StageManifest] { parsed.manifests }
    var diagnostics: [Diagnostic] { parsed.diagnostics }
    /// The manifests' texts without surrounding blank space, to recognise a copy on disk.
    var trimmedTexts: Set<String> { parsed.trimmedTexts }
}
