import Dispatch
import Foundation

/// Turns Ctrl-C (SIGINT) and SIGTERM into a call, instead of killing mtrec
/// outright, so running stages are stopped cleanly and nothing partial is kept.
final class InterruptHandler {
    private var sources: [any DispatchSourceSignal] = []

    init(_ onInterrupt: @escaping @Sendable () -> Void) {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                Console.error("\nmtrec: interrupted; stopping running stages")
                onInterrupt()
            }
            source.resume()
            sources.append(source)
        }
    }

    func stop() {
        for source in sources { source.cancel() }
        sources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
