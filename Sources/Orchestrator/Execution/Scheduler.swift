import Foundation

/// Runs the stages of a plan with Dispatch: a stage starts as soon as every
/// stage it depends on has finished, up to `jobs` at once. A failed stage
/// blocks its descendants; independent stages still finish and are cached.
public final class Scheduler: @unchecked Sendable {
    fileprivate enum State {
        case pending, running, finished(StageExecution)
    }

    private let pipeline: ResolvedPipeline
    private let plan: RunPlan
    private let store: any ArtifactStore
    private let executor: any StageExecutor
    private let records: StageRecords
    private let observer: any RunObserver
    private let cancellation: Cancellation
    private let jobs: Int
    private let logsFolder: URL
    private let checkpointsFolder: URL
    private let clock = DispatchTime.now()

    /// Guards everything below; stage work runs on the global queues.
    private let queue = DispatchQueue(label: "mtrec.scheduler")
    private var states: [String: State] = [:]
    private var artifacts: [String: StoredArtifact] = [:]
    private var runningCount = 0
    private let done = DispatchSemaphore(value: 0)

    public init(pipeline: ResolvedPipeline, plan: RunPlan, store: any ArtifactStore, executor: any StageExecutor,
                records: StageRecords, observer: any RunObserver, cancellation: Cancellation, jobs: Int, logsFolder: URL,
                checkpointsFolder: URL) {
        self.pipeline = pipeline
        self.plan = plan
        self.store = store
        self.executor = executor
        self.records = records
        self.observer = observer
        self.cancellation = cancellation
        self.jobs = max(1, jobs)
        self.logsFolder = logsFolder
        self.checkpointsFolder = checkpointsFolder
    }

    /// Runs the plan to the end and returns each stage's outcome in file order.
    public func run() -> [StageExecution] {
        queue.sync {
            for planned in plan.stages {
                let stage = pipeline.stage(planned.name)!
                switch planned.action {
                case .useCache:
                    if let artifact = planned.cached {
                        artifacts[planned.name] = artifact
                        records.remember(planned.recipe, for: planned.name)
                        states[planned.name] = .finished(outcome(stage, planned, .cached, reason: .cached, artifact: artifact))
                    } else {
                        states[planned.name] = .pending  // a plan made without looking in the store: build it
                    }
                case .skip:
                    states[planned.name] = .finished(outcome(stage, planned, .skipped, reason: planned.reason))
                case .run:
                    states[planned.name] = .pending
                }
            }
            for planned in plan.stages {
                if case .finished(let outcome)? = states[planned.name], outcome.status == .cached { observer.stageFinished(outcome) }
            }
            scheduleReadyStages()
        }
        done.wait()
        return queue.sync {
            plan.stages.map { planned in
                guard case .finished(let outcome)? = states[planned.name] else { fatalError("stage \(planned.name) never finished") }
                return outcome
            }
        }
    }

    /// Must be called on `queue`.
    private func scheduleReadyStages() {
        var progressed = true
        while progressed {
            progressed = false
            for planned in plan.stages {
                guard case .pending? = states[planned.name] else { continue }
                let stage = pipeline.stage(planned.name)!
                if cancellation.isCancelled {
                    states[planned.name] = .finished(outcome(stage, planned, .skipped, reason: .interruptedBeforeStart))
                    progressed = true
                    continue
                }
                let dependencyStates = stage.dependencies.map { states[$0] }
                if let broken = zip(stage.dependencies, dependencyStates).first(where: { $0.1?.isBroken == true }) {
                    var blocked = outcome(stage, planned, .blocked, reason: .upstreamUnfinished(broken.0))
                    blocked.error = "blocked by '\(broken.0)'"
                    states[planned.name] = .finished(blocked)
                    observer.stageFinished(blocked)
                    progressed = true
                    continue
                }
                guard dependencyStates.allSatisfy({ $0?.isComplete == true }), runningCount < jobs else { continue }
                states[planned.name] = .running
                runningCount += 1
                observer.stageStarted(planned.name, reason: planned.reason)
                DispatchQueue.global().async { [self] in
                    let result = execute(stage, planned)
                    queue.async { [self] in
                        runningCount -= 1
                        states[planned.name] = .finished(result.outcome)
                        if let artifact = result.artifact { artifacts[planned.name] = artifact }
                        observer.stageFinished(result.outcome)
                        scheduleReadyStages()
                    }
                }
            }
        }
        let unfinished = states.values.contains { if case .finished = $0 { false } else { true } }
        if !unfinished { done.signal() }
    }

