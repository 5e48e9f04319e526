import Foundation

/// Runs each stage as a Slurm job: `sbatch` a script that runs
/// `mtrec run FILE --only STAGE` against the same state folder, which every
/// node must see at the same path. The job locks, builds and commits the
/// stage's key itself, as a local run would, so a killed orchestrator loses
/// nothing: the job finishes and commits, and the next run finds the key
/// cached, or finds the job still queued or running (recorded in
/// `slurm/<key>.job`) and waits for it instead of submitting it again.
public struct SlurmExecutor: StageExecutor {
    /// The mtrec binary, at a path the nodes see.
    public var binary: String
    /// The pipeline file and the `--set` values of this run, so the job computes the same keys.
    public var pipelineFile: String
    public var overrides: [String]
    public var stateFolder: URL
    public var partition: String?
    /// Flags every job's `mtrec run` gets too (`--verify`, `--publish-outside`).
    public var flags: [String] = []
    /// How often squeue is asked about a job.
    public var pollInterval: Double = 0.5

    public init(binary: String, pipelineFile: String, overrides: [String], stateFolder: URL, partition: String? = nil) {
        (self.binary, self.pipelineFile, self.overrides) = (binary, pipelineFile, overrides)
        (self.stateFolder, self.partition) = (stateFolder, partition)
    }

