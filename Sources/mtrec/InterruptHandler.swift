import Foundation
import Orchestrator

/// Turns Ctrl-C (SIGINT) and SIGTERM into a call, instead of killing mtrec
/// outright, so running stages are stopped cleanly and nothing partial is kept.
final class InterruptHandler: Sendable {
    init(_ onInterrupt: @escaping @Sendable () -> Void) {
        for signalNumber in [SIGINT, SIGTERM] {
            SignalForwarder.shared.handle(signalNumber) {
                Console.error("\nmtrec: interrupted; stopping running stages")
                onInterrupt()
            }
        }
    }

    func stop() {
        SignalForwarder.shared.restoreDefault(SIGINT)
        SignalForwarder.shared.restoreDefault(SIGTERM)
    }
}
