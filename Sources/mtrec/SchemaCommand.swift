import ArgumentParser
import Foundation
import Orchestrator

/// `mtrec schema`: the pipeline files' JSON Schema, for editors.
struct SchemaCommand: ParsableCommand {
    @Argument(help: "A pipeline file: its project's stages/ join the built-in catalog (default: the current folder's).")
    var near: String = "pipeline.yaml"

    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print a JSON Schema for pipeline files, from the stage catalog, for an editor's YAML language server.")

    func run() throws {
        var diagnostics = DiagnosticBag()
        let catalog = Builtins.loader.catalog(near: near, diagnostics: &diagnostics)
        Console.print(diagnostics.diagnostics)
        Console.line(String(decoding: try PipelineSchema.json(for: catalog), as: UTF8.self))
    }
}
