import Dispatch
import Foundation

/// Turns Ctrl-C (SIGINT) and SIGTERM into a call, instead of killing mtrec
/// outright, so running stages are stopped cleanly and nothing partial is kept.
///
/// The first signal source starts libdispatch's event thread, which takes a
/// couple of milliseconds; the sources are therefore made on another thread
/// while planning goes on. Until they exist a signal still ends mtrec the
/// default way, which is safe then: nothing has started.
final class InterruptHandler: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []
    private let installed = DispatchGroup()

    init(_ onInterrupt: @escaping @Sendable () -> Void) {
        DispatchQueue.global().async(group: installed) { [self] in
            for signalNumber in [SIGINT, SIGTERM] {
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler {
                    Console.error("\nmtrec: interrupted; stopping running stages")
                    onInterrupt()
                }
                source.resume()
                // Only now stop the default action: from here the source sees the signal.
                signal(signalNumber, SIG_IGN)
                sources.append(source)
            }
        }
    }

    /// Returns once Ctrl-C and SIGTERM reach `onInterrupt`.
    func waitUntilInstalled() { installed.wait() }

    func stop() {
        installed.wait()
        for source in sources { source.cancel() }
        sources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
