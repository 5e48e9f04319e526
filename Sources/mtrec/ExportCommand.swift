import ArgumentParser
import Foundation
import Orchestrator
import RecommenderStages

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the pipeline for another engine to run, or a trained model for another runtime.",
        subcommands: [Argo.self, ONNX.self])

    struct ONNX: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "onnx",
            abstract: "The trained model of a finished run as ONNX (every task's output, any batch size), with its fitted transform.")

        @OptionGroup var pipelineOptions: PipelineOptions
        @Option(name: .customLong("run"), help: "Export this run's model instead of the newest passing run's.") var runID: String?
        @Option(help: "The folder to write model.onnx, transform.json and inputs.json to.") var out: String

        func run() throws {
            let pipeline = try pipelineOptions.load()
            let history = try RunHistory(stateFolder: pipelineOptions.stateFolder)
            do {
                let artifacts = try RunSelection.artifacts(of: pipeline, in: history, run: runID) { try ModelArtifacts(pipeline: pipeline, run: $0) }
                let files = try artifacts.exportONNX(to: URL(fileURLWithPath: out), producerVersion: Mtrec.version)
                Console.line("run \(artifacts.runID): wrote \(files.joined(separator: ", "))")
            } catch let problem as ServingArtifacts.Problem {
                Console.error("mtrec export onnx: \(problem)")
                throw ExitStatus.invalid
            }
        }
    }

    struct Argo: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "argo",
            abstract: "An Argo Workflow (a CronWorkflow with --schedule): one DAG task per stage, each `mtrec run FILE --only STAGE` in the image, against a volume holding the state folder.")

        @OptionGroup var pipelineOptions: PipelineOptions
        @Option(help: "The container image with mtrec and the project.") var image = "mtrec:latest"
        @Option(help: "A cron schedule (\"0 3 * * *\"): export a CronWorkflow for scheduled retraining.") var schedule: String?
        @Option(name: .customLong("volume-claim"), help: "The ReadWriteMany PersistentVolumeClaim that holds the state folder.")
        var volumeClaim = "mtrec-state"
        @Option(name: .customLong("workdir"), help: "Where the image holds the project; the pipeline file is taken relative to it.")
        var workingDirectory = "/project"
        @Option(help: "Write the workflow here instead of to standard output.") var out: String?

        func run() throws {
            let pipeline = try pipelineOptions.load()
            var export = ArgoExport(image: image, schedule: schedule, volumeClaim: volumeClaim,
                                    pipelinePath: pipelineOptions.file, workingDirectory: workingDirectory)
            // params.X overrides become the workflow parameters' values; the others travel with every task.
            export.stageOverrides = pipelineOptions.overrides.filter { !$0.hasPrefix("params.") }
            export.flags = pipelineOptions.publishOutside ? ["--publish-outside"] : []
            let json: Data
            do { json = try export.json(for: pipeline) } catch let failure as ArgoExport.Failure {
                Console.error("error: \(failure)")
                throw ExitStatus.invalid
            }
            let text = String(decoding: json, as: UTF8.self) + "\n"
            if let out {
                try text.write(toFile: out, atomically: true, encoding: .utf8)
                Console.line("wrote \(out): \(schedule == nil ? "Workflow" : "CronWorkflow") with \(pipeline.stages.count) stage tasks and finish")
            } else {
                Console.line(text.trimmingCharacters(in: .newlines))
            }
        }
    }
}
