import Foundation
import Testing

@Suite("Command line", .serialized)
struct CommandLineTests {
    @Test func validatePrintsEveryErrorCompilerStyleAndExitsTwo() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("bad.yaml", """
            name: bad
            stages:
              a: {command: "echo {params.x}", outputs: [o]}
              b: {command: "cat {inputs.i}", inputs: {i: a.out}}
              c: {comand: "true"}
            """)
        let result = try mtrec.run("validate", "bad.yaml")
        #expect(result.exitCode == 2)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("bad.yaml:3:16: error: placeholder '{params.x}'") })
        #expect(lines.contains { $0.hasPrefix("bad.yaml:4:46: error: input 'i': stage 'a' has no output 'out'") })
        #expect(lines.contains { $0.hasPrefix("bad.yaml:5:7: error: unknown key 'comand' in stage 'c' (did you mean 'command'?)") })
    }

    @Test func validateAcceptsAGoodPipeline() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        let file = MtrecProcess.repository.appendingPathComponent("pipelines/diamond.yaml").path
        let result = try mtrec.run("validate", file)
        #expect(result.exitCode == 0)
        #expect(result.stdout.contains("ok (4 stages)"))
    }

    @Test func onlyWithUncachedUpstreamIsAUsageError() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("p.yaml", """
            name: p
            stages:
              a: {command: "echo a > {outputs.o}", outputs: [o]}
              b: {command: "cat {inputs.i} > {outputs.o}", inputs: {i: a.o}, outputs: [o]}
            """)
        let refused = try mtrec.run("run", "p.yaml", "--only", "b")
        #expect(refused.exitCode == 2)
        #expect(refused.stderr.contains("b needs 'a'"))
        #expect(try mtrec.run("run", "p.yaml", "--until", "a").exitCode == 0)
        let only = try mtrec.run("run", "p.yaml", "--only", "b", "--report", "only.json")
        #expect(only.exitCode == 0)
        #expect(try mtrec.stages(mtrec.report("only.json")).mapValues { $0["status"] as! String } == ["a": "cached", "b": "ran"])
        let unknown = try mtrec.run("run", "p.yaml", "--from", "bb")
        #expect(unknown.exitCode == 2)
        #expect(unknown.stderr.contains("--from names unknown stage 'bb' (did you mean 'b'?)"))
    }

    @Test func dryRunExplainsAndRunsNothing() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("p.yaml", """
            name: p
            params: {n: 2}
            stages:
              a: {command: "seq {params.n} > {outputs.o}", outputs: [o], with: {n: "${params.n}"}}
            """)
        #expect(try mtrec.run("run", "p.yaml").exitCode == 0)
        let dry = try mtrec.run("run", "p.yaml", "--set", "params.n=3", "--dry-run")
        #expect(dry.exitCode == 0)
        #expect(dry.stdout.contains("will run") && dry.stdout.contains("params changed (n)"))
        let status = try mtrec.run("status", "p.yaml").stdout
        #expect(status.contains("a      cached"))
        #expect(status.contains("p: 0 to run, 1 cached, 0 skipped"), "\(status)")
    }

    @Test func versionIsPrinted() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        let result = try mtrec.run("--version")
        #expect(result.exitCode == 0)
        #expect(result.stdout.hasPrefix("mtrec ") && result.stdout.contains("."), "\(result.stdout)")
    }

    @Test func interruptStopsStagesAndExits130() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("slow.yaml", """
            name: slow
            stages:
              slow: {command: "echo partial > {outputs.o}; sleep 60", outputs: [o]}
            """)
        let process = try mtrec.start(["run", "slow.yaml", "--report", "slow.json"], tag: "slow")
        #expect(mtrec.waitFor(seconds: 20) { ((try? mtrec.read("slow.stdout")) ?? "").contains("start  slow") })
        let sentAt = Date()
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(Date().timeIntervalSince(sentAt) < 10)
        #expect(try mtrec.report("slow.json")["status"] as? String == "interrupted")
        #expect(try mtrec.run("status", "slow.yaml").stdout.contains("will run"))
        #expect(FileManager.default.fileExists(atPath: mtrec.path(".mtrec/logs")))
    }

    @Test func twoRunsOnOneStateFolderBuildEachKeyOnce() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("p.yaml", """
            name: p
            stages:
              a: {command: "sleep 1; date +%s%N > {outputs.o}", outputs: [o]}
              b: {command: "cat {inputs.i} > {outputs.o}", inputs: {i: a.o}, outputs: [o]}
            """)
        let first = try mtrec.start(["run", "p.yaml", "--report", "one.json"], tag: "one")
        let second = try mtrec.start(["run", "p.yaml", "--report", "two.json"], tag: "two")
        first.waitUntilExit()
        second.waitUntilExit()
        #expect(first.terminationStatus == 0 && second.terminationStatus == 0)
        let one = try mtrec.stages(mtrec.report("one.json")), two = try mtrec.stages(mtrec.report("two.json"))
        let ranA = [one["a"]!["status"] as! String, two["a"]!["status"] as! String].filter { $0 == "ran" }
        #expect(ranA.count == 1, "exactly one process builds 'a'; the other reuses it")
        let outputA = one["a"]!["outputs"] as! [String: String], otherA = two["a"]!["outputs"] as! [String: String]
        #expect(outputA == otherA)
    }

    @Test func dagFormats() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        let file = MtrecProcess.repository.appendingPathComponent("pipelines/diamond.yaml").path
        let mermaid = try mtrec.run("dag", file, "--format", "mermaid")
        #expect(mermaid.stdout.hasPrefix("flowchart TD"))
        #expect(mermaid.stdout.contains("numbers --> count") && mermaid.stdout.contains("reverse --> join"))
        let dot = try mtrec.run("dag", file, "--format", "dot")
        #expect(dot.stdout.contains("\"count\" -> \"join\";"))
        let text = try mtrec.run("dag", file)
        #expect(text.stdout.hasPrefix("numbers  -> count, reverse"))
    }

    @Test func stagesListsTheProjectCatalogAndPrintsHelp() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("stages/shout.yaml", """
            name: shout
            version: 2
            description: upper-cases a file
            command: "tr a-z A-Z < {inputs.text} > {outputs.loud}"
            inputs: {text: {type: file, doc: any text}}
            outputs: {loud: {type: file}}
            params:
              times: {type: int, default: 1, min: 1, max: 3, doc: repeat count}
            """)
        let list = try mtrec.run("stages")
        #expect(list.stdout.contains("shout") && list.stdout.contains("upper-cases a file"))
        let help = try mtrec.run("stages", "shout")
        #expect(help.stdout.contains("times (int, default 1, min 1, max 3): repeat count"))
        #expect(try mtrec.run("stages", "shot").exitCode == 2)
    }
}
