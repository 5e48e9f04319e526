import ArgumentParser
import Foundation
import Orchestrator

extension Bench {
    /// This program's own path, to run it again as a child.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// Runs a program to the end and returns its standard output; a non-zero
/// exit is an error carrying the program's standard error.
func runChild(_ program: String, _ arguments: [String], in folder: URL? = nil) throws -> String {
    let (status, output, errors) = try ChildProcess.run([program] + arguments, workingDirectory: folder?.path)
    guard status == 0 else {
        throw ValidationError("\(program) \(arguments.joined(separator: " ")) exited with \(status):\n\(errors)")
    }
    return output
}

/// Starts `program` with standard output written to `standardOutput` (and
/// standard error discarded) and waits for it; returns its exit status.
func spawnAndWait(_ program: String, _ arguments: [String], standardOutput: String) throws -> Int32 {
    try ChildProcess([program] + arguments, stdout: .file(standardOutput)).waitUntilExit()
}
