import Foundation

/// Everything an executor needs to run one stage, with paths already chosen.
public struct StageJob: Sendable, Codable {
    public var pipeline: String
    public var stage: String
    public var definition: String
    /// For command stages: the program and its arguments, placeholders filled
    /// in (a shell command is `/bin/sh -c TEXT` with each value quoted).
    public var arguments: [String]?
    /// For built-in stages: the implementation's name.
    public var builtin: String?
    /// Every param, typed as the validator checked it (defaults filled in).
    public var params: [String: ParamValue]
    public var inputs: [String: String]
    public var outputs: [String: String]
    public var workingDirectory: String
    public var stdoutLog: String
    public var stderrLog: String
    /// A folder that survives a killed run of the same stage key, for
    /// checkpoints (a long train resumes from its last epoch); removed once
    /// the stage's outputs are committed.
    public var checkpointFolder: String?
    /// What the stage asks of a cluster machine.
    public var resources: StageResources?
    /// The stage key (hex), under which the outputs are committed.
    public var key: String
    /// The outputs take the place of an entry under the same key (forced, or the entry changed).
    public var replacesEntry = false

    public init(pipeline: String, stage: String, definition: String, arguments: [String]? = nil, builtin: String? = nil,
                params: [String: ParamValue], inputs: [String: String], outputs: [String: String], workingDirectory: String,
                stdoutLog: String, stderrLog: String, checkpointFolder: String? = nil, resources: StageResources? = nil, key: String = "") {
        (self.pipeline, self.stage, self.definition, self.arguments, self.builtin) = (pipeline, stage, definition, arguments, builtin)
        (self.params, self.inputs, self.outputs, self.workingDirectory) = (params, inputs, outputs, workingDirectory)
        (self.stdoutLog, self.stderrLog, self.checkpointFolder, self.resources, self.key) = (stdoutLog, stderrLog, checkpointFolder, resources, key)
    }
}

/// How a stage's process ended.
public struct ExecutionResult: Sendable {
    public var exitCode: Int32
    /// The signal that ended the process, if one did.
    public var signal: Int32?
    public var seconds: Double
    public var peakMemoryBytes: Int64?
    /// The last lines the stage wrote to stderr.
    public var stderrTail: [String] = []

    public var succeeded: Bool { exitCode == 0 && signal == nil }
}

/// Runs a stage's work somewhere: a local process today, a container on a
/// cluster later. `execute` blocks until the work ends.
public protocol StageExecutor: Sendable {
    /// `output` receives each line the stage writes to stdout.
    func execute(_ job: StageJob, cancellation: Cancellation, output: @escaping @Sendable (String) -> Void) throws -> ExecutionResult
    /// True when the work itself locks, builds and commits the stage's key
    /// (a cluster job running `mtrec run --only`): the scheduler then neither
    /// locks nor stages, and finds the outputs in the store afterwards.
    var commitsItself: Bool { get }
}

extension StageExecutor {
    public var commitsItself: Bool { false }
}
