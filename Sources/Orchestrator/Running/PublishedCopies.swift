import Foundation

/// What the publisher last copied where: per destination, the source path
/// (inside a cache entry, so it names the outputs' key) and the destination's
/// size, modification time and inode right after the copy. Kept as
/// tab-separated lines in the state folder's `published.tsv`.
final class PublishedCopies {
    private struct Copy {
        var source: String
        var stamp: FileStamp
    }

    private let file: URL
    private var copies: [String: Copy] = [:]
    private var changed = false

    init(stateFolder: URL) {
        file = stateFolder.appendingPathComponent("published.tsv")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 5, let stamp = FileStamp(fields[2...]) else { continue }
            copies[fields[0]] = Copy(source: fields[1], stamp: stamp)
        }
    }

    /// True when `destination` is still the copy made from `source`.
    func isCurrent(_ destination: String, copiedFrom source: String) -> Bool {
        guard let copy = copies[destination], copy.source == source, let stamp = FileStamp(of: destination) else { return false }
        return stamp == copy.stamp
    }

    func remember(_ destination: String, copiedFrom source: String) {
        copies[destination] = FileStamp(of: destination).map { Copy(source: source, stamp: $0) }
        changed = true
    }

    func save() {
        guard changed else { return }
        let lines = copies.keys.sorted().map { destination in
            let copy = copies[destination]!
            return [destination, copy.source, copy.stamp.text].joined(separator: "\t")
        }
        try? (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        changed = false
    }
}

/// Size, modification time (nanoseconds) and inode of a regular file: any
/// rewrite or replacement changes at least one of them. Folders get none (a
/// file edited inside one leaves the folder's own stamp as it was).
struct FileStamp: Equatable {
    var size: Int64
    var modified: Int64
    var inode: UInt64

    init?(of path: String) {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        inode = UInt64(info.st_ino)
    }

    init?(_ fields: ArraySlice<String>) {
        let values = Array(fields)
        guard values.count == 3, let size = Int64(values[0]), let modified = Int64(values[1]), let inode = UInt64(values[2]) else {
            return nil
        }
        self.size = size
        self.modified = modified
        self.inode = inode
    }

    var text: String { "\(size)\t\(modified)\t\(inode)" }
}
