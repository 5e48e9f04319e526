import Foundation

/// Plans and runs a validated pipeline: keys, plan, scheduler, publish.
public struct PipelineRunner {
    public var stateFolder: URL
    public var store: any ArtifactStore
    public var executor: any StageExecutor
    /// How cached entries are checked before reuse (`--verify`: by content).
    public var verification: CacheVerification = .stamps
    /// False for one stage's job of a cluster run (`mtrec run --as-job`):
    /// the orchestrating run checks the gates and publishes, once.
    public var checksGatesAndPublishes = true

    public init(stateFolder: URL, executor: any StageExecutor) {
        self.stateFolder = stateFolder
        self.store = LocalArtifactStore(stateFolder: stateFolder)
        self.executor = executor
    }

    /// What a run would do, without running anything.
    public func plan(_ pipeline: ResolvedPipeline, selection: Selection = Selection()) throws -> RunPlan {
        try plan(pipeline, selection: selection, records: StageRecords(stateFolder: stateFolder, pipeline: pipeline.name))
    }

    private func plan(_ pipeline: ResolvedPipeline, selection: Selection, records: StageRecords) throws -> RunPlan {
        let hasher = ContentHasher(cacheFile: stateFolder.appendingPathComponent("hash-cache.json"))
        defer { hasher.save() }
        let keys = try StageKeys(pipeline: pipeline, hasher: hasher)
        return try RunPlanner(pipeline: pipeline, keys: keys, store: store, records: records, verification: verification,
                              stateFolder: stateFolder).plan(selection)
    }

    /// Runs the plan; then reads metrics, checks gates, publishes when all
    /// passed, and records the run in `history` when one is given.
    public func run(_ pipeline: ResolvedPipeline, selection: Selection = Selection(), jobs: Int,
                    observer: any RunObserver, cancellation: Cancellation, history: RunHistory? = nil) throws -> RunRecord {
        let startedAt = Date()
        let clock = DispatchTime.now()
        let activeRun = ActiveRunLock(stateFolder: stateFolder, exclusive: false)
        defer { withExtendedLifetime(activeRun) {} }
        (store as? LocalArtifactStore)?.removeAbandonedStaging()
        // One records file, read once: the planner explains reruns, the scheduler updates it.
        let records = StageRecords(stateFolder: stateFolder, pipeline: pipeline.name)
        let plan = try plan(pipeline, selection: selection, records: records)
        let runId = Self.makeRunId(startedAt)
        let started = Self.record(runId, pipeline: pipeline, startedAt: startedAt)
        let lease = try history?.start(started)
        defer { lease?.end() }
        let scheduler = Scheduler(pipeline: pipeline, plan: plan, store: store, executor: executor, records: records,
                                  observer: observer, cancellation: cancellation, jobs: jobs,
                                  logsFolder: stateFolder.appendingPathComponent("logs").appendingPathComponent(runId),
                                  checkpointsFolder: stateFolder.appendingPathComponent("checkpoints"))
        let stages = scheduler.run()
        GarbageCollector.forget(stages.filter { $0.status == .ran }.map(\.key.hex), in: stateFolder)

        var run = started
        run.stages = stages
        if cancellation.isCancelled {
            run.status = .interrupted
        } else if stages.contains(where: { $0.status == .failed || $0.status == .blocked }) {
            run.status = .failed
        } else {
            run.status = .succeeded
        }
        run.metrics = Self.metrics(of: pipeline, stages: stages)
        if run.status == .succeeded, !pipeline.gates.isEmpty, checksGatesAndPublishes {
            // A gate reads a stage this run did not select: it is left unchecked, not failed.
            let finished = Set(stages.filter { $0.status == .ran || $0.status == .cached }.map(\.name))
            let checked = pipeline.gates.filter { finished.contains($0.stage) }
            run.uncheckedGates = pipeline.gates.filter { !finished.contains($0.stage) }.map(\.name)
            run.gates = GateChecker(pipeline: pipeline.name, startedAt: startedAt, history: history).check(checked, metrics: run.metrics)
            if run.gates.contains(where: { !$0.passed }) { run.status = .gateFailed }
        }
        if run.status == .succeeded, run.uncheckedGates.isEmpty, checksGatesAndPublishes {
            // A failed copy is part of the run's record, not an escape from it.
            do {
                // One publisher at a time per state folder: runs publishing the same
                // destination take turns, and published.tsv is read and written whole.
                let locks = stateFolder.appendingPathComponent("locks")
                try FileManager.default.createDirectory(at: locks, withIntermediateDirectories: true)
                let lock = try FileKeyLock(path: locks.appendingPathComponent("publish.lock").path)
                defer { lock.release() }
                run.published = try Publisher.publish(pipeline.publish, from: stages,
                                                       published: PublishedCopies(stateFolder: stateFolder))
            } catch {
                run.status = .publishFailed
                run.publishError = ErrorText.describe(error)
            }
        }
        run.seconds = Double(DispatchTime.now().uptimeNanoseconds - clock.uptimeNanoseconds) / 1e9
        run.endedAt = startedAt.addingTimeInterval(run.seconds)
        try history?.record(run, artifacts: artifacts(of: stages))
        return run
    }

    /// Metrics from every stage that has outputs (ran or cached).
    static func metrics(of pipeline: ResolvedPipeline, stages: [StageExecution]) -> [MetricRecord] {
        stages.flatMap { outcome -> [MetricRecord] in
            guard let stage = pipeline.stage(outcome.name), outcome.status == .ran || outcome.status == .cached else { return [] }
            return stage.metricsOutputs.compactMap { outcome.outputs[$0] }.flatMap { path in
                RunFacts.metrics(in: URL(fileURLWithPath: path)).map { MetricRecord(stage: stage.name, name: $0.name, value: $0.value) }
            }
        }
    }

    /// The run as recorded when it starts; its end fills in status and time.
    static func record(_ runId: String, pipeline: ResolvedPipeline, startedAt: Date) -> RunRecord {
        RunRecord(id: runId, pipeline: pipeline.name, file: pipeline.file.path, fileHash: RunFacts.fileHash(pipeline.file),
                  gitCommit: RunFacts.gitCommit(near: pipeline.directory), startedAt: startedAt, endedAt: nil, status: RunLease.running,
                  params: RunFacts.params(of: pipeline))
    }

    private func artifacts(of stages: [StageExecution]) -> [(key: String, bytes: Int64)] {
        stages.filter { $0.status == .ran }.compactMap { stage in
            guard let stored = store.lookup(stage.key, outputs: Array(stage.outputs.keys)) else { return nil }
            return (stage.key.hex, stored.meta.outputBytes.values.reduce(0, +))
        }
    }

    /// Sortable and unique enough for one state folder: UTC time plus 4 hex digits.
    static func makeRunId(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&time, &parts)
        let stamp = String(format: "%04d%02d%02d-%02d%02d%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                           parts.tm_hour, parts.tm_min, parts.tm_sec)
        return stamp + "-" + String(format: "%04x", UInt16.random(in: 0...UInt16.max))
    }
}
