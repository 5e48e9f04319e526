import Foundation
import Orchestrator
import Testing

/// The Slurm executor against a real one-node Slurm on this machine
/// (scripts/local-slurm.sh). Where Slurm cannot start, these tests are
/// skipped, with the reason as the skip's comment.
@Suite("Slurm executor end to end", .serialized, .enabled(if: LocalSlurm.configuration != nil, Comment(rawValue: LocalSlurm.reason)))
struct SlurmExecutorTests {
    static let diamond = try! String(contentsOf: MtrecProcess.repository.appendingPathComponent("pipelines/diamond.yaml"), encoding: .utf8)
    /// A stage that fails with exit code 4 after one that works.
    static let failing = """
        name: p
        stages:
          ok: {command: "echo fine > {outputs.o}", outputs: [o]}
          broken: {command: "echo no space left >&2; exit 4", outputs: [o], inputs: {i: ok.o}}
        """
    /// One stage that takes six seconds.
    static let slow = "name: slow\nstages:\n  slow: {command: \"sleep 6; echo done > {outputs.o}\", outputs: [o]}\n"

    func joined(_ mtrec: MtrecProcess, _ report: String) throws -> String {
        let path = try #require((mtrec.stages(try mtrec.report(report))["join"]?["outputs"] as? [String: String])?["all"])
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    @Test func theDiamondThroughSlurmGivesTheLocalOutputs() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("diamond.yaml", Self.diamond)
        let slurm = try mtrec.run("run", "diamond.yaml", "--executor", "slurm", "--state-dir", mtrec.path("slurm-state"), "--report", "slurm.json")
        #expect(slurm.exitCode == 0, "\(slurm.stdout)\(slurm.stderr)")
        #expect(mtrec.stages(try mtrec.report("slurm.json")).values.allSatisfy { $0["status"] as? String == "ran" })
        #expect(slurm.stdout.contains("slurm job "))
        let local = try mtrec.run("run", "diamond.yaml", "--state-dir", mtrec.path("local-state"), "--report", "local.json")
        #expect(local.exitCode == 0)
        #expect(try joined(mtrec, "slurm.json") == (try joined(mtrec, "local.json")))
        let again = try mtrec.run("run", "diamond.yaml", "--executor", "slurm", "--state-dir", mtrec.path("slurm-state"), "--report", "again.json")
        #expect(again.exitCode == 0 && !again.stdout.contains("slurm job "), "a cached rerun submits nothing: \(again.stdout)")
        // --force reaches the job: it rebuilds the stage instead of finding it cached.
        let forced = try mtrec.run("run", "diamond.yaml", "--executor", "slurm", "--state-dir", mtrec.path("slurm-state"), "--force", "join",
                                   "--report", "forced.json")
        #expect(forced.exitCode == 0, "\(forced.stdout)")
        let key = try #require(mtrec.stages(try mtrec.report("forced.json"))["join"]?["key"] as? String)
        let job = try mtrec.report("slurm-state/slurm/\(key).report.json")
        #expect(mtrec.stages(job)["join"]?["status"] as? String == "ran", "the job rebuilt join")
    }

    /// The quickstart itself, made small with --set (which the jobs must be given too, or their keys would differ).
    /// So small, its quality gates fail: both runs must fail them alike, with the same lists and metrics.
    @Test func theQuickstartThroughSlurmGivesTheLocalOutputs() throws {
        let quickstart = try String(contentsOf: MtrecProcess.repository.appendingPathComponent("pipelines/quickstart.yaml"), encoding: .utf8)
        var outputs: [[String]] = [], codes: [Int32] = []
        for executor in ["slurm", "local"] {
            let mtrec = try MtrecProcess()
            defer { mtrec.remove() }
            try mtrec.write("quickstart.yaml", quickstart)
            let result = try mtrec.run("run", "quickstart.yaml", "--executor", executor, "--report", "r.json", "--set", "collect.impressions=20000",
                                       "--set", "collect.users=300", "--set", "collect.items=100", "--set", "train.epochs=1",
                                       "--set", "retrieve.candidates_per_user=50")
            codes.append(result.exitCode)
            let stages = mtrec.stages(try mtrec.report("r.json"))
            #expect(stages.values.allSatisfy { $0["status"] as? String == "ran" }, "\(executor): \(result.stdout)")
            let lists = try #require((stages["rank"]?["outputs"] as? [String: String])?["recommendations"])
            let metrics = try #require((stages["evaluate"]?["outputs"] as? [String: String])?["metrics"])
            outputs.append([try String(contentsOfFile: lists, encoding: .utf8), try String(contentsOfFile: metrics, encoding: .utf8)])
        }
        #expect(codes[0] == codes[1], "the gates decide alike: \(codes)")
        #expect(outputs[0] == outputs[1], "the lists and metrics are byte for byte the local ones")
    }

