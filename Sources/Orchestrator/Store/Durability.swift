import Foundation

/// fsync helpers: an artifact is renamed under its key only after its bytes
/// and folder entries are on disk, so a power cut cannot leave half of it.
enum Durability {
    static func syncTree(_ root: URL) throws {
        var info = stat()
        guard lstat(root.path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
            for name in names { try syncTree(root.appendingPathComponent(name)) }
            syncFolder(root)
        } else if (info.st_mode & S_IFMT) == S_IFREG {
            let descriptor = open(root.path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw StoreError.io("cannot open '\(root.path)' to sync it") }
            defer { close(descriptor) }
            guard fsync(descriptor) == 0 else { throw StoreError.io("fsync failed for '\(root.path)': \(String(cString: strerror(errno)))") }
        }
    }

    static func syncFolder(_ folder: URL) {
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    static func writeSynced(_ data: Data, to url: URL) throws {
        let descriptor = open(url.path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw StoreError.io("cannot write '\(url.path)'") }
        defer { close(descriptor) }
        let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(descriptor) == 0 else { throw StoreError.io("cannot write '\(url.path)'") }
    }

    /// Bytes in a file, or in all files under a folder.
    static func byteCount(_ url: URL) -> Int64 {
        var info = stat()
        guard lstat(url.path, &info) == 0 else { return 0 }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return Int64(info.st_size) }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.reduce(0) { $0 + byteCount(url.appendingPathComponent($1)) }
    }
}