    // MARK: - One stage, on a worker thread

    /// Why an attempt at a stage ended without outputs.
    enum AttemptFailure: Error, CustomStringConvertible {
        /// Locking, staging, writing the job or starting the process failed.
        case setUp(String)
        case interrupted
        /// The process exited non-zero or was killed by a signal.
        case exited(ExecutionResult)
        /// The outputs could not be committed (a missing output, a full disk).
        case commit(String)

        var description: String {
            switch self {
            case .setUp(let message), .commit(let message): message
            case .interrupted: "interrupted"
            case .exited(let result): result.signal.map { "killed by signal \($0)" } ?? "exited with code \(result.exitCode)"
            }
        }
    }

    /// One attempt at a stage: lock its key, stage, run, commit. Every way
    /// out that leaves no outputs goes through the one `catch`, which
    /// discards the staging area and describes the failure.
    private func execute(_ stage: ResolvedStage, _ planned: PlannedStage) -> (outcome: StageExecution, artifact: StoredArtifact?) {
        let started = elapsed()
        if executor.commitsItself { return executeElsewhere(stage, planned, started: started) }
        var staging: StagingArea?
        var job: StageJob?
        var result: ExecutionResult?
        do {
            let lock: any KeyLock
            do { lock = try store.lock(planned.key) } catch { throw AttemptFailure.setUp("\(error)") }
            defer { lock.release() }

            // Another process may have built the key while we planned or waited for the lock.
            if !planned.reason.replacesEntry, let artifact = store.lookup(planned.key, outputs: stage.outputs) {
                records.remember(planned.recipe, for: stage.name)
                return (outcome(stage, planned, .cached, reason: .builtMeanwhile, artifact: artifact, started: started), artifact)
            }
            do {
                staging = try store.stage(planned.key)
                job = try makeJob(stage, planned, staging: staging!)
            } catch {
                throw AttemptFailure.setUp("\(error)")
            }
            do {
                let observer = self.observer, name = stage.name
                result = try executor.execute(job!, cancellation: cancellation) { observer.stageOutput(name, line: $0) }
            } catch {
                throw AttemptFailure.setUp("\(error)")
            }
            if cancellation.isCancelled { throw AttemptFailure.interrupted }
            guard result!.succeeded else { throw AttemptFailure.exited(result!) }

            let meta = ArtifactMeta(key: planned.key, pipeline: pipeline.name, stage: stage.name, createdAt: Date(), seconds: result!.seconds)
            let artifact: StoredArtifact
            do {
                artifact = try store.commit(staging!, outputs: stage.outputs, meta: meta, replacing: planned.reason.replacesEntry)
            } catch {
                throw AttemptFailure.commit("\(error)")
            }
            if let folder = job!.checkpointFolder {
                try? FileManager.default.removeItem(atPath: folder)
                try? FileManager.default.removeItem(atPath: folder + ".lock")
            }
            records.remember(planned.recipe, for: stage.name)
            return (ended(stage, planned, .ran, started: started, job: job, result: result, artifact: artifact), artifact)
        } catch {
            if let staging { store.discard(staging) }
            return (ended(stage, planned, .failed, started: started, job: job, result: result, error: error), nil)
        }
    }

    /// How an attempt ended, with what it got as far as: its job's logs, its process's exit and memory, its failure.
    private func ended(_ stage: ResolvedStage, _ planned: PlannedStage, _ status: StageStatus, started: Double, job: StageJob?,
                       result: ExecutionResult?, artifact: StoredArtifact? = nil, error: (any Error)? = nil) -> StageExecution {
        var ended = outcome(stage, planned, status, reason: planned.reason, artifact: artifact, started: started)
        (ended.stdoutLog, ended.stderrLog) = (job?.stdoutLog, job?.stderrLog)
        (ended.exitCode, ended.peakMemoryBytes) = (result?.exitCode, result?.peakMemoryBytes)
        if let error {
            ended.error = "\(error)"
            if case AttemptFailure.exited(let exited)? = error as? AttemptFailure { ended.stderrTail = exited.stderrTail }
        }
        return ended
    }

