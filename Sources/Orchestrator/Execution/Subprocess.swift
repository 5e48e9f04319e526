import CSpawnSupport
import Foundation

/// posix_spawnp (PATH searched for a bare program name) with the child in a new process group, stdin from /dev/null,
/// stdout through a pipe into its log file and, line by line, to `output` (so
/// a run shows what its stages say), stderr through a pipe into its log file
/// with its last lines also kept in memory (so a stage's error is shown even
/// when its log cannot be written: a full disk), and default signal handling restored.
enum Subprocess {
    static func run(_ arguments: [String], environment: [String: String], workingDirectory: String,
                    stdoutPath: String, stderrPath: String, cancellation: Cancellation,
                    output: @escaping @Sendable (String) -> Void) throws -> ExecutionResult {
        var pipeEnds: [Int32] = [-1, -1], errorEnds: [Int32] = [-1, -1]
        guard mtrec_pipe_cloexec(&pipeEnds) == 0 else { throw StoreError.io("cannot create a pipe: \(String(cString: strerror(errno)))") }
        guard mtrec_pipe_cloexec(&errorEnds) == 0 else {
            pipeEnds.forEach { close($0) }
            throw StoreError.io("cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        let logDescriptor = open(stdoutPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let errorLogDescriptor = open(stderrPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard logDescriptor >= 0, errorLogDescriptor >= 0 else {
            (pipeEnds + errorEnds + [logDescriptor, errorLogDescriptor]).filter { $0 >= 0 }.forEach { close($0) }
            throw StoreError.io("cannot open log '\(logDescriptor < 0 ? stdoutPath : stderrPath)': \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errorEnds[1], 2)
        mtrec_spawn_file_actions_addchdir(&actions, workingDirectory)

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }

        let start = DispatchTime.now()
        var pid: pid_t = 0
        let status = withCleanSignals(newProcessGroup: true) { posix_spawnp(&pid, arguments[0], &actions, &$0, argv, envp) }
        close(pipeEnds[1])
        close(errorEnds[1])
        let reader = OutputReader(descriptor: pipeEnds[0], log: logDescriptor, output: output)
        let errorReader = OutputReader(descriptor: errorEnds[0], log: errorLogDescriptor, output: nil)
        guard status == 0 else {
            reader.wait()
            errorReader.wait()
            throw StoreError.io("cannot start '\(arguments[0])': \(String(cString: strerror(status)))")
        }
        if !cancellation.register(pid) { kill(-pid, SIGTERM) }
        defer { cancellation.unregister(pid) }

        var waitStatus: Int32 = 0
        var usage = rusage()
        while wait4(pid, &waitStatus, 0, &usage) < 0 {
            guard errno == EINTR else { throw StoreError.io("waiting for '\(arguments[0])' failed: \(String(cString: strerror(errno)))") }
        }
        reader.wait()
        errorReader.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let signaled = (waitStatus & 0x7f) != 0 && (waitStatus & 0x7f) != 0x7f
        return ExecutionResult(exitCode: signaled ? 128 + (waitStatus & 0x7f) : (waitStatus >> 8) & 0xff,
                               signal: signaled ? waitStatus & 0x7f : nil,
                               seconds: seconds, peakMemoryBytes: Int64(usage.ru_maxrss) * 1024, stderrTail: errorReader.tail)
    }
}

/// Drains a child's stdout or stderr on its own thread: every byte into the
/// log file (a failed write loses only the log's copy), every complete line
/// to `output`, and the last lines kept in `tail`.
private final class OutputReader: @unchecked Sendable {
    static let tailLines = 10
    private let finished = DispatchSemaphore(value: 0)
    private var lines: [String] = []

    init(descriptor: Int32, log: Int32, output: (@Sendable (String) -> Void)?) {
        let thread = Thread { [finished, self] in
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            func deliver(_ line: String) {
                output?(line)
                lines.append(line)
                if lines.count > 2 * Self.tailLines { lines.removeFirst(lines.count - Self.tailLines) }
            }
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                buffer.withUnsafeBytes { _ = write(log, $0.baseAddress, count) }
                pending.append(contentsOf: buffer[0..<count])
                while let newline = pending.firstIndex(of: 10) {
                    deliver(String(decoding: pending[..<newline], as: UTF8.self))
                    pending.removeSubrange(...newline)
                }
            }
            if !pending.isEmpty { deliver(String(decoding: pending, as: UTF8.self)) }
            close(descriptor)
            close(log)
            finished.signal()
        }
        thread.start()
    }

    /// Returns once the child (and everything it started) closed the stream.
    func wait() { finished.wait() }

    /// The last non-empty lines; read after `wait()`.
    var tail: [String] { Array(lines.filter { !$0.isEmpty }.suffix(Self.tailLines)) }
}
