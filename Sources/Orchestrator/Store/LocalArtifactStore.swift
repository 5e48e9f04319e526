import Foundation

/// The content-keyed store in the state folder:
///
///     cache/ab/<key>/outputs/<name>   a finished stage's outputs
///     cache/ab/<key>/meta.json        written last, before the rename
///     tmp/<key>.<pid>.<n>/            a stage still running
///     locks/<key>.lock                one flock per key
public struct LocalArtifactStore: ArtifactStore {
    public let root: URL

    public init(stateFolder: URL) {
        root = stateFolder
    }

    var cacheFolder: URL { root.appendingPathComponent("cache") }
    var tmpFolder: URL { root.appendingPathComponent("tmp") }
    var locksFolder: URL { root.appendingPathComponent("locks") }

    func entryFolder(_ key: StageKey) -> URL {
        cacheFolder.appendingPathComponent(String(key.hex.prefix(2))).appendingPathComponent(key.hex)
    }

    public func find(_ key: StageKey, outputs: [String], depth: CacheVerification) -> CacheLookup {
        let entry = entryFolder(key)
        guard let data = FileManager.default.contents(atPath: entry.appendingPathComponent("meta.json").path),
              let meta = try? JSONDecoder.mtrec.decode(ArtifactMeta.self, from: data) else { return .missing }
        var paths: [String: URL] = [:]
        for name in outputs {
            let path = entry.appendingPathComponent("outputs").appendingPathComponent(name)
            guard access(path.path, F_OK) == 0 else { return .missing }
            paths[name] = path
        }
        guard let files = meta.files else { return .changed("written without file checksums") }
        if let difference = OutputFingerprints.check(entry.appendingPathComponent("outputs"), against: files, depth: depth) {
            return .changed(difference)
        }
        return .hit(StoredArtifact(key: key, outputs: paths, meta: meta))
    }

    public func stage(_ key: StageKey) throws -> StagingArea {
        let folder = tmpFolder.appendingPathComponent("\(key.hex).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).\(Self.host)")
        let staging = StagingArea(key: key, root: folder)
        do {
            try FileManager.default.createDirectory(at: staging.outputsFolder, withIntermediateDirectories: true)
        } catch {
            throw StoreError.io("cannot create staging folder '\(folder.path)': \(error.localizedDescription)")
        }
        return staging
    }

    public func commit(_ staging: StagingArea, outputs: [String], meta: ArtifactMeta, replacing: Bool) throws -> StoredArtifact {
        let missing = outputs.filter { access(staging.outputPath($0).path, F_OK) != 0 }
        guard missing.isEmpty else { throw StoreError.missingOutputs(missing) }
        var meta = meta
        for name in outputs { meta.outputBytes[name] = Durability.byteCount(staging.outputPath(name)) }
        meta.files = try OutputFingerprints.record(staging.outputsFolder)
        try Durability.syncTree(staging.outputsFolder)
        let metaData = try JSONEncoder.mtrec.encode(meta)
        try Durability.writeSynced(metaData, to: staging.root.appendingPathComponent("meta.json"))
        Durability.syncFolder(staging.root)

        let destination = entryFolder(staging.key)
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        if replacing, access(destination.path, F_OK) == 0 {
            let retired = staging.root.appendingPathExtension("old")
            if rename(destination.path, retired.path) == 0 { try? FileManager.default.removeItem(at: retired) }
        }
        if rename(staging.root.path, destination.path) != 0 {
            // Another process committed the same key first; its outputs are equivalent.
            discard(staging)
            if let existing = lookup(staging.key, outputs: outputs) { return existing }
            throw StoreError.io("cannot move outputs into '\(destination.path)': \(String(cString: strerror(errno)))")
        }
        Durability.syncFolder(destination.deletingLastPathComponent())
        return lookup(staging.key, outputs: outputs)!
    }

    public func discard(_ staging: StagingArea) {
        try? FileManager.default.removeItem(at: staging.root)
    }

    public func lock(_ key: StageKey) throws -> any KeyLock {
        try FileManager.default.createDirectory(at: locksFolder, withIntermediateDirectories: true)
        return try FileKeyLock(path: locksFolder.appendingPathComponent("\(key.hex).lock").path)
    }

    /// This machine's name, as staging folders carry it: a process id means
    /// something only on the machine that gave it (a state folder may be shared).
    static let host: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.replacingOccurrences(of: ".", with: "_").replacingOccurrences(of: "/", with: "_")
    }()

    /// Removes staging folders left by this machine's processes that no longer exist (a kill -9).
    public func removeAbandonedStaging() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: tmpFolder.path) else { return }
        for name in names {
            let parts = name.split(separator: ".")
            // Folders of another machine (a cluster job's) are that machine's to clean.
            guard parts.count == 3 || (parts.count == 4 && parts[3] == Self.host), let pid = Int32(parts[1]) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: tmpFolder.appendingPathComponent(name))
            }
        }
    }
}

extension JSONEncoder {
    /// mtrec's JSON files: pretty, keys sorted, slashes plain, dates ISO 8601.
    public static var mtrec: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

extension JSONDecoder {
    static var mtrec: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
