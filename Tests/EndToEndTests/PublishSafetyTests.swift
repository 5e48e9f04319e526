import Foundation
import Testing

/// Publishing through the binary: confined, refreshed after --force, and a
/// failed copy is recorded like any other failed run.
@Suite("Publishing end to end", .serialized)
struct PublishSafetyTests {
    static let pipeline = """
        name: stamped
        stages:
          stamp: {command: "date +%s%N > {outputs.o}", outputs: [o]}
        publish:
          out/stamp.txt: stamp.o
        """

    @Test func aSymlinkedOutputFolderIsRefusedAndTheRunIsRecorded() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        _ = try mtrec.write("p.yaml", Self.pipeline)
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent("mtrec-elsewhere-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        try FileManager.default.createSymbolicLink(atPath: mtrec.path("out"), withDestinationPath: elsewhere.path)

        let run = try mtrec.run("run", "p.yaml")
        #expect(run.exitCode == 1, "a failed publish is a failed run, not an invalid pipeline")
        #expect(run.stderr.contains("is a symbolic link"), "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path).isEmpty)
        let runs = try mtrec.run("runs")
        #expect(runs.stdout.contains("publish_failed"), "\(runs.stdout)")
    }

    @Test func aForcedStageIsPublishedAgain() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        _ = try mtrec.write("p.yaml", Self.pipeline)
        #expect(try mtrec.run("run", "p.yaml").exitCode == 0)
        let first = try mtrec.read("out/stamp.txt")
        #expect(try mtrec.run("run", "p.yaml", "--force", "stamp").exitCode == 0)
        let second = try mtrec.read("out/stamp.txt")
        #expect(first != second, "the forced stage wrote a new stamp; the published copy must follow")
    }
}
