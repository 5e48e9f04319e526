import Foundation
import Testing
@testable import Orchestrator

/// A stage key must change with every ingredient and with nothing else.
@Suite("Stage keys")
struct StageKeyTests {
    static let base = """
        name: keys
        description: first description
        params: {n: 10, unused: 1}
        stages:
          numbers:
            command: "seq {params.n} > {outputs.nums}"
            outputs: [nums]
            with: {n: "${params.n}", label: a}
          total:
            command: "cat {inputs.n} {inputs.raw} > {outputs.sum}"
            inputs: {n: numbers.nums, raw: raw.txt}
            outputs: [sum]
        """

    /// Keys of every stage for a variant of the base pipeline.
    func keys(_ yaml: String, rawText: String = "1 2 3\n", overrides: [Override] = []) throws -> [String: StageKey] {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        try sandbox.write("raw.txt", rawText)
        let (pipeline, diagnostics) = try sandbox.load(yaml, overrides: overrides)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return try StageKeys(pipeline: try #require(pipeline), hasher: ContentHasher(cacheFile: nil)).keys
    }

    @Test func keysAreStableAcrossLoads() throws {
        #expect(try keys(Self.base) == keys(Self.base))
    }

    @Test(arguments: [
        ("description: first description", "description: another description"),
        ("params: {n: 10, unused: 1}", "params: {n: 10, unused: 2}"),
        ("with: {n: \"${params.n}\", label: a}", "with: {label: a, n: \"${params.n}\"}"),
        ("    outputs: [sum]", "    outputs: [sum]\n    description: adds things up"),
        ("    outputs: [sum]", "    outputs: [sum]\n  extra: {command: \"true\", after: [total]}"),
    ])
    func unrelatedEditsKeepEveryKey(edit: (String, String)) throws {
        let edited = Self.base.replacingOccurrences(of: edit.0, with: edit.1)
        #expect(edited != Self.base)
        let before = try keys(Self.base), after = try keys(edited)
        #expect(before["numbers"] == after["numbers"])
        #expect(before["total"] == after["total"])
    }

    @Test func reorderingStagesKeepsKeys() throws {
        let reordered = """
            name: keys
            params: {n: 10, unused: 1}
            stages:
              total:
                command: "cat {inputs.n} {inputs.raw} > {outputs.sum}"
                inputs: {raw: raw.txt, n: numbers.nums}
                outputs: [sum]
              numbers:
                command: "seq {params.n} > {outputs.nums}"
                outputs: [nums]
                with: {label: a, n: "${params.n}"}
            """
        #expect(try keys(Self.base) == keys(reordered))
    }

    @Test func aPipelineParamChangesTheStagesThatUseItAndDownstream() throws {
        let before = try keys(Self.base), after = try keys(Self.base, overrides: [Override(parsing: "params.n=11")!])
        #expect(before["numbers"] != after["numbers"])
        #expect(before["total"] != after["total"])
    }

    @Test func aStageParamChangesItsKeyAndDownstream() throws {
        let after = try keys(Self.base.replacingOccurrences(of: "label: a", with: "label: b"))
        let before = try keys(Self.base)
        #expect(before["numbers"] != after["numbers"])
        #expect(before["total"] != after["total"])
    }

    @Test func theCommandTextChangesOnlyThatStageAndDownstream() throws {
        let before = try keys(Self.base)
        let after = try keys(Self.base.replacingOccurrences(of: "cat {inputs.n} {inputs.raw}", with: "cat {inputs.raw} {inputs.n}"))
        #expect(before["numbers"] == after["numbers"])
        #expect(before["total"] != after["total"])
    }

    @Test func externalInputContentChangesTheKey() throws {
        let before = try keys(Self.base), after = try keys(Self.base, rawText: "1 2 4\n")
        #expect(before["numbers"] == after["numbers"])
        #expect(before["total"] != after["total"])
    }

    @Test func declaredOutputsAreAnIngredient() throws {
        let before = try keys(Self.base)
        let after = try keys(Self.base.replacingOccurrences(of: "outputs: [sum]", with: "outputs: [sum, log]"))
        #expect(before["total"] != after["total"])
    }

    @Test func manifestVersionIsAnIngredient() throws {
        let v1 = StageDefinition.manifest(name: "train", version: 1, implementation: .builtin("train"))
        let v2 = StageDefinition.manifest(name: "train", version: 2, implementation: .builtin("train"))
        let recipe = { (definition: StageDefinition) in
            KeyRecipe(definition: definition.recipeText, params: [:], inputs: [:], outputs: ["model"]).key
        }
        #expect(recipe(v1) != recipe(v2))
    }

    @Test func floatAndIntSpellingsOfAFloatParamGiveOneKey() {
        #expect(ParamType.float.normalize(.int(1)).canonicalJSON == ParamValue.float(1.0).canonicalJSON)
    }

    @Test func canonicalTextIsVersionedAndSorted() {
        let recipe = KeyRecipe(definition: "command: x", params: ["b": "2", "a": "1"], inputs: ["z": "content:00"], outputs: ["o"])
        #expect(recipe.canonicalText == """
            mtrec-stage-key/1
            definition "command: x"
            param "a" 1
            param "b" 2
            input "z" "content:00"
            output "o"

            """)
        // The digest of that exact text, computed independently with `printf ... | sha256sum`.
        #expect(recipe.key.hex == "07a375cb4958f8a3d5c39e5fbfd04fbc693ffb280e3813c25c83a64f42a0657d")
    }
}
