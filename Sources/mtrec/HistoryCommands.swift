import ArgumentParser
import Foundation
import Orchestrator
import Reporting

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "The run history: a table of runs, or one run in full.",
        subcommands: [List.self, Show.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Runs, newest first.")
        @OptionGroup var state: StateOptions
        @Option(help: "Only runs of this pipeline.") var pipeline: String?
        @Option(help: "How many runs.") var limit = 20

        func run() throws {
            let runs = try state.history().runs(pipeline: pipeline, limit: limit)
            guard !runs.isEmpty else { return Console.line("no runs recorded in \(state.folder.path)") }
            var rows = [["run", "pipeline", "status", "started (UTC)", "seconds", "commit"]]
            for run in runs {
                let seconds = run.endedAt.map { String(format: "%.1f", $0.timeIntervalSince(run.startedAt)) } ?? "-"
                rows.append([run.id, run.pipeline, run.status.rawValue, TextFormat.time(run.startedAt), seconds, String((run.gitCommit ?? "-").prefix(10))])
            }
            Console.line(Console.table(rows))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "One run in full.")
        @OptionGroup var state: StateOptions
        @Argument(help: "The run id (see mtrec runs).") var id: String

        func run() throws {
            guard let detail = try state.history().detail(id) else {
                Console.error("error: no run '\(id)' in \(state.folder.path)")
                throw ExitStatus.invalid
            }
            let run = detail
            var text = """
                run       \(run.id)
                pipeline  \(run.pipeline) (\(run.file), sha256 \(run.fileHash.prefix(12)))
                commit    \(run.gitCommit ?? "-")
                started   \(TextFormat.time(run.startedAt)) UTC
                status    \(run.status.rawValue)
                """
            var stages = [["stage", "status", "seconds", "peak MB", "key", "reason"]]
            for stage in detail.stages {
                stages.append([stage.name, stage.status.rawValue, String(format: "%.2f", stage.seconds),
                               stage.peakMemoryBytes.map { String($0 / 1_048_576) } ?? "-", stage.key.short, stage.error ?? stage.reason.description])
            }
            text += "\n\n" + Console.table(stages)
            if !detail.metrics.isEmpty {
                text += "\n\nmetrics\n" + Console.table(detail.metrics.map { ["  \($0.stage).\($0.name)", TextFormat.number($0.value)] })
            }
            if !detail.gates.isEmpty {
                text += "\n\ngates\n" + Console.table(detail.gates.map { ["  \($0.gate)", $0.condition, $0.passed ? "passed" : "FAILED", $0.message] })
            }
            text += "\n\nparams\n" + Console.table(run.params.keys.sorted().map { ["  \($0)", run.params[$0]!] })
            Console.line(text)
        }
    }
}

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Params that changed and metric deltas between two runs (default: the last two of a pipeline).")

    @OptionGroup var state: StateOptions
    @Argument(help: "The earlier run and the later run.") var runs: [String] = []
    @Option(help: "With no run ids: the pipeline whose last two runs to compare (default: the newest run's).") var pipeline: String?

    func validate() throws {
        guard runs.isEmpty || runs.count == 2 else { throw ValidationError("give two run ids, or none") }
    }

    func run() throws {
        let history = try state.history()
        var ids = runs
        if ids.isEmpty {
            let name = try pipeline ?? history.runs(limit: 1).first?.pipeline
            let latest = try history.runs(pipeline: name, limit: 2)
            guard latest.count == 2 else {
                Console.error("error: need two recorded runs\(name.map { " of '\($0)'" } ?? "") to compare")
                throw ExitStatus.invalid
            }
            ids = [latest[1].id, latest[0].id]
        }
        guard let a = try history.detail(ids[0]), let b = try history.detail(ids[1]) else {
            Console.error("error: unknown run id; see mtrec runs")
            throw ExitStatus.invalid
        }
        Console.line(RunDiff.render(a, b))
    }
}

struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove cache entries that no kept run refers to; print the bytes freed.")

    @OptionGroup var state: StateOptions
    @Option(help: "Keep what the newest N runs of each pipeline used.") var keepRuns = 10

    func run() throws {
        do {
            let result = try GarbageCollector.collect(stateFolder: state.folder, history: state.history(), keepRuns: keepRuns)
            Console.line("removed \(result.removedEntries) cache entries, freed \(TextFormat.bytes(result.freedBytes)); kept \(result.keptEntries)")
        } catch let failure as GarbageCollector.Failure {
            Console.error("error: \(failure)")
            throw ExitCode(1)
        }
    }
}

/// `--state-dir` for commands that read the history without a pipeline file.
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: "State folder (default: $MTREC_STATE_DIR or .mtrec).")
    var stateDirectory: String?

    var folder: URL { StateFolder.resolve(explicit: stateDirectory) }

    func history() throws -> RunHistory { try RunHistory(stateFolder: folder) }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page about a run (default: the newest).")

    @OptionGroup var state: StateOptions
    @Argument(help: "The run id (default: the newest run).") var id: String?
    @Option(help: "Where to write the page.") var out = "report.html"

    func run() throws {
        let history = try state.history()
        guard let runId = try id ?? history.runs(limit: 1).first?.id, let detail = try history.detail(runId) else {
            Console.error("error: no such run in \(state.folder.path); see mtrec runs")
            throw ExitStatus.invalid
        }
        let previous = try history.previousRun(of: detail).flatMap { try history.detail($0.id) }
        try HTMLReport.render(detail, previous: previous).write(toFile: out, atomically: true, encoding: .utf8)
        Console.line("wrote \(out) for run \(runId)")
    }
}
