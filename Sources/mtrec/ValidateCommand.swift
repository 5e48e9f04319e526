import ArgumentParser
import Orchestrator

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a pipeline file and report every error as file:line:col.")

    @OptionGroup var pipelineOptions: PipelineOptions

    func run() throws {
        let pipeline = try pipelineOptions.load()
        Console.line("\(pipelineOptions.file): ok (\(pipeline.stages.count) stages)")
    }
}
