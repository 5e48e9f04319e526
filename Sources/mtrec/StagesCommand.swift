import ArgumentParser
import Foundation
import Orchestrator

struct StagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages",
        abstract: "List the stage catalog, or print one stage's help.")

    @Argument(help: "A stage name: print its inputs, outputs and params.")
    var name: String?

    @Option(help: "Read the project's stages/ folder near this pipeline file (default: the working directory).")
    var pipeline: String?

    func run() throws {
        var diagnostics = DiagnosticBag()
        let near = pipeline ?? FileManager.default.currentDirectoryPath + "/pipeline.yaml"
        let catalog = Builtins.loader.catalog(near: near, diagnostics: &diagnostics)
        Console.print(diagnostics.sorted)
        if let name {
            guard let manifest = catalog[name] else {
                Console.error("error: no stage '\(name)'\(Suggestion.hint(for: name, in: catalog.names)); known: \(catalog.names.joined(separator: ", "))")
                throw ExitStatus.invalid
            }
            Console.line(ManifestHelp.render(manifest))
            return
        }
        if catalog.names.isEmpty {
            Console.line("no stages in the catalog")
            return
        }
        var rows = [["stage", "version", "origin", "description"]]
        for name in catalog.names {
            let manifest = catalog[name]!
            rows.append([name, String(manifest.version), manifest.origin, manifest.description])
        }
        Console.line(Console.table(rows))
    }
}
