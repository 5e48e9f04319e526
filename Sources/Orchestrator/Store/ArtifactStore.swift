import Foundation

/// Facts kept beside a stage's outputs in the store.
public struct ArtifactMeta: Codable, Sendable {
    public var key: StageKey
    public var pipeline: String
    public var stage: String
    public var createdAt: Date
    public var seconds: Double
    /// Output name -> size in bytes (a folder counts everything inside it).
    public var outputBytes: [String: Int64]
    /// Every file under the outputs, as committed; nil in entries written
    /// before fingerprints were kept, which are therefore never trusted.
    public var files: [String: FileFingerprint]?

    public init(key: StageKey, pipeline: String, stage: String, createdAt: Date, seconds: Double, outputBytes: [String: Int64] = [:]) {
        self.key = key
        self.pipeline = pipeline
        self.stage = stage
        self.createdAt = createdAt
        self.seconds = seconds
        self.outputBytes = outputBytes
    }
}

/// What the store holds under a key.
public enum CacheLookup: Sendable {
    case hit(StoredArtifact)
    case missing
    /// An entry is there but its files differ from what was committed
    /// (edited by hand, a planted link); the stage must run again.
    case changed(String)

    public var artifact: StoredArtifact? {
        if case .hit(let artifact) = self { artifact } else { nil }
    }
}

/// A finished stage's outputs in the store.
public struct StoredArtifact: Sendable {
    public var key: StageKey
    public var outputs: [String: URL]
    public var meta: ArtifactMeta
}

/// A private folder a stage writes into; nothing in it is visible under the
/// key until `commit`.
public struct StagingArea: Sendable {
    public var key: StageKey
    public var root: URL
    public var outputsFolder: URL { root.appendingPathComponent("outputs") }

    public func outputPath(_ name: String) -> URL { outputsFolder.appendingPathComponent(name) }
}

/// Where stage outputs live. The local store is a folder; a shared store
/// (object storage for cluster runs) implements the same calls.
public protocol ArtifactStore: Sendable {
    /// The entry under `key`, checked against its fingerprints to `depth`.
    func find(_ key: StageKey, outputs: [String], depth: CacheVerification) -> CacheLookup
    /// A fresh, empty staging area for a stage about to run.
    func stage(_ key: StageKey) throws -> StagingArea
    /// Checks the outputs exist, makes them durable and publishes them under
    /// the key. `replacing`: a forced rerun takes the place of an existing entry.
    func commit(_ staging: StagingArea, outputs: [String], meta: ArtifactMeta, replacing: Bool) throws -> StoredArtifact
    /// Throws away a staging area (a failed or interrupted stage).
    func discard(_ staging: StagingArea)
    /// Holds an exclusive lock on `key` across processes until the lock is released.
    func lock(_ key: StageKey) throws -> any KeyLock
}

extension ArtifactStore {
    /// The artifact under `key` if it is there and unchanged by size and time.
    public func lookup(_ key: StageKey, outputs: [String]) -> StoredArtifact? {
        find(key, outputs: outputs, depth: .stamps).artifact
    }
}

public protocol KeyLock: AnyObject, Sendable {
    /// Whether another process held the key when we asked (we then waited for it).
    var waited: Bool { get }
    func release()
}

public enum StoreError: Error, CustomStringConvertible {
    case missingOutputs([String])
    case io(String)

    public var description: String {
        switch self {
        case .missingOutputs(let names):
            "the stage exited 0 but did not write declared output\(names.count == 1 ? "" : "s") \(names.map { "'\($0)'" }.joined(separator: ", "))"
        case .io(let message):
            message
        }
    }
}
