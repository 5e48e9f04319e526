import Foundation

/// Shared between the scheduler and running stages: when a run is
/// interrupted, every registered process group gets SIGTERM, then SIGKILL
/// after a grace period.
public final class Cancellation: @unchecked Sendable {
    private let lock = NSLock()
    private var groups: Set<pid_t> = []
    private var cancelled = false
    public let gracePeriod: Double

    public init(gracePeriod: Double = 5) {
        self.gracePeriod = gracePeriod
    }

    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    /// Registers a running process group; returns false if the run is already
    /// cancelled (the caller then stops the process itself).
    func register(_ group: pid_t) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        groups.insert(group)
        return !cancelled
    }

    func unregister(_ group: pid_t) {
        lock.lock()
        groups.remove(group)
        lock.unlock()
    }

    public func cancel() {
        lock.lock()
        let alreadyCancelled = cancelled
        cancelled = true
        let running = groups
        lock.unlock()
        guard !alreadyCancelled else { return }
        for group in running { kill(-group, SIGTERM) }
        DispatchQueue.global().asyncAfter(deadline: .now() + gracePeriod) { [self] in
            lock.lock()
            let stillRunning = groups
            lock.unlock()
            for group in stillRunning { kill(-group, SIGKILL) }
        }
    }
}
