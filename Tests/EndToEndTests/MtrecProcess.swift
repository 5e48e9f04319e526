import Foundation
import Orchestrator
import Testing

/// Drives the built `mtrec` binary the way a user does, in a scratch folder.
struct MtrecProcess: Sendable {
    struct Result {
        var exitCode: Int32
        var stdout: String
        var stderr: String
    }

    /// The binary built beside this test bundle (or $MTREC_BINARY).
    static let binary: String = {
        if let explicit = ProcessInfo.processInfo.environment["MTREC_BINARY"] { return explicit }
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("mtrec").path
    }()

    /// The repository root, for the pipelines shipped in pipelines/.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mtrec-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent(".git"), withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func read(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

    /// Starts mtrec with stdout and stderr going to files in the folder.
    func start(_ arguments: [String], tag: String = "run") throws -> ChildProcess {
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "MTREC_STATE_DIR")
        environment.removeValue(forKey: "CI")  // CI mode only where a test asks for it with --ci
        environment["NO_COLOR"] = "1"
        return try ChildProcess([Self.binary] + arguments, environment: environment, workingDirectory: folder.path,
                                stdout: .file(path("\(tag).stdout")), stderr: .file(path("\(tag).stderr")))
    }

    /// Runs mtrec to the end. A run still going after `seconds` is killed and
    /// recorded as a failure of the test, so a hang fails one test instead of
    /// stalling the whole test run.
    func run(_ arguments: String..., seconds: Double = 600) throws -> Result {
        try run(arguments: arguments, seconds: seconds)
    }

    func run(arguments: [String], seconds: Double = 600) throws -> Result {
        let process = try start(arguments)
        let status: Int32
        if let ended = process.waitUntilExit(seconds: seconds) {
            status = ended
        } else {
            kill(process.processIdentifier, SIGKILL)
            status = process.waitUntilExit()
            Issue.record("mtrec \(arguments.joined(separator: " ")) still running after \(Int(seconds)) s: killed")
        }
        return Result(exitCode: status, stdout: try read("run.stdout"), stderr: try read("run.stderr"))
    }

    /// The JSON report a run wrote.
    func report(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(name)))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Stage name -> its report entry.
    func stages(_ report: [String: Any]) -> [String: [String: Any]] {
        let list = report["stages"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: list.map { ($0["name"] as! String, $0) })
    }

    /// Polls until `condition` holds or `seconds` pass.
    func waitFor(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}
