import Crypto
import Foundation

/// What a cache entry's file looked like when it was committed.
public struct FileFingerprint: Codable, Sendable, Equatable {
    public var bytes: Int64
    /// Modification time in nanoseconds since 1970.
    public var modified: Int64
    public var sha256: String
}

/// How closely a cache entry is compared with what was committed.
public enum CacheVerification: Sendable {
    /// Each file's size and modification time, and the set of files: a
    /// stat per file, cheap enough for every run.
    case stamps
    /// Also each file's SHA-256 (`--verify`, and outputs about to be published).
    case contents
}

/// Fingerprints of every regular file under a stage's outputs folder, keyed
/// by path relative to it ("model/weights.safetensors"). Only regular files
/// and folders may be there: a symbolic link would let the next stage read,
/// and the publisher copy, whatever it points at.
enum OutputFingerprints {
    static func record(_ outputsFolder: URL) throws -> [String: FileFingerprint] {
        var fingerprints: [String: FileFingerprint] = [:]
        for (relative, info) in try listing(outputsFolder) {
            guard (info.st_mode & S_IFMT) == S_IFREG else {
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: outputsFolder.appendingPathComponent(relative).path))
                throw StoreError.io("output '\(relative)' is \(kindName(info, target: target)); a stage must write regular files and folders (copy the file instead of linking it)")
            }
            let digest = try ContentHasher.hashFile(outputsFolder.appendingPathComponent(relative))
            fingerprints[relative] = FileFingerprint(bytes: Int64(info.st_size), modified: modifiedTime(info), sha256: digest.hex)
        }
        return fingerprints
    }

    /// Nil when the folder still holds exactly the recorded files, unchanged;
    /// otherwise what differs, for the rerun's reason.
    static func check(_ outputsFolder: URL, against recorded: [String: FileFingerprint], depth: CacheVerification) -> String? {
        guard let found = try? listing(outputsFolder) else { return "its outputs cannot be read" }
        var seen = Set<String>()
        for (relative, info) in found {
            seen.insert(relative)
            guard (info.st_mode & S_IFMT) == S_IFREG else { return "'\(relative)' is now \(kindName(info, target: nil))" }
            guard let fingerprint = recorded[relative] else { return "'\(relative)' was added" }
            if fingerprint.bytes != Int64(info.st_size) { return "'\(relative)' changed size" }
            if fingerprint.modified != modifiedTime(info) { return "'\(relative)' was modified" }
            if depth == .contents {
                guard let digest = try? ContentHasher.hashFile(outputsFolder.appendingPathComponent(relative)) else {
                    return "'\(relative)' cannot be read"
                }
                if digest.hex != fingerprint.sha256 { return "'\(relative)' has different content" }
            }
        }
        if let gone = recorded.keys.sorted().first(where: { !seen.contains($0) }) { return "'\(gone)' was removed" }
        return nil
    }

    /// Every entry under `root` except folders, with its lstat (links are not followed).
    private static func listing(_ root: URL) throws -> [(String, stat)] {
        var entries: [(String, stat)] = []
        func walk(_ relative: String) throws {
            let url = relative.isEmpty ? root : root.appendingPathComponent(relative)
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() {
                let path = relative.isEmpty ? name : relative + "/" + name
                var info = stat()
                guard lstat(root.appendingPathComponent(path).path, &info) == 0 else { throw StoreError.io("cannot read '\(path)'") }
                if (info.st_mode & S_IFMT) == S_IFDIR { try walk(path) } else { entries.append((path, info)) }
            }
        }
        try walk("")
        return entries
    }

    private static func modifiedTime(_ info: stat) -> Int64 {
        Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }

    private static func kindName(_ info: stat, target: String?) -> String {
        switch info.st_mode & S_IFMT {
        case S_IFLNK: target.map { "a symbolic link to '\($0)'" } ?? "a symbolic link"
        case S_IFIFO: "a named pipe"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }
}
