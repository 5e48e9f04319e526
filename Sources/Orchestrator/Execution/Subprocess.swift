import CSpawnSupport
import Foundation

/// posix_spawn with the child in a new process group, stdin from /dev/null,
/// stdout and stderr to log files, and default signal handling restored.
enum Subprocess {
    static func run(_ arguments: [String], environment: [String: String], workingDirectory: String,
                    stdoutPath: String, stderrPath: String, cancellation: Cancellation) throws -> ExecutionResult {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        mtrec_spawn_file_actions_addchdir(&actions, workingDirectory)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var noMask = sigset_t()
        sigemptyset(&noMask)
        posix_spawnattr_setsigmask(&attributes, &noMask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }

        let start = DispatchTime.now()
        var pid: pid_t = 0
        let status = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard status == 0 else {
            throw StoreError.io("cannot start '\(arguments[0])': \(String(cString: strerror(status)))")
        }
        if !cancellation.register(pid) { kill(-pid, SIGTERM) }
        defer { cancellation.unregister(pid) }

        var waitStatus: Int32 = 0
        var usage = rusage()
        while wait4(pid, &waitStatus, 0, &usage) < 0 {
            guard errno == EINTR else { throw StoreError.io("waiting for '\(arguments[0])' failed: \(String(cString: strerror(errno)))") }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let signaled = (waitStatus & 0x7f) != 0 && (waitStatus & 0x7f) != 0x7f
        return ExecutionResult(exitCode: signaled ? 128 + (waitStatus & 0x7f) : (waitStatus >> 8) & 0xff,
                               signal: signaled ? waitStatus & 0x7f : nil,
                               seconds: seconds, peakMemoryBytes: Int64(usage.ru_maxrss) * 1024)
    }
}
