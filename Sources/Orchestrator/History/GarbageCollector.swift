import Foundation

/// `mtrec gc`: removes cache entries that no kept run refers to.
public enum GarbageCollector {
    public struct Result: Sendable {
        public var removedEntries: Int
        public var freedBytes: Int64
        public var keptEntries: Int
    }

    public enum Failure: Error, CustomStringConvertible {
        case runInProgress

        public var description: String {
            "a run is using this state folder; nothing was removed (run gc again when it has finished)"
        }
    }

    /// Keeps every entry used by the newest `keepRuns` runs of each pipeline.
    public static func collect(stateFolder: URL, history: RunHistory, keepRuns: Int) throws -> Result {
        guard let exclusive = ActiveRunLock(stateFolder: stateFolder, exclusive: true) else { throw Failure.runInProgress }
        defer { withExtendedLifetime(exclusive) {} }
        let keep = try history.keysOfNewestRuns(keep: keepRuns)
        let cache = LocalArtifactStore(stateFolder: stateFolder).cacheFolder
        let manager = FileManager.default
        var result = Result(removedEntries: 0, freedBytes: 0, keptEntries: 0)
        var removed: [String] = []
        for prefix in (try? manager.contentsOfDirectory(atPath: cache.path)) ?? [] {
            let folder = cache.appendingPathComponent(prefix)
            for key in (try? manager.contentsOfDirectory(atPath: folder.path)) ?? [] {
                if keep.contains(key) {
                    result.keptEntries += 1
                    continue
                }
                let entry = folder.appendingPathComponent(key)
                let bytes = Durability.byteCount(entry)
                try manager.removeItem(at: entry)
                result.removedEntries += 1
                result.freedBytes += bytes
                removed.append(key)
            }
        }
        try history.forgetArtifacts(removed)
        try remember(removed, in: stateFolder)
        return result
    }

    /// Keys gc removed, so a later plan can say why a stage runs again.
    static let removedKeysFile = "gc-removed-keys.txt"

    public static func removedKeys(in stateFolder: URL) -> Set<String> {
        guard let text = try? String(contentsOf: stateFolder.appendingPathComponent(removedKeysFile), encoding: .utf8) else { return [] }
        return Set(text.split(separator: "\n").map(String.init))
    }

    /// Keys built again leave the list, so a later miss is not blamed on gc.
    static func forget(_ keys: [String], in stateFolder: URL) {
        guard !keys.isEmpty else { return }  // an all-cached run reads nothing here
        let removed = removedKeys(in: stateFolder)
        guard !removed.isDisjoint(with: keys) else { return }
        try? write(removed.subtracting(keys), in: stateFolder)
    }

    private static func remember(_ keys: [String], in stateFolder: URL) throws {
        guard !keys.isEmpty else { return }
        try write(removedKeys(in: stateFolder).union(keys), in: stateFolder)
    }

    private static func write(_ keys: Set<String>, in stateFolder: URL) throws {
        try keys.sorted().map { $0 + "\n" }.joined().write(to: stateFolder.appendingPathComponent(removedKeysFile), atomically: true, encoding: .utf8)
    }
}