    /// A stage whose work commits its own key (a cluster job): submit, wait,
    /// then find the outputs in the store.
    private func executeElsewhere(_ stage: ResolvedStage, _ planned: PlannedStage, started: Double) -> (outcome: StageExecution, artifact: StoredArtifact?) {
        var job: StageJob?
        var result: ExecutionResult?
        do {
            job = try makeJob(stage, planned, staging: nil)
            let observer = self.observer, name = stage.name
            result = try executor.execute(job!, cancellation: cancellation) { observer.stageOutput(name, line: $0) }
            let result = result!
            if cancellation.isCancelled { throw AttemptFailure.interrupted }
            guard result.succeeded else { throw AttemptFailure.exited(result) }
            guard let artifact = store.lookup(planned.key, outputs: stage.outputs) else {
                throw AttemptFailure.commit("the job ended without committing key \(planned.key.short) to the shared state folder")
            }
            records.remember(planned.recipe, for: stage.name)
            return (ended(stage, planned, .ran, started: started, job: job, result: result, artifact: artifact), artifact)
        } catch {
            return (ended(stage, planned, .failed, started: started, job: job, result: result, error: error), nil)
        }
    }

    private func makeJob(_ stage: ResolvedStage, _ planned: PlannedStage, staging: StagingArea?) throws -> StageJob {
        var inputs: [String: String] = [:]
        for input in stage.inputs {
            switch input.source {
            case .upstream(let upstream, let output):
                inputs[input.name] = queue.sync { artifacts[upstream]?.outputs[output]?.path } ?? ""
            case .external(let url):
                inputs[input.name] = url.path
            }
        }
        let outputs = staging.map { staging in Dictionary(uniqueKeysWithValues: stage.outputs.map { ($0, staging.outputPath($0).path) }) } ?? [:]
        let params = stage.paramValues
        try FileManager.default.createDirectory(at: logsFolder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: checkpointsFolder, withIntermediateDirectories: true)
        var job = StageJob(pipeline: pipeline.name, stage: stage.name, definition: stage.definition.summary,
                           params: params,
                           inputs: inputs, outputs: outputs, workingDirectory: pipeline.directory.path,
                           stdoutLog: logsFolder.appendingPathComponent("\(stage.name).out").path,
                           stderrLog: logsFolder.appendingPathComponent("\(stage.name).err").path,
                           checkpointFolder: staging.map { checkpointsFolder.appendingPathComponent($0.key.hex).path })
        job.key = planned.key.hex
        job.replacesEntry = planned.reason.replacesEntry
        job.resources = stage.resources
        if let template = stage.definition.commandTemplate {
            job.arguments = template.render(inputs: inputs, outputs: outputs, params: params.mapValues(\.plainText))
        } else if case .manifest(_, _, .builtin(let name)) = stage.definition {
            job.builtin = name
        }
        return job
    }

    private func outcome(_ stage: ResolvedStage, _ planned: PlannedStage, _ status: StageStatus, reason: RunReason,
                         artifact: StoredArtifact? = nil, started: Double? = nil) -> StageExecution {
        let now = started.map { _ in elapsed() }
        var uses: String?
        if case .manifest(let name, let version, _) = stage.definition { uses = "\(name)@\(version)" }
        return StageExecution(name: stage.name, uses: uses, command: stage.definition.commandTemplate?.display, status: status, reason: reason,
                            key: planned.key, seconds: started.map { now! - $0 } ?? 0,
                            startOffset: started, endOffset: now,
                            outputs: artifact?.outputs.mapValues(\.path) ?? [:], upstream: stage.dependencies)
    }

    private func elapsed() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - clock.uptimeNanoseconds) / 1e9
    }
}

extension Scheduler.State {
    /// Finished without outputs: dependents cannot run.
    fileprivate var isBroken: Bool {
        if case .finished(let outcome) = self { return [.failed, .blocked].contains(outcome.status) }
        return false
    }

    fileprivate var isComplete: Bool {
        if case .finished(let outcome) = self { return [.ran, .cached, .skipped].contains(outcome.status) }
        return false
    }
}
