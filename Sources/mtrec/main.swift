import ArgumentParser
import Foundation
import MultiTaskLearning
import Orchestrator

// Exit codes: 0 success, 1 a stage failed, 2 invalid pipeline or usage, 3 a gate failed, 130 interrupted.
// A stage's supervisor must start before any thread does (see StageSupervisor).
StageSupervisor.runIfRequested(CommandLine.arguments)
// OpenBLAS's workers, started when it was loaded, would spin beside this
// command's threads; the first multi-threaded product starts them again.
BLAS.stopIdleWorkers()
Builtins.startParsingManifests(for: CommandLine.arguments)
do {
    var command = try Mtrec.parseAsRoot()
    try command.run()
} catch let code as ExitCode {
    exit(code.rawValue)
} catch {
    if Mtrec.exitCode(for: error) == .success {
        print(Mtrec.fullMessage(for: error))
        exit(0)
    }
    StandardStreams.error(Mtrec.fullMessage(for: error) + "\n")
    exit(2)
}
