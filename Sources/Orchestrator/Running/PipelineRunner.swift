import Foundation

/// Plans and runs a validated pipeline: keys, plan, scheduler, publish.
public struct PipelineRunner {
    public var stateFolder: URL
    public var store: any ArtifactStore
    public var executor: any StageExecutor

    public init(stateFolder: URL, executor: any StageExecutor) {
        self.stateFolder = stateFolder
        self.store = LocalArtifactStore(stateFolder: stateFolder)
        self.executor = executor
    }

    /// What a run would do, without running anything.
    public func plan(_ pipeline: ResolvedPipeline, selection: Selection = Selection()) throws -> RunPlan {
        let hasher = ContentHasher(cacheFile: stateFolder.appendingPathComponent("hash-cache.json"))
        defer { hasher.save() }
        let keys = try StageKeys(pipeline: pipeline, hasher: hasher)
        let records = StageRecords(stateFolder: stateFolder, pipeline: pipeline.name)
        return try RunPlanner(pipeline: pipeline, keys: keys, store: store, records: records).plan(selection)
    }

    public func run(_ pipeline: ResolvedPipeline, selection: Selection = Selection(), jobs: Int,
                    observer: any RunObserver, cancellation: Cancellation) throws -> RunOutcome {
        let startedAt = Date()
        let clock = DispatchTime.now()
        (store as? LocalArtifactStore)?.removeAbandonedStaging()
        let plan = try plan(pipeline, selection: selection)
        let runId = Self.makeRunId(startedAt)
        let scheduler = Scheduler(pipeline: pipeline, plan: plan, store: store, executor: executor,
                                  records: StageRecords(stateFolder: stateFolder, pipeline: pipeline.name),
                                  observer: observer, cancellation: cancellation, jobs: jobs,
                                  logsFolder: stateFolder.appendingPathComponent("logs").appendingPathComponent(runId),
                                  checkpointsFolder: stateFolder.appendingPathComponent("checkpoints"))
        let stages = scheduler.run()

        let status: RunOutcome.Status
        if cancellation.isCancelled {
            status = .interrupted
        } else if stages.contains(where: { $0.status == .failed || $0.status == .blocked }) {
            status = .failed
        } else {
            status = .succeeded
        }
        var outcome = RunOutcome(pipeline: pipeline.name, file: pipeline.fileDisplay, runId: runId, status: status,
                                 startedAt: startedAt, seconds: 0, stages: stages, published: [])
        if status == .succeeded {
            outcome.published = try Publisher.publish(pipeline.publish, from: stages)
        }
        outcome.seconds = Double(DispatchTime.now().uptimeNanoseconds - clock.uptimeNanoseconds) / 1e9
        return outcome
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
