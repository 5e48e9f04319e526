import ArgumentParser
import Orchestrator

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each stage's state (cached or will run, and why) without running anything.")

    @OptionGroup var pipelineOptions: PipelineOptions

    func run() throws {
        let pipeline = try pipelineOptions.load()
        let plan = try planOrExit { try pipelineOptions.runner().plan(pipeline) }
        Console.line(PlanPrinter.render(plan, pipeline: pipeline))
    }
}
