import ArgumentParser
import Foundation

/// Runs one built-in stage from a job file; the scheduler starts it.
struct RunStageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-stage",
        abstract: "Run one built-in stage from a job file (used by mtrec run).",
        shouldDisplay: false)

    @Argument(help: "The job file written by mtrec run.")
    var jobFile: String

    func run() throws {
        let code = Builtins.registry.run(jobFile: jobFile)
        if code != 0 { throw ExitCode(code) }
    }
}
