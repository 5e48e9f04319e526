import ArgumentParser
import Foundation
import Orchestrator
import Reporting

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline: stages whose key is cached are reused, the rest run in parallel.")

    @OptionGroup var pipelineOptions: PipelineOptions

    @Option(parsing: .upToNextOption, help: "Run only these stages; their inputs must be cached.")
    var only: [String] = []

    @Option(help: "Run this stage and everything downstream of it.")
    var from: String?

    @Option(help: "Run this stage and everything upstream of it.")
    var until: String?

    @Option(parsing: .upToNextOption, help: "Rerun these stages and everything downstream even if cached.")
    var force: [String] = []

    @Flag(help: "Check every cached file against its SHA-256 before reusing it (by default: size and modification time; published outputs are always hashed).")
    var verify = false

    @Flag(help: "Print the plan (what would run and why) and stop.")
    var dryRun = false

    @Option(help: "Where stages run: local (processes on this machine) or slurm (one sbatch job per stage; the state folder must be on a filesystem every node sees).")
    var executor: ExecutorKind = .local

    @Option(help: "slurm: the partition jobs are submitted to (default: the cluster's default).")
    var partition: String?

    @Flag(help: .hidden)
    var asJob = false

    @Option(help: "How many stages may run at once (default: number of cores).")
    var jobs: Int = RunCommand.cores

    /// Read once: the parser makes several instances of a command, and each
    /// read of the count opens the cgroup files (about 1 ms each on a start of ~30).
    private static let cores = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Write a JSON report of the run to this file.")
    var report: String?

    @Flag(help: "CI mode: no colour, timestamped plain lines (also on when CI=true).")
    var ci = false

    @Option(help: "Write a JUnit XML file: each stage and each gate is a test case.")
    var junit: String?

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let ciMode = ci || ProcessInfo.processInfo.environment["CI"] == "true"
        if ciMode { Console.plain = true }
        let pipeline = try pipelineOptions.load()
        var runner = pipelineOptions.runner()
        if verify { runner.verification = .contents }
        // One stage's job of a cluster run: the orchestrating run checks the gates and publishes.
        if asJob { runner.checksGatesAndPublishes = false }
        if executor == .slurm {
            guard let binary = Console.executablePath else { throw ValidationError("cannot find this mtrec binary for the Slurm jobs to run") }
            var slurm = SlurmExecutor(binary: binary, pipelineFile: URL(fileURLWithPath: pipelineOptions.file).standardizedFileURL.path,
                                      overrides: pipelineOptions.overrides,
                                      stateFolder: pipelineOptions.stateFolder.standardizedFileURL, partition: partition)
            // What the jobs must do alike: check entries by content, allow the same publish paths.
            slurm.flags = (verify ? ["--verify"] : []) + (pipelineOptions.publishOutside ? ["--publish-outside"] : [])
            runner.executor = slurm
        }
        let selection = Selection(only: only, from: from, until: until, force: force)
        if dryRun {
            let plan = try planOrExit { try runner.plan(pipeline, selection: selection) }
            Console.line(PlanPrinter.render(plan, pipeline: pipeline))
            return
        }

        // A cluster job's run is part of its orchestrating run: it is not recorded on its own,
        // so `mtrec runs` lists one run and `_vs_last` gates never compare with a job.
        let history = asJob ? nil : try RunHistory(stateFolder: pipelineOptions.stateFolder)
        let cancellation = Cancellation()
        let interrupts = InterruptHandler { cancellation.cancel() }
        let outcome = try planOrExit {
            try runner.run(pipeline, selection: selection, jobs: jobs, observer: ConsoleObserver(timestamps: ciMode),
                           cancellation: cancellation, history: history)
        }
        interrupts.stop()
        if let report { try RunReportWriter.write(outcome, to: report) }
        if let junit { try JUnitReport.write(outcome, to: junit) }
        Console.line(RunSummary.render(outcome))
        switch outcome.status {
        case .succeeded: return
        case .failed: throw ExitStatus.stageFailed
        case .publishFailed:
            Console.error("error: \(outcome.publishError ?? "publishing failed")")
            throw ExitStatus.stageFailed
        case .gateFailed: throw ExitStatus.gateFailed
        case .interrupted: throw ExitStatus.interrupted
        case .running: fatalError("a finished run is never running")
        }
    }
}

/// Plan errors (unknown stage names, uncached upstream) are usage errors: exit 2.
func planOrExit<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as PlanError {
        Console.error("error: \(error)")
        throw ExitStatus.invalid
    }
}

enum ExecutorKind: String, ExpressibleByArgument {
    case local, slurm
}
