import ArgumentParser

struct Mtrec: ParsableCommand {
    /// The release; `mtrec --version` prints it.
    static let version = "0.5.0"

    static let configuration = CommandConfiguration(
        commandName: "mtrec",
        abstract: "Declarative pipelines for multi-task recommendation: cached, resumable, parallel.",
        version: "mtrec \(Mtrec.version)",
        subcommands: [RunCommand.self, ValidateCommand.self, StatusCommand.self, DagCommand.self,
                      StagesCommand.self, RunsCommand.self, DiffCommand.self, GCCommand.self, ReportCommand.self, ExportCommand.self, SchemaCommand.self, ServeCommand.self,
                      RunStageCommand.self]
    )
}

enum ExitStatus {
    static let stageFailed = ExitCode(1)
    static let invalid = ExitCode(2)
    static let gateFailed = ExitCode(3)
    static let interrupted = ExitCode(130)
}
