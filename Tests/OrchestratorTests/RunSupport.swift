import Foundation
@testable import Orchestrator

/// Records stage events so tests can check what ran, in which order.
final class RecordingObserver: RunObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var startedNames: [String] = []
    var started: [String] { lock.withLock { startedNames } }

    func stageStarted(_ name: String, reason: RunReason) { lock.withLock { startedNames.append(name) } }
    func stageFinished(_ outcome: StageExecution) {}
}

extension Sandbox {
    var stateFolder: URL { root.appendingPathComponent(".mtrec") }

    func runner() -> PipelineRunner {
        PipelineRunner(stateFolder: stateFolder, executor: ProcessExecutor(builtinLauncher: nil))
    }

    /// Validates and runs `yaml`; every stage process is real.
    func run(_ yaml: String, selection: Selection = Selection(), jobs: Int = 2, overrides: [Override] = [],
             observer: RecordingObserver = RecordingObserver(), allowsPublishOutside: Bool = false) throws -> RunRecord {
        let (pipeline, diagnostics) = try load(yaml, overrides: overrides, allowsPublishOutside: allowsPublishOutside)
        guard let pipeline else { throw InvalidPipeline(diagnostics) }
        return try runner().run(pipeline, selection: selection, jobs: jobs, observer: observer, cancellation: Cancellation())
    }

    func plan(_ yaml: String, selection: Selection = Selection(), overrides: [Override] = []) throws -> RunPlan {
        let (pipeline, diagnostics) = try load(yaml, overrides: overrides)
        guard let pipeline else { throw InvalidPipeline(diagnostics) }
        return try runner().plan(pipeline, selection: selection)
    }
}

extension RunRecord {
    func status(_ stage: String) -> StageStatus? { stages.first { $0.name == stage }?.status }
    func stage(_ name: String) -> StageExecution? { stages.first { $0.name == name } }
}
