import Foundation

/// Runs a stage as a local process in its own process group, so that
/// stopping it stops everything it started. Command stages run through
/// `/bin/sh -c` or, in the list form, directly; built-in stages run `mtrec run-stage` on a job file.
public struct ProcessExecutor: StageExecutor {
    /// The mtrec binary that runs built-in stages and supervises every stage
    /// process (`StageSupervisor`); nil when none is available (in-process tests).
    public var builtinLauncher: String?
    /// Whether stages may send transient progress lines (see `StageProgress`).
    public var showsProgress: Bool

    public init(builtinLauncher: String?, showsProgress: Bool = false) {
        self.builtinLauncher = builtinLauncher
        self.showsProgress = showsProgress
    }

    public func execute(_ job: StageJob, cancellation: Cancellation,
                        output: @escaping @Sendable (String) -> Void) throws -> ExecutionResult {
        let arguments: [String]
        if let commandArguments = job.arguments {
            arguments = commandArguments
        } else if job.builtin != nil, let builtinLauncher {
            let jobFile = URL(fileURLWithPath: job.stdoutLog).deletingPathExtension().appendingPathExtension("job.json")
            try JSONEncoder.mtrec.encode(job).write(to: jobFile)
            arguments = [builtinLauncher, "run-stage", jobFile.path]
        } else {
            throw StoreError.io("stage '\(job.stage)' needs built-in '\(job.builtin ?? "?")', which this mtrec binary cannot run")
        }
        let supervised = builtinLauncher.map {
            StageSupervisor.wrap(arguments, launcher: $0, lockPath: job.checkpointFolder.map { $0 + ".lock" })
        }
        return try Subprocess.run(supervised ?? arguments, environment: environment(for: job), workingDirectory: job.workingDirectory,
                                  stdoutPath: job.stdoutLog, stderrPath: job.stderrLog, cancellation: cancellation, output: output)
    }

    /// The parent's environment plus the stage's params, inputs and outputs.
    func environment(for job: StageJob) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["MTREC_PIPELINE"] = job.pipeline
        environment["MTREC_STAGE"] = job.stage
        if let folder = job.checkpointFolder { environment["MTREC_CHECKPOINT_DIR"] = folder }
        if showsProgress { environment[StageProgress.environmentVariable] = "1" }
        for (name, value) in job.params { environment[Self.variable(.params, name)] = value.plainText }
        for (name, path) in job.inputs { environment[Self.variable(.inputs, name)] = path }
        for (name, path) in job.outputs { environment[Self.variable(.outputs, name)] = path }
        return environment
    }

    /// The variable holding what `{section.name}` stands for: MTREC_PARAM_X,
    /// MTREC_INPUT_X or MTREC_OUTPUT_X.
    static func variable(_ section: CommandTemplate.Section, _ name: String) -> String {
        let prefix = switch section {
        case .params: "MTREC_PARAM_"
        case .inputs: "MTREC_INPUT_"
        case .outputs: "MTREC_OUTPUT_"
        }
        return prefix + variableName(name)
    }

    static func variableName(_ name: String) -> String {
        name.uppercased().replacingOccurrences(of: "-", with: "_")
    }
}

/// Transient progress from a running stage: when mtrec shows a terminal it
/// sets MTREC_PROGRESS=1, and a stage may then print lines starting with
/// "@progress " (a batch counter, an ETA), which the console redraws in place
/// instead of scrolling.
public enum StageProgress {
    public static let environmentVariable = "MTREC_PROGRESS"
    public static let marker = "@progress "

    /// Whether this (stage) process was asked for progress lines.
    public static var isRequested: Bool { ProcessInfo.processInfo.environment[environmentVariable] == "1" }
}
