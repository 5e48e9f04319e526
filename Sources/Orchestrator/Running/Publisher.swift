import Foundation

/// Copies final outputs to the paths named under `publish` (relative to the
/// working directory), only after every stage succeeded. Each copy lands
/// whole: it is written beside the destination under a name no other run
/// uses and renamed over it. A folder on the way that is a symbolic link is
/// refused, so a planted `out -> /elsewhere` cannot redirect the write.
///
/// `published` remembers each copy (source, and the destination's size,
/// modification time and inode), so an all-cached rerun leaves a destination
/// nobody touched alone instead of reading or copying it again.
enum Publisher {
    static func publish(_ entries: [ResolvedPublish], from stages: [StageExecution], published: PublishedCopies) throws -> [String] {
        let manager = FileManager.default
        var written: [String] = []
        for entry in entries {
            guard let stage = stages.first(where: { $0.name == entry.stage }), let source = stage.outputs[entry.output] else { continue }
            let destination = URL(fileURLWithPath: entry.destination).standardizedFileURL
            // A destination outside was opted into (--publish-outside); inside, no link may redirect it.
            if ConfinedPath.escape(entry.destination) == nil,
               let link = ConfinedPath.symbolicLink(on: entry.destination, from: URL(fileURLWithPath: manager.currentDirectoryPath)) {
                throw FileError.cannotWrite(entry.destination, "'\(link)' is a symbolic link; mtrec publishes only into real folders inside the working folder")
            }
            // A stage that ran again (--force) rewrote the same cache path: copy anew.
            if stage.status == .cached, published.isCurrent(destination.path, copiedFrom: source) {
                written.append(entry.destination)
                continue
            }
            let temporary = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).\(getpid()).\(UUID().uuidString).mtrec-tmp")
            do {
                try manager.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
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
                try? manager.removeItem(at: temporary)
                throw FileError.cannotWrite(entry.destination, "\(error.localizedDescription)")
            }
            published.remember(destination.path, copiedFrom: source)
            written.append(entry.destination)
        }
        published.save()
        return written
    }
}
