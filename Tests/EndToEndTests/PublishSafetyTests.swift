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

    @Test func fourRunsAtOnceAllPublishTheSameDestinationAndAreAllRecorded() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        _ = try mtrec.write("race.yaml", """
            name: race
            params: {round: 0}
            stages:
              numbers: {command: "seq {params.round} 50 > {outputs.nums}", outputs: [nums], with: {round: "${params.round}"}}
              total: {command: "awk '{s+=$1} END {print s}' {inputs.n} > {outputs.t}", inputs: {n: numbers.nums}, outputs: [t]}
            publish:
              out/total.txt: total.t
            """)
        for round in 1...2 {
            let runs = try (0..<4).map { try mtrec.start(["run", "race.yaml", "--set", "params.round=\(round)"], tag: "r\(round)-\($0)") }
            runs.forEach { $0.waitUntilExit() }
            for (index, run) in runs.enumerated() {
                #expect(run.terminationStatus == 0, "round \(round) run \(index): \((try? mtrec.read("r\(round)-\(index).stderr")) ?? "")")
            }
            #expect(try mtrec.read("out/total.txt") == "\((round...50).reduce(0, +))\n")
        }
        let runs = try mtrec.run("runs")
        #expect(runs.stdout.components(separatedBy: "succeeded").count - 1 == 8, "\(runs.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: mtrec.path("out")) == ["total.txt"], "no temporary copy is left")
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
