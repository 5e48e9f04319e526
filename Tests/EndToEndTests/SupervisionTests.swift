import Foundation
import Testing

/// Stage processes live no longer than the mtrec that started them.
@Suite("Stages die with their run")
struct SupervisionTests {
    static let slow = """
        name: slow
        stages:
          slow: {command: "echo $$ > stage.pid; sleep 60 & wait", outputs: [o]}
        """

    func stagePid(_ mtrec: MtrecProcess) -> pid_t? {
        (try? mtrec.read("stage.pid")).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    @Test func killingOnlyTheMtrecProcessKillsTheStageGroupAndFreesItsLock() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("slow.yaml", Self.slow)
        let victim = try mtrec.start(["run", "slow.yaml"], tag: "victim")
        #expect(mtrec.waitFor(seconds: 20) { stagePid(mtrec) != nil })
        let shell = try #require(stagePid(mtrec))
        let group = getpgid(shell)
        #expect(group > 0 && group != getpgrp() && group != victim.processIdentifier)

        // The stage's checkpoint lock is held while it runs.
        let locks = try FileManager.default.contentsOfDirectory(atPath: mtrec.path(".mtrec/checkpoints")).filter { $0.hasSuffix(".lock") }
        #expect(locks.count == 1)
        let lockPath = mtrec.path(".mtrec/checkpoints/" + (locks.first ?? ""))
        let descriptor = open(lockPath, O_RDWR)
        defer { close(descriptor) }
        #expect(flock(descriptor, LOCK_EX | LOCK_NB) != 0)

        kill(victim.processIdentifier, SIGKILL)  // the process only, not its group
        victim.waitUntilExit()
        let groupGone = mtrec.waitFor(seconds: 5) { kill(-group, 0) != 0 && errno == ESRCH }
        #expect(groupGone, "stage processes of group \(group) outlived mtrec")
        #expect(flock(descriptor, LOCK_EX | LOCK_NB) == 0)
    }

    @Test func aStageKilledByASignalIsReportedWithIt() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("p.yaml", """
            name: p
            stages:
              crash: {command: "kill -SEGV $$", outputs: [o]}
              missing: {command: [no-such-program-here, x], outputs: [o]}
            """)
        let run = try mtrec.run("run", "p.yaml")
        #expect(run.exitCode == 1)
        #expect(run.stdout.contains("FAILED crash  killed by signal 11"), "\(run.stdout)")
        #expect(run.stdout.contains("FAILED missing  exited with code 127"))
        #expect(run.stdout.contains("cannot start 'no-such-program-here': No such file or directory"))
    }
}