    public var commitsItself: Bool { true }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public func execute(_ job: StageJob, cancellation: Cancellation,
                        output: @escaping @Sendable (String) -> Void) throws -> ExecutionResult {
        let started = DispatchTime.now()
        let records = stateFolder.appendingPathComponent("slurm")
        try FileManager.default.createDirectory(at: records, withIntermediateDirectories: true)
        let record = records.appendingPathComponent("\(job.key).job")
        // A job of this key submitted by an earlier, killed mtrec and still queued or running: wait for it.
        // The record: the job id, then its stdout and stderr logs (an earlier run's job writes to that run's logs).
        let recorded = ((try? String(contentsOf: record, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        var logs = (stdout: job.stdoutLog, stderr: job.stderrLog)
        let id: String
        if recorded.count == 3, Self.state(of: recorded[0]).map(Self.isFinished) == false {
            id = recorded[0]
            logs = (recorded[1], recorded[2])
            output("slurm job \(id) (submitted earlier, still queued or running): waiting for it")
        } else {
            try? FileManager.default.removeItem(atPath: Self.reportPath(job, in: stateFolder))
            id = try submit(job)
            try [id, logs.stdout, logs.stderr].joined(separator: "\n").write(to: record, atomically: true, encoding: .utf8)
            output("slurm job \(id)")
        }
        var log = LogFollower(path: logs.stdout)
        var shownState = ""
        var state = Self.state(of: id)
        var unknownSince: DispatchTime?
        while state.map(Self.isFinished) != true {
            if cancellation.isCancelled {
                _ = Self.capture(["scancel", id])
            }
            Thread.sleep(forTimeInterval: pollInterval)
            log.follow(output)
            state = Self.state(of: id)
            // A job waiting in the queue says why (Resources, Priority, a limit it exceeds).
            if let state, let now = state["JobState"], now != shownState {
                shownState = now
                if now != "RUNNING" { output("slurm job \(id): \(now)\(state["Reason"].map { $0 == "None" ? "" : " (\($0))" } ?? "")") }
            }
            // Slurm forgetting a job (or slurmctld gone) for half a minute ends the wait.
            if state == nil {
                let since = unknownSince ?? DispatchTime.now()
                unknownSince = since
                if DispatchTime.now().uptimeNanoseconds - since.uptimeNanoseconds > 30_000_000_000 {
                    throw Failure(description: "Slurm no longer knows job \(id) (scontrol show job fails); see the job's log \(job.stderrLog)")
                }
            } else {
                unknownSince = nil
            }
        }
        log.follow(output)
        try? FileManager.default.removeItem(at: record)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        var (code, signal) = state.map(Self.exitCode) ?? (1, nil)
        var tail = StderrTail.read(logs.stderr) ?? []
        // The job ran mtrec, which exits 1 for any failed stage: the stage's own exit and stderr are in its report.
        if let stage = Self.stageReport(job, in: stateFolder), stage["status"] as? String == "failed" {
            if let inner = stage["exitCode"] as? Int { code = Int32(inner) }
            if let stageTail = stage["stderrTail"] as? [String], !stageTail.isEmpty { tail = stageTail }
            if code != 0 { signal = nil }
        }
        return ExecutionResult(exitCode: code, signal: signal, seconds: seconds, peakMemoryBytes: nil, stderrTail: tail)
    }

    static func reportPath(_ job: StageJob, in stateFolder: URL) -> String {
        stateFolder.appendingPathComponent("slurm").appendingPathComponent("\(job.key).report.json").path
    }

    /// The stage's entry in the job's run report, if the job wrote one.
    static func stageReport(_ job: StageJob, in stateFolder: URL) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: reportPath(job, in: stateFolder)),
              let report = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let stages = report["stages"] as? [[String: Any]] else { return nil }
        return stages.first { $0["name"] as? String == job.stage }
    }

    /// Submits the stage; returns the job id.
    func submit(_ job: StageJob) throws -> String {
        let script = URL(fileURLWithPath: job.stdoutLog).deletingPathExtension().appendingPathExtension("sbatch.sh")
        // The job's own report says how the stage itself ended (its exit code, its stderr).
        var command = [binary, "run", pipelineFile, "--only", job.stage, "--state-dir", stateFolder.path, "--ci", "--as-job",
                       "--report", Self.reportPath(job, in: stateFolder)] + flags
        // A forced stage (or one whose entry changed) is rebuilt by the job too, not found cached.
        if job.replacesEntry { command += ["--force", job.stage] }
        for value in overrides { command += ["--set", value] }
        // Each argument one quoted shell word: nothing in a param or path is read as code.
        let text = "#!/bin/sh\nexec " + command.map(CommandTemplate.shellWord).joined(separator: " ") + "\n"
        try text.write(to: script, atomically: true, encoding: .utf8)
        var arguments = ["sbatch", "--parsable", "--job-name=mtrec-\(job.stage)", "--output=\(job.stdoutLog)", "--error=\(job.stderrLog)",
                         "--chdir=\(job.workingDirectory)"]
        if let partition { arguments.append("--partition=\(partition)") }
        if let cpus = job.resources?.cpus { arguments.append("--cpus-per-task=\(cpus)") }
        if let mebibytes = job.resources?.memoryMebibytes { arguments.append("--mem=\(mebibytes)M") }
        if let seconds = job.resources?.seconds { arguments.append("--time=\((seconds + 59) / 60)") }
        arguments.append(script.path)
        let (status, printed, problems) = Self.run(arguments)
        // `--parsable` prints "ID" or "ID;CLUSTER" on stdout; warnings go to stderr.
        let id = printed.split(whereSeparator: \.isNewline).last?.split(separator: ";").first.map(String.init) ?? ""
        guard status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw Failure(description: "sbatch failed (exit \(status)): \((printed + problems).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return id
    }

    /// The job's `scontrol show job -o` line, nil when Slurm no longer knows it.
    static func state(of id: String) -> [String: String]? {
        let (status, text) = capture(["scontrol", "show", "job", "-o", id])
        guard status == 0 else { return nil }
        var fields: [String: String] = [:]
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            guard let equals = word.firstIndex(of: "=") else { continue }
            fields[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        return fields
    }

    static let finishedStates: Set<String> = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED",
                                              "BOOT_FAIL", "DEADLINE", "SPECIAL_EXIT", "REVOKED"]

    static func isFinished(_ fields: [String: String]) -> Bool {
        finishedStates.contains(fields["JobState"] ?? "")
    }

    /// `ExitCode=CODE:SIGNAL`; a job that timed out or was cancelled without one counts as failed.
    static func exitCode(_ fields: [String: String]) -> (Int32, Int32?) {
        let parts = (fields["ExitCode"] ?? "1:0").split(separator: ":").map { Int32($0) ?? 0 }
        let code = parts.first ?? 1, signal = parts.count > 1 && parts[1] != 0 ? parts[1] : nil
        if fields["JobState"] != "COMPLETED", code == 0, signal == nil { return (1, nil) }
        return (code, signal)
    }

    /// Runs a Slurm command to the end: its exit status and its stdout.
    static func capture(_ arguments: [String]) -> (Int32, String) {
        let (status, printed, _) = run(arguments)
        return (status, printed)
    }

    /// Runs a Slurm command to the end: its exit status, stdout and stderr apart.
    static func run(_ arguments: [String]) -> (Int32, String, String) {
        do { return try ChildProcess.run(arguments) } catch { return (127, "", "\(error)") }
    }
}

/// Hands on each complete line a growing log file gains.
struct LogFollower {
    let path: String
    private var offset: UInt64 = 0
    private var partial = ""

    init(path: String) {
        self.path = path
    }

    mutating func follow(_ output: (String) -> Void) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        try? handle.seek(toOffset: offset)
        guard let data = try? handle.readToEnd(), !data.isEmpty else { return }
        offset += UInt64(data.count)
        partial += String(decoding: data, as: UTF8.self)
        var lines = partial.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        partial = lines.removeLast()
        for line in lines { output(line) }
    }
}
