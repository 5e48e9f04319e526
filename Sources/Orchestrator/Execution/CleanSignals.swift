import Foundation

/// Calls `body` with posix_spawn attributes under which a child starts with
/// no signal blocked and the default action for the signals mtrec catches or
/// ignores, whatever the spawning thread had (a Dispatch worker blocks SIGHUP
/// and SIGINT, and a child would inherit that). With `newProcessGroup` the
/// child also leads a process group of its own.
func withCleanSignals<Result>(newProcessGroup: Bool, _ body: (inout posix_spawnattr_t) -> Result) -> Result {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaults = sigset_t(), noMask = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
    sigemptyset(&noMask)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setsigmask(&attributes, &noMask)
    var flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
    if newProcessGroup {
        posix_spawnattr_setpgroup(&attributes, 0)
        flags |= POSIX_SPAWN_SETPGROUP
    }
    posix_spawnattr_setflags(&attributes, Int16(flags))
    return body(&attributes)
}
