import ArgumentParser
import Foundation
import Orchestrator

/// Options shared by every command that reads a pipeline file.
struct PipelineOptions: ParsableArguments {
    @Argument(help: "The pipeline file.")
    var file: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a value: STAGE.KEY=VALUE or params.KEY=VALUE.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(name: .customLong("state-dir"), help: "State folder (default: $MTREC_STATE_DIR or .mtrec).")
    var stateDirectory: String?

    @Flag(name: .customLong("publish-outside"),
          help: "Allow publish destinations outside the working folder (absolute paths, '~', '..' above it).")
    var publishOutside = false

    var stateFolder: URL { StateFolder.resolve(explicit: stateDirectory) }

    /// Loads and validates the pipeline, printing diagnostics; exits 2 on errors.
    func load() throws -> ResolvedPipeline {
        var parsed: [Override] = []
        for text in overrides {
            guard let override = Override(parsing: text) else {
                throw ValidationError("invalid --set '\(text)': \(Override.syntax)")
            }
            parsed.append(override)
        }
        let (pipeline, diagnostics) = Builtins.loader.load(file, overrides: parsed, allowsPublishOutside: publishOutside)
        Console.print(diagnostics)
        guard let pipeline else {
            Console.error("\(diagnostics.filter { $0.severity == .error }.count) error(s) in \(file)")
            throw ExitStatus.invalid
        }
        return pipeline
    }

    func runner() -> PipelineRunner {
        PipelineRunner(stateFolder: stateFolder,
                       executor: ProcessExecutor(builtinLauncher: Console.executablePath, showsProgress: Console.showsProgress))
    }
}
