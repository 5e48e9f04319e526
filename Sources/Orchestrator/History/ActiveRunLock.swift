import Foundation

/// Every `mtrec run` holds a shared lock on state/active.lock while it runs;
/// `mtrec gc` takes it exclusively, so it never deletes what a run may read.
final class ActiveRunLock {
    private var descriptor: Int32

    /// Shared (a run) or exclusive (gc); exclusive gives up at once when a run holds it.
    init?(stateFolder: URL, exclusive: Bool) {
        try? FileManager.default.createDirectory(at: stateFolder, withIntermediateDirectories: true)
        descriptor = open(stateFolder.appendingPathComponent("active.lock").path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return nil }
        if flock(descriptor, exclusive ? LOCK_EX | LOCK_NB : LOCK_SH) != 0 {
            close(descriptor)
            return nil
        }
    }

    deinit { close(descriptor) }
}
