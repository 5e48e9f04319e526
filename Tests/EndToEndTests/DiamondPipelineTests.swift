import Foundation
import Testing

/// The diamond pipeline from pipelines/diamond.yaml, run by the real binary.
@Suite("Diamond pipeline end to end", .serialized)
struct DiamondPipelineTests {
    static let diamond = try! String(contentsOf: MtrecProcess.repository.appendingPathComponent("pipelines/diamond.yaml"), encoding: .utf8)

    /// What `join` must contain: the line count, then the numbers in reverse.
    static let expectedJoin = "1000\n" + (1...1000).reversed().map { "\($0)\n" }.joined()

    func statuses(_ mtrec: MtrecProcess, _ report: String) throws -> [String: String] {
        try mtrec.stages(mtrec.report(report)).mapValues { $0["status"] as! String }
    }

    func joinOutput(_ mtrec: MtrecProcess, _ report: String) throws -> String {
        let outputs = try #require(mtrec.stages(mtrec.report(report))["join"]?["outputs"] as? [String: String])
        return try String(contentsOfFile: try #require(outputs["all"]), encoding: .utf8)
    }

    @Test func firstRunOverlapsTheBranchesAndTheSecondIsAllCached() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("diamond.yaml", Self.diamond)
        let first = try mtrec.run("run", "diamond.yaml", "--jobs", "2", "--report", "first.json")
        #expect(first.exitCode == 0, "\(first.stderr)")
        #expect(try statuses(mtrec, "first.json") == ["numbers": "ran", "count": "ran", "reverse": "ran", "join": "ran"])
        let stages = try mtrec.stages(mtrec.report("first.json"))
        let count = try #require(stages["count"]), reverse = try #require(stages["reverse"])
        let (countStart, countEnd) = (count["startOffset"] as! Double, count["endOffset"] as! Double)
        let (reverseStart, reverseEnd) = (reverse["startOffset"] as! Double, reverse["endOffset"] as! Double)
        #expect(countStart < reverseEnd && reverseStart < countEnd, "count and reverse must run at the same time")
        #expect(try joinOutput(mtrec, "first.json") == Self.expectedJoin)
        #expect(first.stdout.contains("diamond: succeeded"))

        let second = try mtrec.run("run", "diamond.yaml", "--report", "second.json")
        #expect(second.exitCode == 0)
        #expect(try statuses(mtrec, "second.json") == ["numbers": "cached", "count": "cached", "reverse": "cached", "join": "cached"])
    }

    @Test func changingReverseRerunsReverseAndJoinOnly() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("diamond.yaml", Self.diamond)
        #expect(try mtrec.run("run", "diamond.yaml").exitCode == 0)
        try mtrec.write("diamond.yaml", Self.diamond.replacingOccurrences(of: "sleep 2; sort -rn", with: "sort -rn"))

        let status = try mtrec.run("status", "diamond.yaml")
        #expect(status.stdout.contains("command or manifest version changed"))
        let rerun = try mtrec.run("run", "diamond.yaml", "--report", "rerun.json")
        #expect(rerun.exitCode == 0)
        #expect(try statuses(mtrec, "rerun.json") == ["numbers": "cached", "count": "cached", "reverse": "ran", "join": "ran"])
    }

    @Test func killDashNineThenRerunResumesWithIdenticalOutputs() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("diamond.yaml", Self.diamond)
        let victim = try mtrec.start(["run", "diamond.yaml"], tag: "victim")
        let branchesStarted = mtrec.waitFor(seconds: 20) {
            let out = (try? mtrec.read("victim.stdout")) ?? ""
            return out.contains("start  count") && out.contains("start  reverse")
        }
        #expect(branchesStarted)
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()

        let runs = try mtrec.run("runs")
        #expect(runs.stdout.contains(" diamond   interrupted "), "\(runs.stdout)")
        let status = try mtrec.run("status", "diamond.yaml")
        #expect(status.stdout.contains("numbers  cached"))
        #expect(status.stdout.contains("count    will run"))
        #expect(status.stdout.contains("join     will run"))

        let resumed = try mtrec.run("run", "diamond.yaml", "--report", "resumed.json")
        #expect(resumed.exitCode == 0, "\(resumed.stderr)")
        #expect(try statuses(mtrec, "resumed.json") == ["numbers": "cached", "count": "ran", "reverse": "ran", "join": "ran"])
        #expect(try joinOutput(mtrec, "resumed.json") == Self.expectedJoin)
    }

    @Test func aFailingStageLeavesItsSiblingCachedAndExitsOne() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("diamond.yaml", Self.diamond.replacingOccurrences(
            of: "sleep 2; sort -rn {inputs.n} > {outputs.s}", with: "echo no space left >&2; exit 4"))
        let failed = try mtrec.run("run", "diamond.yaml", "--report", "failed.json")
        #expect(failed.exitCode == 1)
        #expect(try statuses(mtrec, "failed.json") == ["numbers": "ran", "count": "ran", "reverse": "failed", "join": "blocked"])
        #expect(failed.stdout.contains("stage 'reverse' failed: exited with code 4"))
        #expect(failed.stdout.contains("| no space left"))
        #expect(try mtrec.report("failed.json")["status"] as? String == "failed")

        let status = try mtrec.run("status", "diamond.yaml")
        #expect(status.stdout.contains("count    cached"))
    }
}
