import Foundation
import Testing

/// A state folder on a disk that fills up: the stage fails with the path and
/// the system's reason on the console, even though its own log could not be written.
@Suite("A full disk end to end")
struct FullDiskTests {
    static let canMount = geteuid() == 0

    @Test(.enabled(if: FullDiskTests.canMount, "mounting a tmpfs needs root"))
    func aStageThatFillsTheDiskFailsWithThePathAndTheReasonShown() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        let state = mtrec.path("state")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        guard mount("tmpfs", state, "tmpfs", 0, "size=204800") == 0 else {
            Issue.record("cannot mount a tmpfs at \(state): \(String(cString: strerror(errno)))")
            return
        }
        defer { umount2(state, Int32(MNT_DETACH)) }
        try mtrec.write("full.yaml", """
            name: full
            stages:
              collect: {uses: collect, with: {users: 50, items: 20, impressions: 20000}}
            """)
        let run = try mtrec.run("run", "full.yaml", "--state-dir", state + "/.mtrec")
        #expect(run.exitCode == 1, "a failed stage, not a crash: \(run.stderr)")
        let said = run.stdout + run.stderr
        #expect(said.contains("No space left on device") && said.contains(state + "/.mtrec/tmp/"), "\(said)")
        #expect(!said.contains("signal"), "\(said)")
        let staging = (try? FileManager.default.contentsOfDirectory(atPath: state + "/.mtrec/tmp")) ?? []
        #expect(staging.isEmpty, "the failed stage's staging folder is removed: \(staging)")
    }
}
