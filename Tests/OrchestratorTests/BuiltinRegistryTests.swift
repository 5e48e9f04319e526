import Foundation
import Testing
@testable import Orchestrator

/// A built-in stage for the tests: greets the text of its input.
struct GreetStage: BuiltinStage {
    struct Refused: Error {}
    let name = "greet"

    struct Params: Decodable {
        var greeting: String
        var times: Int
        var weight: Double
        var polite: Bool
    }

    func run(_ context: BuiltinContext) throws {
        let params = try context.params(Params.self)
        let text = try String(contentsOf: try #require(context.input("who")), encoding: .utf8)
        guard params.polite else { throw Refused() }
        let greeting = "\(params.greeting) \(text) x\(params.times) \(params.weight)"
        try greeting.write(to: context.output("card"), atomically: true, encoding: .utf8)
    }
}

@Suite("Built-in stages")
struct BuiltinRegistryTests {
    func job(in sandbox: Sandbox, builtin: String, polite: Bool) throws -> String {
        try sandbox.write("who.txt", "Ada")
        let job = StageJob(pipeline: "p", stage: "hello", definition: "uses: greet@1", builtin: builtin,
                           params: ["greeting": .string("hi \"there\""), "times": .int(3), "weight": .float(0.5), "polite": .bool(polite)],
                           inputs: ["who": sandbox.path("who.txt")], outputs: ["card": sandbox.path("card.txt")],
                           workingDirectory: sandbox.root.path, stdoutLog: "", stderrLog: "")
        let url = sandbox.root.appendingPathComponent("job.json")
        try JSONEncoder().encode(job).write(to: url)
        return url.path
    }

    @Test func aJobFileRunsItsBuiltinWithTypedParams() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let registry = BuiltinRegistry([GreetStage()])
        #expect(registry.run(jobFile: try job(in: sandbox, builtin: "greet", polite: true)) == 0)
        #expect(try String(contentsOfFile: sandbox.path("card.txt"), encoding: .utf8) == "hi \"there\" Ada x3 0.5")
    }

    @Test func failuresBecomeExitCodes() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let registry = BuiltinRegistry([GreetStage()])
        #expect(registry.run(jobFile: try job(in: sandbox, builtin: "greet", polite: false)) == 1)
        #expect(registry.run(jobFile: try job(in: sandbox, builtin: "wave", polite: true)) == 2)
        #expect(registry.run(jobFile: sandbox.path("no-such-job.json")) == 2)
    }

    @Test func aBuiltinStageWithoutALauncherFailsClearly() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let manifest = EmbeddedManifest(fileName: "greet.yaml", text: """
            name: greet
            version: 1
            builtin: greet
            outputs: {card: {type: file}}
            """)
        let (pipeline, diagnostics) = try sandbox.load("""
            name: p
            stages:
              hello: {uses: greet}
            """, manifests: [manifest])
        #expect(diagnostics.isEmpty)
        let outcome = try sandbox.runner().run(try #require(pipeline), jobs: 1, observer: RecordingObserver(), cancellation: Cancellation())
        #expect(outcome.stage("hello")?.status == .failed)
        #expect(outcome.stage("hello")?.error?.contains("needs built-in 'greet'") == true)
        #expect(outcome.stage("hello")?.uses == "greet@1")
    }
}
