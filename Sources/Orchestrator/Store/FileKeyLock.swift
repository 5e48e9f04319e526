import Foundation

/// A lock file per stage key, held with flock(2): two `mtrec run` processes
/// never build the same key at once, and a killed process releases its lock.
final class FileKeyLock: KeyLock, @unchecked Sendable {
    private var descriptor: Int32
    let waited: Bool

    init(path: String) throws {
        // O_CLOEXEC: stage processes must not inherit (and so hold) the lock.
        descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw StoreError.io("cannot open lock file '\(path)': \(String(cString: strerror(errno)))") }
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
            waited = false
            return
        }
        waited = true
        while flock(descriptor, LOCK_EX) != 0 {
            if errno != EINTR {
                close(descriptor)
                throw StoreError.io("cannot lock '\(path)': \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Takes the lock only if nobody holds it; nil when another process does.
    init?(tryingPath path: String) {
        descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return nil }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        waited = false
    }

    func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
