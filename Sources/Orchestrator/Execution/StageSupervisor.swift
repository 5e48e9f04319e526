import CSpawnSupport
import Foundation

/// Every stage process is started under a supervisor: the mtrec binary again,
/// as `mtrec __supervise PARENT LOCK -- PROGRAM ARGS...`, leading the stage's
/// process group. When the orchestrating mtrec dies, even of kill -9, the
/// kernel tells the supervisor (PR_SET_PDEATHSIG) and it kills the whole
/// group, so no stage outlives its run. For a stage with a checkpoint folder
/// it holds that folder's lock for as long as the group lives.
public enum StageSupervisor {
    public static let command = "__supervise"

    /// The supervised form of `arguments`, run by `launcher`.
    static func wrap(_ arguments: [String], launcher: String, lockPath: String?) -> [String] {
        [launcher, command, String(getpid()), lockPath ?? "", "--"] + arguments
    }

    /// When this process was started as a supervisor, supervises and exits;
    /// otherwise returns at once. Call it first in `main`, before any thread starts.
    public static func runIfRequested(_ arguments: [String]) {
        guard arguments.count >= 6, arguments[1] == command, arguments[4] == "--", let parent = pid_t(arguments[2]) else { return }
        let lockPath = arguments[3]
        let stage = arguments[5...].map { strdup($0) } + [nil]
        let status = lockPath.isEmpty
            ? mtrec_supervise(parent, nil, stage)
            : lockPath.withCString { mtrec_supervise(parent, $0, stage) }
        exit(status)
    }
}
