import Foundation
import Testing
@testable import Orchestrator
import Yams

@Suite("Hostile YAML is refused quickly with a clear error")
struct HostileYAMLTests {
    /// Ten levels of nine aliases: 9^10 (3.5 billion) values once expanded, in 600 bytes.
    static let aliasBomb: String = {
        var lines = ["name: bomb", "params:", "  a0: &a0 [x, x, x, x, x, x, x, x, x]"]
        for level in 1...9 {
            lines.append("  a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]")
        }
        return (lines + ["stages:", "  s: {command: \"true\"}"]).joined(separator: "\n")
    }()

    @Test func nestedAliasesPastTheLimitAreAnErrorAtTheirAnchor() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        #expect(Self.aliasBomb.utf8.count < 700)
        let (pipeline, diagnostics) = try sandbox.load(Self.aliasBomb)
        #expect(pipeline == nil)
        expectDiagnostic(diagnostics, line: 3, column: 15, contains: "expands to more than 100000 values once its aliases")
    }

    @Test func aliasesWithinTheLimitStillWork() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (pipeline, diagnostics) = try sandbox.load("""
            name: shared
            params: {a: &three [1, 2, 3], b: *three}
            stages:
              s: {command: "true"}
            """)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(pipeline?.params.first { $0.name == "b" }?.value == .list([.int(1), .int(2), .int(3)]))
    }

    @Test func theWalkStopsAtTheLimit() throws {
        let root = try #require(try Yams.compose(yaml: "[1, 2, 3, 4]"))
        #expect(YAMLReader.nodeCrossing(5, in: root) == nil)
        #expect(YAMLReader.nodeCrossing(4, in: root)?.scalar?.string == "4")
    }

    @Test func aFileOverOneMebibyteIsRefusedBeforeParsing() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (pipeline, diagnostics) = try sandbox.load("name: big\ndescription: " + String(repeating: "a", count: 2 << 20) + "\n")
        #expect(pipeline == nil)
        expectDiagnostic(diagnostics, line: 1, column: 1, contains: "a pipeline may have at most 1048576")
    }
}

@Suite("Syntax errors point inside the file")
struct SyntaxErrorPlaceTests {
    @Test func anErrorAtTheEndOfAOneLineFileIsOnThatLine() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (_, diagnostics) = try sandbox.load("name: [x")
        expectDiagnostic(diagnostics, line: 1, column: 9, contains: "invalid YAML")
        #expect(YAMLReader.clamped(line: 2, column: 1, in: "a\nbc\n") == (2, 1))
        #expect(YAMLReader.clamped(line: 3, column: 1, in: "a\nbc\n") == (2, 3))
    }
}
