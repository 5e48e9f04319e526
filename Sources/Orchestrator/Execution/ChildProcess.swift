import CSpawnSupport
import Foundation

/// A program started with posix_spawnp and waited for with waitpid on its own
/// pid. Foundation's Process learns of an exit through SIGCHLD, which any
/// thread that leaves the signal unblocked (OpenBLAS starts such threads when
/// it loads) can take and discard: its waitUntilExit then never returns, and
/// a test run hung that way. Standard input is /dev/null.
public final class ChildProcess: @unchecked Sendable {
    /// Where the child's stdout or stderr goes.
    public enum Output: Sendable {
        case discard
        /// Written to this file (created or truncated).
        case file(String)
        /// Kept in memory, read through `standardOutput` / `standardError` after the wait.
        case capture
    }

    public let processIdentifier: pid_t
    private let lock = NSLock()
    private var status: Int32?
    private let readers: [StreamReader?]

    /// Starts `arguments` (a path, or a name looked up in PATH). `environment`
    /// nil keeps this process's environment.
    public init(_ arguments: [String], environment: [String: String]? = nil, workingDirectory: String? = nil,
                stdout: Output = .discard, stderr: Output = .discard) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var pipes: [(read: Int32, write: Int32)?] = []
        for (descriptor, output) in [(Int32(1), stdout), (Int32(2), stderr)] {
            switch output {
            case .discard:
                posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", O_WRONLY, 0)
                pipes.append(nil)
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, descriptor, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                pipes.append(nil)
            case .capture:
                var ends: [Int32] = [-1, -1]
                guard mtrec_pipe_cloexec(&ends) == 0 else { throw StoreError.io("cannot create a pipe: \(String(cString: strerror(errno)))") }
                posix_spawn_file_actions_adddup2(&actions, ends[1], descriptor)
                pipes.append((ends[0], ends[1]))
            }
        }
        if let workingDirectory { mtrec_spawn_file_actions_addchdir(&actions, workingDirectory) }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer {
            argv.forEach { free($0) }
            envp?.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = withCleanSignals(newProcessGroup: false) { attributes in
            envp == nil ? posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
                        : posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp!)
        }
        for case let ends? in pipes { close(ends.write) }
        readers = pipes.map { $0.map { StreamReader(descriptor: $0.read) } }
        guard result == 0 else {
            readers.forEach { $0?.bytes() }
            throw StoreError.io("cannot start '\(arguments[0])': \(String(cString: strerror(result)))")
        }
        processIdentifier = pid
    }

    /// Runs a program to the end: its exit status, stdout and stderr.
    public static func run(_ arguments: [String], environment: [String: String]? = nil,
                           workingDirectory: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try ChildProcess(arguments, environment: environment, workingDirectory: workingDirectory,
                                     stdout: .capture, stderr: .capture)
        let status = child.waitUntilExit()
        return (status, child.standardOutput, child.standardError)
    }

    /// Waits for the exit; the exit code, or 128 + the signal that ended it.
    @discardableResult
    public func waitUntilExit() -> Int32 {
        if let status = lock.withLock({ status }) { return status }
        var raw: Int32 = 0
        var reaped: pid_t
        repeat { reaped = waitpid(processIdentifier, &raw, 0) } while reaped < 0 && errno == EINTR
        return finish(reaped == processIdentifier ? raw : nil)
    }

    /// Waits at most `seconds`; nil when the child is still running then.
    public func waitUntilExit(seconds: Double) -> Int32? {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        while true {
            if let status = lock.withLock({ status }) { return status }
            var raw: Int32 = 0
            let reaped = waitpid(processIdentifier, &raw, WNOHANG)
            if reaped == processIdentifier { return finish(raw) }
            if reaped < 0, errno != EINTR { return finish(nil) }
            if DispatchTime.now().uptimeNanoseconds > deadline { return nil }
            usleep(10_000)
        }
    }

    public var isRunning: Bool { waitUntilExit(seconds: 0) == nil }

    /// The status once waited for (-1 before).
    public var terminationStatus: Int32 { lock.withLock { status } ?? -1 }

    public var standardOutput: String { String(decoding: standardOutputBytes, as: UTF8.self) }
    public var standardOutputBytes: [UInt8] { readers[0]?.bytes() ?? [] }
    public var standardError: String { String(decoding: readers[1]?.bytes() ?? [], as: UTF8.self) }

    /// Records the wait status; nil (the child cannot be waited for) is -1.
    private func finish(_ raw: Int32?) -> Int32 {
        let code = raw.map { raw in raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + raw & 0x7f } ?? -1
        return lock.withLock {
            if status == nil { status = code }
            return status!
        }
    }
}

/// Drains one of a child's pipes on its own thread, so a chatty stderr never
/// blocks the child while stdout is read.
private final class StreamReader: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var collected: [UInt8] = []
    private var finished = false
    private let lock = NSLock()

    init(descriptor: Int32) {
        Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                collected.append(contentsOf: buffer[0..<count])
            }
            close(descriptor)
            done.signal()
        }.start()
    }

    /// Everything the stream carried; waits for its end (every holder of the pipe closed it).
    @discardableResult
    func bytes() -> [UInt8] {
        lock.withLock {
            if !finished {
                done.wait()
                finished = true
            }
            return collected
        }
    }
}
