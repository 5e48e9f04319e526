import ArgumentParser

struct Mtrec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mtrec",
        abstract: "Declarative pipelines for multi-task recommendation: cached, resumable, parallel.",
        subcommands: [RunCommand.self, ValidateCommand.self, StatusCommand.self, DagCommand.self,
                      StagesCommand.self, RunsCommand.self, DiffCommand.self, GCCommand.self, ReportCommand.self,
                      RunStageCommand.self]
    )
}

enum ExitStatus {
    static let stageFailed = ExitCode(1)
    static let invalid = ExitCode(2)
    static let gateFailed = ExitCode(3)
    static let interrupted = ExitCode(130)
}
