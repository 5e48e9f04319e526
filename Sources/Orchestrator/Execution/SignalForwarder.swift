import CSpawnSupport
import Foundation

/// Calls a handler when the process gets a signal, reliably. A signal sent
/// to the process goes to any one of its threads that does not block it;
/// libdispatch's signal sources lost some of them that way (a SIGHUP to
/// `mtrec serve` now and then did nothing). Here a C handler, which any
/// thread may run, writes the signal's number to a pipe, and one reader
/// thread calls the handler registered for it.
public final class SignalForwarder: @unchecked Sendable {
    public static let shared = SignalForwarder()

    private let lock = NSLock()
    private var handlers: [Int32: @Sendable () -> Void] = [:]
    private var reader: Thread?

    /// From now on `signal` calls `handler` (on the forwarder's own thread)
    /// instead of taking its default action; replaces an earlier handler.
    public func handle(_ signal: Int32, _ handler: @escaping @Sendable () -> Void) {
        lock.withLock {
            handlers[signal] = handler
            startReading()
        }
        if mtrec_forward_signal(signal) != 0 {
            StandardStreams.error("mtrec: cannot catch signal \(signal): \(String(cString: strerror(errno)))\n")
        }
        // A parent may have started mtrec with the signal blocked (a Dispatch
        // worker's mask is inherited); the calling thread takes it from now on.
        var wanted = sigset_t()
        sigemptyset(&wanted)
        sigaddset(&wanted, signal)
        pthread_sigmask(SIG_UNBLOCK, &wanted, nil)
    }

    /// `signal` takes its default action again.
    public func restoreDefault(_ signal: Int32) {
        Foundation.signal(signal, SIG_DFL)
        lock.withLock { _ = handlers.removeValue(forKey: signal) }
    }

    private func startReading() {
        guard reader == nil else { return }
        let descriptor = mtrec_signal_pipe()
        guard descriptor >= 0 else { return }
        let thread = Thread { [self] in
            var byte: UInt8 = 0
            while true {
                let count = read(descriptor, &byte, 1)
                if count < 0, errno == EINTR { continue }
                guard count == 1 else { return }
                let handler = lock.withLock { handlers[Int32(byte)] }
                handler?()
            }
        }
        thread.name = "mtrec-signals"
        thread.start()
        reader = thread
    }
}
