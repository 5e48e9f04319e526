import Foundation
import Orchestrator
import Testing

/// `mtrec export argo`: the workflows validate against Argo's schema, and
/// their tasks, run one by one against one state folder, give a plain run's outputs.
@Suite("Argo export end to end", .serialized)
struct ArgoExportTests {
    static let schema = MtrecProcess.repository.appendingPathComponent("Tests/EndToEndTests/Fixtures/argo/workflow-schema.json").path
    static let validator = MtrecProcess.repository.appendingPathComponent("scripts/validate-schema.py").path
    static let diamond = try! String(contentsOf: MtrecProcess.repository.appendingPathComponent("pipelines/diamond.yaml"), encoding: .utf8)

    /// Runs a program to the end; its exit code and output.
    static func run(_ program: String, _ arguments: [String], in folder: URL) throws -> (Int32, String) {
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "MTREC_STATE_DIR")
        let (status, output, errors) = try ChildProcess.run([program] + arguments, environment: environment, workingDirectory: folder.path)
        return (status, output + errors)
    }

    @Test func workflowsAndCronWorkflowsValidateAgainstArgosSchema() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("pipelines/diamond.yaml", Self.diamond)
        let quickstart = MtrecProcess.repository.appendingPathComponent("pipelines/quickstart.yaml").path
        try mtrec.write("pipelines/quickstart.yaml", try String(contentsOfFile: quickstart, encoding: .utf8)
            .replacingOccurrences(of: "  train:\n    uses: train\n", with: "  train:\n    uses: train\n    resources: {cpus: 2, memory: 4G, time: 2h}\n"))
        for (name, arguments) in [("quickstart.json", ["pipelines/quickstart.yaml"]),
                                  ("diamond-cron.json", ["pipelines/diamond.yaml", "--schedule", "0 3 * * *", "--image", "registry.example/mtrec:0.5"])] {
            let (code, output) = try Self.run(MtrecProcess.binary, ["export", "argo"] + arguments + ["--out", name], in: mtrec.folder)
            #expect(code == 0, "\(output)")
        }
        let (code, output) = try Self.run("/usr/bin/env", ["python3", Self.validator, Self.schema, mtrec.path("quickstart.json"), mtrec.path("diamond-cron.json")],
                                          in: mtrec.folder)
        #expect(code == 0, "\(output)")
        #expect(output.contains("quickstart.json: valid Workflow") && output.contains("diamond-cron.json: valid CronWorkflow"), "\(output)")

        let workflow = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: mtrec.path("quickstart.json")))) as? [String: Any])
        let templates = try #require((workflow["spec"] as? [String: Any])?["templates"] as? [[String: Any]])
        let train = try #require(templates.first { $0["name"] as? String == "stage-train" })
        let container = try #require(train["container"] as? [String: Any])
        #expect((container["resources"] as? [String: [String: String]])?["limits"] == ["cpu": "2", "memory": "4096Mi"])
        #expect(train["activeDeadlineSeconds"] as? String == "7200")
        #expect((container["args"] as? [String])?.prefix(4) == ["run", "pipelines/quickstart.yaml", "--only", "train"])
    }

    @Test func theTasksRunInDAGOrderGiveAPlainRunsOutputs() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("diamond.yaml", Self.diamond.replacingOccurrences(of: "sleep 2; ", with: ""))
        let (exported, output) = try Self.run(MtrecProcess.binary, ["export", "argo", "diamond.yaml", "--out", "workflow.json"], in: mtrec.folder)
        #expect(exported == 0, "\(output)")
        let workflow = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: mtrec.path("workflow.json")))) as? [String: Any])
        let spec = try #require(workflow["spec"] as? [String: Any])
        let parameters = try #require((spec["arguments"] as? [String: Any])?["parameters"] as? [[String: String]])
        #expect(parameters == [["name": "n", "value": "1000"]])
        let templates = try #require(spec["templates"] as? [[String: Any]])
        let tasks = try #require((templates.first?["dag"] as? [String: Any])?["tasks"] as? [[String: Any]])

        // Argo's order: a task starts once its dependencies are done. Here, one at a time.
        var done: Set<String> = [], order: [String] = []
        while order.count < tasks.count {
            let ready = try #require(tasks.first { task in
                !done.contains(task["name"] as! String) && (task["dependencies"] as! [String]).allSatisfy(done.contains)
            }, "no task is ready: \(done)")
            let name = ready["name"] as! String
            let template = try #require(templates.first { $0["name"] as? String == ready["template"] as? String })
            let arguments = try #require((template["container"] as? [String: Any])?["args"] as? [String]).map {
                $0.replacingOccurrences(of: "{{workflow.parameters.n}}", with: "1000")
                    .replacingOccurrences(of: "{{workflow.name}}", with: "local")
                    .replacingOccurrences(of: "/state", with: mtrec.path("shared-state"))
            }
            let (code, log) = try Self.run(MtrecProcess.binary, arguments, in: mtrec.folder)
            #expect(code == 0, "task \(name): \(log)")
            done.insert(name)
            order.append(name)
        }
        #expect(order.first == "numbers" && order.last == "finish")

        let plain = try Self.run(MtrecProcess.binary, ["run", "diamond.yaml", "--state-dir", mtrec.path("plain-state"), "--report", "plain.json"], in: mtrec.folder)
        #expect(plain.0 == 0, "\(plain.1)")
        func joined(_ report: String) throws -> String {
            let stages = mtrec.stages(try mtrec.report(report))
            let path = try #require((stages["join"]?["outputs"] as? [String: String])?["all"])
            return try String(contentsOfFile: path, encoding: .utf8)
        }
        let exportedJoin = try joined("shared-state/reports/local.json")
        #expect(exportedJoin == (try joined("plain.json")))
        #expect(exportedJoin.hasPrefix("1000\n1000\n999\n"))
        let finish = mtrec.stages(try mtrec.report("shared-state/reports/local.json"))
        #expect(finish.values.allSatisfy { $0["status"] as? String == "cached" }, "the finish task only checks and reports")
    }

    /// Two stages that Argo would name alike.
    static let clashing = """
        name: p
        stages:
          make_a: {command: "echo a > {outputs.o}", outputs: [o]}
          make-a: {command: "echo b > {outputs.o}", outputs: [o]}
        """

    @Test func parametersKeepTheirTypesAndStageOverridesTravelWithEveryTask() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("p.yaml", "name: p\nparams: {code: '007'}\nstages:\n  a: {command: \"echo {params.c} > {outputs.o}\", outputs: [o], with: {c: \"${params.code}\"}}\n")
        let (code, output) = try Self.run(MtrecProcess.binary, ["export", "argo", "p.yaml", "--set", "a.extra=1", "--out", "w.json"], in: mtrec.folder)
        #expect(code == 0, "\(output)")
        let text = try mtrec.read("w.json")
        #expect(text.contains("\"value\" : \"'007'\""), "a string that reads as a number is quoted: \(text)")
        #expect(text.contains("\"a.extra=1\""), "the --set of the export reaches the tasks")
    }

    @Test func clashingTaskNamesAndABadScheduleAreRefused() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("p.yaml", Self.clashing)
        let clash = try Self.run(MtrecProcess.binary, ["export", "argo", "p.yaml"], in: mtrec.folder)
        #expect(clash.0 == 2 && clash.1.contains("would both be Argo task 'make-a'"), "\(clash.1)")
        try mtrec.write("q.yaml", "name: q\nstages:\n  a: {command: \"echo a > {outputs.o}\", outputs: [o]}\n")
        let schedule = try Self.run(MtrecProcess.binary, ["export", "argo", "q.yaml", "--schedule", "daily"], in: mtrec.folder)
        #expect(schedule.0 == 2 && schedule.1.contains("is not a cron expression"), "\(schedule.1)")
    }
}
