import Foundation
import Testing
@testable import Orchestrator

@Suite("Commands: placeholders never reach a shell as code")
struct ShellSafetyTests {
    static let hostile = ["3; touch PWNED", "$(touch PWNED)", "`touch PWNED`", "x' ; touch PWNED; echo '", "a\nb", "", "*"]

    @Test func aShellWordIsReadBackAsTheSameText() throws {
        for text in Self.hostile {
            let echoed = try runShell("printf %s \(CommandTemplate.shellWord(text))")
            #expect(echoed == text)
        }
    }

    @Test func placeholdersInsideQuotesAreFoundAsQuoted() {
        let template = CommandTemplate(#"cat {inputs.a} 'x {inputs.b}' "{params.c}" \'{outputs.d} awk '{print $1}' ${params.e}"#)
        #expect(template.placeholders.map(\.text) == ["{inputs.a}", "{inputs.b}", "{params.c}", "{outputs.d}"])
        #expect(template.placeholders.map(\.isQuoted) == [false, true, true, false])
    }

    @Test func theShellFormQuotesEachValueAndTheListFormPassesItAsOneArgument() {
        let shell = CommandTemplate("wc -l < {inputs.n} > {outputs.c}")
        #expect(shell.render(inputs: ["n": "a b;c"], outputs: ["c": "it's"], params: [:])
            == ["/bin/sh", "-c", #"wc -l < 'a b;c' > 'it'\''s'"#])
        let list = CommandTemplate(arguments: ["cp", "{inputs.n}", "--to={outputs.c}"])
        #expect(list.render(inputs: ["n": "a b;c"], outputs: ["c": "$(x)"], params: [:]) == ["cp", "a b;c", "--to=$(x)"])
    }

    @Test(arguments: hostile.filter { !$0.isEmpty && $0 != "\n" })
    func aHostileParamIsWrittenAsDataAndRunsNothing(value: String) throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let pipeline = """
            name: inject
            params: {n: 3}
            stages:
              shell: {command: "printf %s {params.n} > {outputs.o}", outputs: [o], with: {n: "${params.n}"}}
              list: {command: [sh, -c, 'printf %s "$1" > "$2"', list, "{params.n}", "{outputs.o}"], outputs: [o], with: {n: "${params.n}"}}
            """
        let outcome = try sandbox.run(pipeline, overrides: [try #require(Override(parsing: "params.n=\(value)"))])
        #expect(outcome.status == .succeeded)
        for stage in ["shell", "list"] {
            let written = try String(contentsOfFile: try #require(outcome.stage(stage)?.outputs["o"]), encoding: .utf8)
            #expect(written == value)
        }
        #expect(!FileManager.default.fileExists(atPath: sandbox.path("PWNED")))
    }

    @Test func anInputFileWithShellSyntaxInItsNameIsReadAsAFile() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        for name in ["x; touch PWNED; #.txt", "$(touch PWNED).txt", "`touch PWNED`.txt", "it's.txt"] {
            try sandbox.write(name, "rows\n")
            let pipeline = """
                name: named
                stages:
                  copy: {command: "cat {inputs.raw} > {outputs.o}", inputs: {raw: "\(name)"}, outputs: [o]}
                """
            let outcome = try sandbox.run(pipeline)
            #expect(outcome.status == .succeeded, "\(name)")
            #expect(try String(contentsOfFile: try #require(outcome.stage("copy")?.outputs["o"]), encoding: .utf8) == "rows\n")
            #expect(!FileManager.default.fileExists(atPath: sandbox.path("PWNED")), "\(name)")
        }
    }

    @Test func aQuotedPlaceholderIsRefusedWithTheWayOut() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (pipeline, diagnostics) = try sandbox.load("""
            name: nested
            stages:
              a: {command: "echo a > {outputs.o}", outputs: [o]}
              b: {command: "sh -c 'cat {inputs.x} > {outputs.o}'", inputs: {x: a.o}, outputs: [o]}
            """)
        #expect(pipeline == nil)
        let error = expectDiagnostic(diagnostics, line: 4, column: 16, contains: "placeholder '{inputs.x}' stands inside quotes")
        #expect(error?.message.contains(#""$MTREC_INPUT_X""#) == true)
        expectDiagnostic(diagnostics, line: 4, column: 16, contains: "placeholder '{outputs.o}' stands inside quotes")
    }

    @Test func aCommandMustBeTextOrAListOfText() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let (_, diagnostics) = try sandbox.load("""
            name: bad
            stages:
              a: {command: [], outputs: [o]}
              b: {command: [echo, {x: 1}]}
              c: {command: {run: echo}}
            """)
        expectDiagnostic(diagnostics, line: 3, column: 16, contains: "non-empty list [program, argument, ...]")
        expectDiagnostic(diagnostics, line: 4, column: 23, contains: "each element of 'command' must be text")
        expectDiagnostic(diagnostics, line: 5, column: 16, contains: "'command' must be text")
        #expect(diagnostics.count == 3, "one error per stage, not a second 'needs command': \(diagnostics)")
    }

    @Test func theListFormHasItsOwnKey() throws {
        let shell = StageDefinition.inlineCommand(CommandTemplate("echo hi"))
        let list = StageDefinition.inlineCommand(CommandTemplate(arguments: ["echo", "hi"]))
        #expect(shell.recipeText == "command: echo hi")
        #expect(list.recipeText != shell.recipeText)
    }

    private func runShell(_ command: String) throws -> String {
        try ChildProcess.run(["/bin/sh", "-c", command]).stdout
    }
}
