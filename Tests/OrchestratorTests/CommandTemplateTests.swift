import Testing
@testable import Orchestrator

@Suite("Command templates and interpolation")
struct CommandTemplateTests {
    @Test func placeholdersAreFoundAndOtherBracesLeftAlone() {
        let template = CommandTemplate("awk '{print $1}' {inputs.data} > {outputs.model} && echo ${HOME} {params.lr} {other.x}")
        #expect(template.placeholders.map { "\($0.section.rawValue).\($0.name)" } == ["inputs.data", "outputs.model", "params.lr"])
        let rendered = template.render(inputs: ["data": "/in/d.csv"], outputs: ["model": "/out/m"], params: ["lr": "0.1"])
        #expect(rendered == ["/bin/sh", "-c", "awk '{print $1}' '/in/d.csv' > '/out/m' && echo ${HOME} '0.1' {other.x}"])
    }

    @Test func wholeValueInterpolationKeepsTheType() {
        var diagnostics = DiagnosticBag()
        let interpolation = Interpolation(params: ["n": .int(3), "name": .string("x")])
        let at = SourceLocation(file: "f", line: 1, column: 1)
        #expect(interpolation.apply(.string("${params.n}"), at: at, diagnostics: &diagnostics) == .int(3))
        #expect(interpolation.apply(.string("n=${params.n}, ${params.name}"), at: at, diagnostics: &diagnostics) == .string("n=3, x"))
        #expect(interpolation.apply(.list([.string("${params.n}")]), at: at, diagnostics: &diagnostics) == .list([.int(3)]))
        #expect(diagnostics.diagnostics.isEmpty)
    }

    @Test func overrideSyntax() {
        #expect(Override(parsing: "train.learning_rate=0.01") == Override(target: "train", key: "learning_rate", value: .float(0.01)))
        #expect(Override(parsing: "params.name=a=b") == Override(target: "params", key: "name", value: .string("a=b")))
        #expect(Override(parsing: "novalue") == nil)
        #expect(Override(parsing: ".x=1") == nil)
    }

    @Test func suggestionsNeedACloseMatch() {
        #expect(Suggestion.closest(to: "learning_rat", in: ["learning_rate", "epochs"]) == "learning_rate")
        #expect(Suggestion.closest(to: "zzz", in: ["learning_rate", "epochs"]) == nil)
        #expect(Suggestion.closest(to: "zz", in: ["d"]) == nil)
        #expect(Suggestion.editDistance("kitten", "sitting") == 3)
        #expect(Suggestion.editDistance("trian", "train") == 1)
    }

    @Test func canonicalJSONSortsKeysAndEscapes() {
        let value = ParamValue.map([("b", .list([.int(1), .float(2.5), .bool(false)])), ("a", .string("q\"\n"))])
        #expect(value.canonicalJSON == #"{"a":"q\"\n","b":[1,2.5,false]}"#)
    }
}
