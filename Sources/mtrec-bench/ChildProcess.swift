import ArgumentParser
import Foundation

extension Bench {
    /// This program's own path, to run it again as a child.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// Runs a program to the end and returns its standard output; a non-zero
/// exit is an error carrying the program's standard error.
func runChild(_ program: String, _ arguments: [String], in folder: URL? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    if let folder { process.currentDirectoryURL = folder }
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Standard error is read on another thread while standard output is read
    // here, so a chatty child never blocks on a full pipe.
    let errorReader = ErrorReader(errors.fileHandleForReading)
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorText = errorReader.text()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ValidationError("\(program) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus):\n\(errorText)")
    }
    return String(decoding: outputData, as: UTF8.self)
}

private final class ErrorReader: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchGroup()

    init(_ handle: FileHandle) {
        DispatchQueue.global().async(group: done) { [self] in data = handle.readDataToEndOfFile() }
    }

    func text() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Starts `program` with standard output written to `standardOutput` (and
/// standard error discarded) and waits for it; returns its exit status.
func spawnAndWait(_ program: String, _ arguments: [String], standardOutput: String) throws -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, standardOutput, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = ([program] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, program, &actions, nil, argv, environ)
    guard result == 0 else { throw ValidationError("cannot start \(program): \(String(cString: strerror(result)))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}
