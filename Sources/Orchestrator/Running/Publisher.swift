import Foundation

/// Copies final outputs to the paths named under `publish` (relative to the
/// working directory), only after every stage succeeded. Each copy lands
/// whole: it is written beside the destination and renamed over it.
///
/// `published` remembers each copy (source, and the destination's size,
/// modification time and inode), so an all-cached rerun leaves a destination
/// nobody touched alone instead of reading or copying it again.
enum Publisher {
    static func publish(_ entries: [ResolvedPublish], from stages: [StageOutcome], published: PublishedCopies) throws -> [String] {
        let manager = FileManager.default
        var written: [String] = []
        for entry in entries {
            guard let source = stages.first(where: { $0.name == entry.stage })?.outputs[entry.output] else { continue }
            let destination = URL(fileURLWithPath: entry.destination).standardizedFileURL
            if published.isCurrent(destination.path, copiedFrom: source) {
                written.append(entry.destination)
                continue
            }
            let temporary = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).mtrec-tmp")
            do {
                try manager.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
                try? manager.removeItem(at: temporary)
                try manager.copyItem(atPath: source, toPath: temporary.path)
                // rename(2) replaces a file atomically; a folder must make way first.
                var isFolder: ObjCBool = false
                if manager.fileExists(atPath: destination.path, isDirectory: &isFolder), isFolder.boolValue {
                    try manager.removeItem(at: destination)
                }
                guard rename(temporary.path, destination.path) == 0 else {
                    throw FileError.cannotWrite(entry.destination, String(cString: strerror(errno)))
                }
            } catch {
                throw FileError.cannotWrite(entry.destination, "\(error.localizedDescription)")
            }
            published.remember(destination.path, copiedFrom: source)
            written.append(entry.destination)
        }
        published.save()
        return written
    }
}
