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
