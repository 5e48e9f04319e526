import Foundation

/// One stage's place in a plan.
public struct PlannedStage: Sendable {
    public enum Action: Sendable, Equatable {
        /// Run the stage.
        case run
        /// Use the cached outputs.
        case useCache
        /// Not part of this run.
        case skip
    }

    public var name: String
    public var key: StageKey
    public var recipe: KeyRecipe
    public var action: Action
    public var reason: RunReason
    /// The cached outputs found while planning (a run holds the state
    /// folder's shared lock, so gc cannot remove them before they are used).
    public var cached: StoredArtifact?
}

/// What a run will do and why, decided before anything runs (as DVC's
/// reproduce separates planning from executing).
public struct RunPlan: Sendable {
    public var stages: [PlannedStage]

    public func stage(_ name: String) -> PlannedStage? { stages.first { $0.name == name } }
    public var toRun: [PlannedStage] { stages.filter { $0.action == .run } }
}

public enum PlanError: Error, CustomStringConvertible {
    case usage([String])
    case missingUpstream([(stage: String, needs: String, why: RunReason)])

    private static func why(_ reason: RunReason) -> String {
        if case .cacheEntryChanged = reason { return "whose \(reason)" }
        return "which has not run with its current inputs"
    }

    public var description: String {
        switch self {
        case .usage(let messages):
            messages.joined(separator: "\n")
        case .missingUpstream(let missing):
            "cannot run the selected stages: their inputs are not cached:\n"
                + missing.map { "  \($0.stage) needs '\($0.needs)', " + Self.why($0.why) }.joined(separator: "\n")
                + "\nrun those stages first, or select them too (e.g. with --until)"
        }
    }
}

public struct RunPlanner {
    public let pipeline: ResolvedPipeline
    public let keys: StageKeys
    public let store: any ArtifactStore
    public let records: StageRecords
    /// `.contents`: hash every cached file (`--verify`). Outputs that are
    /// published are always hashed: a copy leaves the state folder.
    public let verification: CacheVerification

    /// The state folder: its checkpoints (a checkpoint's `resume.txt` says
    /// how far a killed run got) and the keys `mtrec gc` removed.
    public let stateFolder: URL?

    public init(pipeline: ResolvedPipeline, keys: StageKeys, store: any ArtifactStore, records: StageRecords,
                verification: CacheVerification = .stamps, stateFolder: URL? = nil) {
        self.pipeline = pipeline
        self.keys = keys
        self.store = store
        self.records = records
        self.verification = verification
        self.stateFolder = stateFolder
    }

    private var checkpointsFolder: URL? { stateFolder?.appendingPathComponent("checkpoints") }

    /// The file a stage writes beside its checkpoint: one line, such as "after epoch 3".
    public static let resumeNote = "resume.txt"

    private func resumeNote(_ key: StageKey) -> String? {
        guard let folder = checkpointsFolder?.appendingPathComponent(key.hex),
              let text = try? String(contentsOf: folder.appendingPathComponent(Self.resumeNote), encoding: .utf8) else { return nil }
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return line.isEmpty ? nil : String(line.prefix(200))
    }

    public func plan(_ selection: Selection = Selection()) throws -> RunPlan {
        let graph = StageGraph(pipeline)
        let unknown = selection.unknownNames(in: graph)
        guard unknown.isEmpty else { throw PlanError.usage(unknown) }
        let selected = selection.selected(in: graph)
        let forced = selection.forced(in: graph)

        // Read at the first stage that misses the cache: an all-cached plan never opens it.
        var gcList: Set<String>?
        func removedByGC(_ key: StageKey) -> Bool {
            if gcList == nil { gcList = stateFolder.map(GarbageCollector.removedKeys(in:)) ?? [] }
            return gcList!.contains(key.hex)
        }
        var planned: [String: PlannedStage] = [:]
        for stage in pipeline.stages {
            let key = keys.keys[stage.name]!, recipe = keys.recipes[stage.name]!
            let published = pipeline.publish.contains { $0.stage == stage.name }
            let lookup = store.find(key, outputs: stage.outputs, depth: published ? .contents : verification)
            let artifact = lookup.artifact, cached = artifact != nil
            let (action, reason): (PlannedStage.Action, RunReason)
            if !selected.contains(stage.name) {
                if case .changed(let difference) = lookup {
                    (action, reason) = (.skip, .cacheEntryChanged(difference))
                } else {
                    (action, reason) = (cached ? .useCache : .skip, cached ? .cached : .notSelected)
                }
            } else if forced.contains(stage.name) {
                (action, reason) = (.run, .forced)
            } else if cached {
                (action, reason) = (.useCache, .cached)
            } else if case .changed(let difference) = lookup {
                (action, reason) = (.run, .cacheEntryChanged(difference))
            } else if removedByGC(key) {
                (action, reason) = (.run, .removedByGC)
            } else if let progress = resumeNote(key) {
                (action, reason) = (.run, .resuming(progress))
            } else {
                (action, reason) = (.run, RunReason.explain(current: recipe, last: records.last(stage.name)))
            }
            planned[stage.name] = PlannedStage(name: stage.name, key: key, recipe: recipe, action: action, reason: reason,
                                               cached: artifact)
        }

        // A stage that runs needs each stage it reads from to run too or be cached.
        var missing: [(stage: String, needs: String, why: RunReason)] = []
        for stage in pipeline.stages where planned[stage.name]!.action == .run {
            for input in stage.inputs {
                guard case .upstream(let upstream, _) = input.source, planned[upstream]!.action == .skip else { continue }
                if !missing.contains(where: { $0.stage == stage.name && $0.needs == upstream }) {
                    missing.append((stage.name, upstream, planned[upstream]!.reason))
                }
            }
        }
        guard missing.isEmpty else { throw PlanError.missingUpstream(missing) }
        return RunPlan(stages: pipeline.stages.map { planned[$0.name]! })
    }
}