    @Test func aFailingJobIsReportedWithItsExitCodeAndLogTail() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("p.yaml", Self.failing)
        let result = try mtrec.run("run", "p.yaml", "--executor", "slurm", "--report", "r.json")
        #expect(result.exitCode == 1)
        let broken = try #require(mtrec.stages(try mtrec.report("r.json"))["broken"])
        #expect(broken["status"] as? String == "failed")
        #expect(broken["error"] as? String == "exited with code 4", "\(broken)")
        #expect((broken["stderrTail"] as? [String])?.contains("no space left") == true, "\(broken)")
    }

    @Test func ctrlCCancelsTheRunningJob() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("slow.yaml", Self.slow.replacingOccurrences(of: "sleep 6", with: "sleep 120"))
        let process = try mtrec.start(["run", "slow.yaml", "--executor", "slurm", "--report", "r.json"], tag: "slow")
        #expect(mtrec.waitFor(seconds: 20) { ((try? mtrec.read("slow.stdout")) ?? "").contains("slurm job ") })
        let text = try mtrec.read("slow.stdout")
        let id = try #require(text.range(of: "slurm job ").map { String(text[$0.upperBound...].prefix { $0.isNumber }) })
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(try mtrec.report("r.json")["status"] as? String == "interrupted")
        let state = try ChildProcess.run(["scontrol", "show", "job", "-o", id]).stdout
        #expect(state.contains("JobState=CANCELLED"), "\(state)")
    }

    @Test func aKilledOrchestratorsJobIsWaitedForNotSubmittedAgain() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("slow.yaml", Self.slow)
        let victim = try mtrec.start(["run", "slow.yaml", "--executor", "slurm"], tag: "victim")
        let submitted = mtrec.waitFor(seconds: 20) { ((try? mtrec.read("victim.stdout")) ?? "").contains("slurm job ") }
        #expect(submitted)
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        let first = try mtrec.read("victim.stdout")
        let id = try #require(first.range(of: "slurm job ").map { String(first[$0.upperBound...].prefix { $0.isNumber }) })

        let rerun = try mtrec.run("run", "slow.yaml", "--executor", "slurm", "--report", "rerun.json")
        #expect(rerun.exitCode == 0, "\(rerun.stdout)\(rerun.stderr)")
        #expect(rerun.stdout.contains("slurm job \(id) (submitted earlier, still queued or running): waiting for it"), "\(rerun.stdout)")
        #expect(!rerun.stdout.contains("slurm job \(Int(id)! + 1)"), "no second job: \(rerun.stdout)")
        let output = try #require((mtrec.stages(try mtrec.report("rerun.json"))["slow"]?["outputs"] as? [String: String])?["o"])
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "done\n")
    }
}

/// Starts the local Slurm once per test process (at most ten minutes: it may
/// install Slurm's packages first), its output in files so a daemon that
/// keeps a descriptor open cannot hold the tests up.
enum LocalSlurm {
    static let started: (configuration: String?, reason: String) = {
        let script = MtrecProcess.repository.appendingPathComponent("scripts/local-slurm.sh").path
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("mtrec-local-slurm-\(getpid())")
        let (output, errors) = (logs.appendingPathExtension("out").path, logs.appendingPathExtension("err").path)
        defer { [output, errors].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        guard let process = try? ChildProcess(["/bin/bash", script, "start"], stdout: .file(output), stderr: .file(errors)) else {
            return (nil, "Slurm tests skipped: cannot run \(script)")
        }
        guard let status = process.waitUntilExit(seconds: 600) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return (nil, "Slurm tests skipped: \(script) start took more than ten minutes")
        }
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        let problem = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        guard status == 0, let line = text.split(separator: "\n").first(where: { $0.hasPrefix("SLURM_CONF=") }) else {
            return (nil, "Slurm tests skipped: local Slurm did not start: \(problem.split(separator: "\n").last ?? "")")
        }
        let configuration = String(line.dropFirst("SLURM_CONF=".count))
        setenv("SLURM_CONF", configuration, 1)
        return (configuration, "local Slurm at \(configuration)")
    }()

    static var configuration: String? { started.configuration }
    static var reason: String { started.reason }
}
