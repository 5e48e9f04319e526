import ArgumentParser
import Orchestrator

extension DagFormat: ExpressibleByArgument {}

struct DagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dag",
        abstract: "Draw the pipeline's DAG as text, Mermaid or Graphviz dot.")

    @OptionGroup var pipelineOptions: PipelineOptions

    @Option(help: "text, mermaid or dot.")
    var format: DagFormat = .text

    func run() throws {
        Console.line(DagRenderer.render(try pipelineOptions.load(), as: format))
    }
}
