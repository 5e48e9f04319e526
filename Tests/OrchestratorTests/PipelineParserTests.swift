import Foundation
import Testing
@testable import Orchestrator

@Suite("Pipeline file structure")
struct PipelineParserTests {
    @Test func yamlSyntaxErrorPointsAtItsLine() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (pipeline, diagnostics) = try sandbox.load("""
            name: broken
            stages:
              a: {command: "true", outputs: [x]
              b: {command: "true"}
            """)
        #expect(pipeline == nil)
        #expect(diagnostics.count == 1)
        let diagnostic = try #require(diagnostics.first)
        #expect(diagnostic.message.hasPrefix("invalid YAML"))
        #expect(diagnostic.location.line == 4)
        #expect(diagnostic.location.file.hasSuffix("pipeline.yaml"))
    }

    @Test func unknownTopLevelKeySuggestsTheClosestOne() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (_, diagnostics) = try sandbox.load("""
            name: p
            parms: {n: 1}
            stages:
              a: {command: "true"}
            """)
        expectDiagnostic(diagnostics, line: 2, column: 1, contains: "unknown top-level key 'parms' (did you mean 'params'?)")
    }

    @Test func unknownStageKeySuggestsTheClosestOne() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (_, diagnostics) = try sandbox.load("""
            name: p
            stages:
              a:
                command: "true"
                ouputs: [x]
            """)
        expectDiagnostic(diagnostics, line: 5, column: 5, contains: "unknown key 'ouputs' in stage 'a' (did you mean 'outputs'?)")
    }

    @Test func stageResourcesAreReadAndCheckedWhereWritten() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (pipeline, _) = try sandbox.load("""
            name: p
            stages:
              a: {command: "true", resources: {cpus: 4, memory: 1.5GiB, time: "1:30:00"}}
            """)
        #expect(pipeline?.stage("a")?.resources == StageResources(cpus: 4, memoryBytes: 1_610_612_736, seconds: 5400))
        #expect(StageResources.bytes("4096") == 4_294_967_296, "a bare number is MiB, as Slurm reads it")
        #expect(StageResources.seconds("999999999999999d") == nil && StageResources.seconds("99999999999:00:00") == nil, "no overflow trap")
        let (_, diagnostics) = try sandbox.load("""
            name: p
            stages:
              a:
                command: "true"
                resources: {cpus: 0, memory: lots, time: 5x, gpus: 1}
            """)
        #expect(diagnostics.count == 4, "\(diagnostics)")
        expectDiagnostic(diagnostics, line: 5, column: 23, contains: "'cpus' must be a whole number from 1 to 1024, not '0'")
        expectDiagnostic(diagnostics, line: 5, column: 34, contains: "'memory' must be a size such as 512M")
        expectDiagnostic(diagnostics, line: 5, column: 46, contains: "'time' must be a duration such as 90s")
        expectDiagnostic(diagnostics, line: 5, column: 50, contains: "unknown key 'gpus' in 'resources'")
    }

    @Test func duplicateStageNamesAreReportedAtTheSecond() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (_, diagnostics) = try sandbox.load("""
            name: p
            stages:
              a: {command: "true"}
              b: {command: "true"}
              a: {command: "false"}
            """)
        expectDiagnostic(diagnostics, line: 5, column: 3, contains: "duplicate stage name 'a' in 'stages' (first defined at line 3)")
    }

    @Test func missingNameAndStagesAreErrors() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (_, diagnostics) = try sandbox.load("description: nothing here\n")
        expectDiagnostic(diagnostics, line: 1, column: 1, contains: "missing 'name'")
        expectDiagnostic(diagnostics, line: 1, column: 1, contains: "missing 'stages'")
    }

    @Test func scalarsKeepTheirYAMLTypes() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (pipeline, diagnostics) = try sandbox.load("""
            name: p
            params: {i: 3, f: 0.5, b: true, s: "3", l: [1, two], m: {k: v}, z: null}
            stages:
              a: {command: "true"}
            """)
        #expect(diagnostics.isEmpty)
        let params = Dictionary(uniqueKeysWithValues: try #require(pipeline).params.map { ($0.name, $0.value) })
        #expect(params["i"] == .int(3))
        #expect(params["f"] == .float(0.5))
        #expect(params["b"] == .bool(true))
        #expect(params["s"] == .string("3"))
        #expect(params["l"] == .list([.int(1), .string("two")]))
        #expect(params["m"] == .map([("k", .string("v"))]))
        #expect(params["z"] == .null)
    }
}
