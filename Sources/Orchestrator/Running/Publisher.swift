import Foundation

/// Copies final outputs to the paths named under `publish` (relative to the
/// working directory), only after every stage succeeded. Each copy lands
/// whole: it is written beside the destination and renamed over it.
enum Publisher {
    static func publish(_ entries: [ResolvedPublish], from stages: [StageOutcome]) throws -> [String] {
        let manager = FileManager.default
        var written: [String] = []
        for entry in entries {
            guard let source = stages.first(where: { $0.name == entry.stage })?.outputs[entry.output] else { continue }
            let destination = URL(fileURLWithPath: entry.destination).standardizedFileURL
            let temporary = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).mtrec-tmp")
            do {
                try manager.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
                try? manager.removeItem(at: temporary)
                try manager.copyItem(atPath: source, toPath: temporary.path)
                if manager.fileExists(atPath: destination.path) {
                    _ = try manager.replaceItemAt(destination, withItemAt: temporary)
                } else {
                    try manager.moveItem(at: temporary, to: destination)
                }
            } catch {
                throw FileError.cannotWrite(entry.destination, "\(error.localizedDescription)")
            }
            written.append(entry.destination)
        }
        return written
    }
}
