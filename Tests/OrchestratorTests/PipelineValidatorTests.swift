import Foundation
import Testing
@testable import Orchestrator

@Suite("Pipeline validation against the catalog")
struct PipelineValidatorTests {
    @Test func unknownManifestSuggestsACatalogStage() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (_, diagnostics) = try sandbox.load("""
            name: p
            stages:
              fit: {uses: trian}
            """, manifests: [trainManifest])
        expectDiagnostic(diagnostics, line: 3, column: 15, contains: "unknown stage manifest 'trian' (did you mean 'train'?)")
    }

    @Test func paramOfTheWrongType() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (_, diagnostics) = try sandbox.load("""
            name: p
            stages:
              fit:
                uses: train
                inputs: {data: data.csv}
                with: {seed: 1, epochs: many}
            """, manifests: [trainManifest])
        expectDiagnostic(diagnostics, line: 6, column: 29, contains: "param 'epochs' of stage 'fit' must be an int, got string \"many\"")
    }

    @Test func paramOutOfRange() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (_, diagnostics) = try sandbox.load("""
            name: p
            stages:
              fit:
                uses: train
                inputs: {data: data.csv}
                with:
                  seed: 1
                  learning_rate: 2.5
                  epochs: 0
            """, manifests: [trainManifest])
        expectDiagnostic(diagnostics, line: 8, column: 22, contains: "must be at most 1, got 2.5")
        expectDiagnostic(diagnostics, line: 9, column: 15, contains: "must be at least 1, got 0")
    }

    @Test func paramNotInTheEnum() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (_, diagnostics) = try sandbox.load("""
            name: p
            stages:
              fit:
                uses: train
                inputs: {data: data.csv}
                with: {seed: 1, optimizer: adamm}
            """, manifests: [trainManifest])
        expectDiagnostic(diagnostics, line: 6, column: 32, contains: "must be one of sgd, adam, adamw, got adamm (did you mean 'adam'?)")
    }

    @Test func unknownParamSuggestsADeclaredOne() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (_, diagnostics) = try sandbox.load("""
            name: p
            stages:
              fit:
                uses: train
                inputs: {data: data.csv}
                with: {seed: 1, learning_rat: 0.1}
            """, manifests: [trainManifest])
        expectDiagnostic(diagnostics, line: 6, column: 21, contains: "unknown param 'learning_rat' for stage 'train' (did you mean 'learning_rate'?)")
    }

    @Test func missingRequiredParamAndInput() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (_, diagnostics) = try sandbox.load("""
            name: p
            stages:
              fit:
                uses: train
            """, manifests: [trainManifest])
        expectDiagnostic(diagnostics, line: 3, column: 3, contains: "missing required param 'seed' of type int (random seed)")
        expectDiagnostic(diagnostics, line: 3, column: 3, contains: "missing required input 'data'")
    }

    @Test func defaultsAreFilledInAndIntsBecomeFloats() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        try sandbox.write("data.csv", "x\n1\n")
        let (pipeline, diagnostics) = try sandbox.load("""
            name: p
            stages:
              fit: {uses: train, inputs: {data: data.csv}, with: {seed: 7, learning_rate: 1}}
            """, manifests: [trainManifest])
        #expect(diagnostics.isEmpty)
        let stage = try #require(pipeline?.stage("fit"))
        #expect(stage.param("learning_rate") == .float(1))
        #expect(stage.param("epochs") == .int(5))
        #expect(stage.param("optimizer") == .string("adam"))
        #expect(stage.outputs == ["model"])
    }

    @Test func referencesToUnknownStagesAndOutputs() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (_, diagnostics) = try sandbox.load("""
            name: p
            stages:
              numbers: {command: "seq 3 > {outputs.nums}", outputs: [nums]}
              count: {command: "wc -l {inputs.n}", inputs: {n: numbrs.nums}}
              sum: {command: "cat {inputs.n}", inputs: {n: numbers.num}}
            """)
        expectDiagnostic(diagnostics, line: 4, column: 52, contains: "input 'n' refers to unknown stage 'numbrs' (did you mean 'numbers'?)")
        expectDiagnostic(diagnostics, line: 5, column: 48, contains: "stage 'numbers' has no output 'num' (did you mean 'nums'?)")
    }

    @Test func cyclesArePrintedAsAPath() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (_, diagnostics) = try sandbox.load("""
            name: p
            stages:
              a: {command: "cat {inputs.x} > {outputs.o}", inputs: {x: c.o}, outputs: [o]}
              b: {command: "cat {inputs.x} > {outputs.o}", inputs: {x: a.o}, outputs: [o]}
              c: {command: "cat {inputs.x} > {outputs.o}", inputs: {x: b.o}, outputs: [o]}
              d: {command: "true", after: [d]}
            """)
        expectDiagnostic(diagnostics, line: 3, column: 3, contains: "cycle in the pipeline: a -> b -> c -> a")
        expectDiagnostic(diagnostics, line: 6, column: 3, contains: "cycle in the pipeline: d -> d")
    }

    @Test func missingExternalInputFile() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (_, diagnostics) = try sandbox.load("""
            name: p
            stages:
              a: {command: "cat {inputs.raw}", inputs: {raw: data/events.csv}}
            """)
        expectDiagnostic(diagnostics, line: 3, column: 50, contains: "input 'raw': file not found: 'data/events.csv'")
    }

    @Test func placeholdersMustNameDeclaredThings() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (_, diagnostics) = try sandbox.load("""
            name: p
            stages:
              a:
                command: "seq {params.n} > {outputs.out} && echo {inputs.x} {params.m}"
                outputs: [nums]
                with: {n: 3}
            """)
        expectDiagnostic(diagnostics, line: 4, column: 14, contains: "placeholder '{outputs.out}' names no declared output")
        expectDiagnostic(diagnostics, line: 4, column: 14, contains: "placeholder '{inputs.x}' names no declared input")
        expectDiagnostic(diagnostics, line: 4, column: 14, contains: "placeholder '{params.m}' names no declared param")
        #expect(!diagnostics.contains { $0.message.contains("{params.n}") })
    }

    @Test func unknownPipelineParamInInterpolation() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (_, diagnostics) = try sandbox.load("""
            name: p
            params: {seed: 7}
            stages:
              a: {command: "echo {params.s}", with: {s: "${params.sed}"}}
            """)
        expectDiagnostic(diagnostics, line: 4, column: 45, contains: "unknown reference '${params.sed}' (did you mean 'seed'?)")
    }

    @Test func everyErrorInTheFileIsReported() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (pipeline, diagnostics) = try sandbox.load("""
            name: p
            stages:
              a: {uses: nothing}
              b: {command: "true", after: [zz]}
              c: {command: "true", uses: train}
              d: {}
            """, manifests: [trainManifest])
        #expect(pipeline == nil)
        expectDiagnostic(diagnostics, line: 3, column: 13, contains: "unknown stage manifest 'nothing'")
        expectDiagnostic(diagnostics, line: 4, column: 32, contains: "'after' names unknown stage 'zz'")
        expectDiagnostic(diagnostics, line: 5, column: 30, contains: "has both 'uses' and 'command'")
        expectDiagnostic(diagnostics, line: 6, column: 3, contains: "needs 'uses: <manifest>' or 'command: <text>'")
    }

    @Test func overridesChangeStageAndPipelineParams() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let overrides = [Override(parsing: "params.n=9")!, Override(parsing: "b.k=text")!]
        let (pipeline, diagnostics) = try sandbox.load("""
            name: p
            params: {n: 1}
            stages:
              a: {command: "echo {params.n}", with: {n: "${params.n}"}}
              b: {command: "echo {params.k}", with: {k: old}}
            """, overrides: overrides)
        #expect(diagnostics.isEmpty)
        #expect(pipeline?.stage("a")?.param("n") == .int(9))
        #expect(pipeline?.stage("b")?.param("k") == .string("text"))
    }

    @Test func overrideOfAnUnknownStageIsAnError() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (_, diagnostics) = try sandbox.load("""
            name: p
            stages:
              train: {command: "true"}
            """, overrides: [Override(parsing: "trian.lr=1")!])
        #expect(diagnostics.contains { $0.message.contains("names no stage 'trian' (did you mean 'train'?)") })
    }

    @Test func projectStagesFolderAddsToTheCatalog() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        try sandbox.write("stages/shout.yaml", """
            name: shout
            version: 2
            description: upper-cases a file
            command: "tr a-z A-Z < {inputs.text} > {outputs.loud}"
            inputs: {text: {type: file}}
            outputs: {loud: {type: file}}
            """)
        try sandbox.write("words.txt", "hello\n")
        try FileManager.default.createDirectory(atPath: sandbox.path("pipelines"), withIntermediateDirectories: true)
        let file = try sandbox.write("pipelines/p.yaml", """
            name: p
            stages:
              loud: {uses: shout, inputs: {text: ../words.txt}}
            """)
        let (pipeline, diagnostics) = PipelineLoader(embeddedManifests: []).load(file.path)
        #expect(diagnostics.isEmpty)
        let stage = try #require(pipeline?.stage("loud"))
        #expect(stage.definition == .manifest(name: "shout", version: 2, implementation: .command(CommandTemplate("tr a-z A-Z < {inputs.text} > {outputs.loud}"))))
        #expect(stage.outputs == ["loud"])
    }
}

@Suite("Overrides from the command line")
struct OverrideDiagnosticTests {
    @Test func aBadOverrideNamesTheArgument() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        try sandbox.write("data.csv", "x\n")
        let (_, diagnostics) = try sandbox.load("""
            name: p
            stages:
              fit: {uses: train, inputs: {data: data.csv}, with: {seed: 1}}
            """, overrides: [Override(parsing: "fit.epochs=lots")!], manifests: [trainManifest])
        let diagnostic = try #require(diagnostics.first)
        #expect(diagnostic.description == "--set fit.epochs=lots: error: param 'epochs' of stage 'fit' must be an int, got string \"lots\"")
    }
}
