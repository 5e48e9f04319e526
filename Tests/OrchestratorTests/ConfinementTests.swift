import Foundation
import Testing
@testable import Orchestrator

@Suite("Nothing is written outside the working folder")
struct ConfinementTests {
    @Test func publishDestinationsThatLeaveTheWorkingFolderAreRefused() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (pipeline, diagnostics) = try sandbox.load("""
            name: escape
            stages:
              a: {command: "echo a > {outputs.o}", outputs: [o]}
            publish:
              ../../x: a.o
              /abs/path: a.o
              ~/x: a.o
              out/../../x: a.o
              .: a.o
              out/../kept.txt: a.o
              ./out/also-kept.txt: a.o
            """)
        #expect(pipeline == nil)
        expectDiagnostic(diagnostics, line: 5, column: 3, contains: "publish destination '../../x' is refused: its '..' climbs above")
        expectDiagnostic(diagnostics, line: 6, column: 3, contains: "'/abs/path' is refused: it is absolute")
        expectDiagnostic(diagnostics, line: 7, column: 3, contains: "'~/x' is refused: it starts with '~'")
        expectDiagnostic(diagnostics, line: 8, column: 3, contains: "'out/../../x' is refused: its '..' climbs above")
        expectDiagnostic(diagnostics, line: 9, column: 3, contains: "names the working folder itself")
        #expect(diagnostics.count == 5, "\(diagnostics)")
    }

    @Test func theUserCanOptInToADestinationOutside() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let yaml = """
            name: outside
            stages:
              a: {command: "echo a > {outputs.o}", outputs: [o]}
            publish:
              \(sandbox.path("elsewhere/a.txt")): a.o
            """
        #expect(try sandbox.load(yaml).pipeline == nil)
        let outcome = try sandbox.run(yaml, allowsPublishOutside: true)
        #expect(outcome.status == .succeeded)
        #expect(try String(contentsOfFile: sandbox.path("elsewhere/a.txt"), encoding: .utf8) == "a\n")
    }

    @Test func aPipelineNameMustBeAPlainName() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (pipeline, diagnostics) = try sandbox.load("""
            name: ../../../X
            stages:
              a: {command: "true"}
            """)
        #expect(pipeline == nil)
        expectDiagnostic(diagnostics, line: 1, column: 7, contains: "invalid pipeline name '../../../X'")
    }

    @Test func aManifestNameMustBeAPlainName() throws {
        var diagnostics = DiagnosticBag()
        let manifest = ManifestParser().parse("""
            name: ../../../EVIL
            command: "true"
            """, file: "stages/evil.yaml", origin: "stages/evil.yaml", diagnostics: &diagnostics)
        #expect(manifest == nil)
        expectDiagnostic(diagnostics.diagnostics, line: 1, column: 7, contains: "invalid manifest name '../../../EVIL'")
    }

    @Test func aSymbolicLinkOnThePathIsFound() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        try FileManager.default.createDirectory(atPath: sandbox.path("real/inner"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: sandbox.path("out"), withDestinationPath: sandbox.path("real"))
        #expect(ConfinedPath.symbolicLink(on: "out/inner/x.csv", from: sandbox.root) == sandbox.path("out"))
        #expect(ConfinedPath.symbolicLink(on: "real/inner/x.csv", from: sandbox.root) == nil)
        #expect(ConfinedPath.symbolicLink(on: "new/folder/x.csv", from: sandbox.root) == nil)
    }
}
