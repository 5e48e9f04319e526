import Foundation
import Testing
@testable import Orchestrator
@testable import RecommenderStages

/// The typed path from file to stage: every param of every built-in manifest,
/// written in a pipeline file, reaches its stage as the same typed value, and
/// each stage reads every param its manifest declares.
@Suite("Typed params, file to stage")
struct TypedParamsTests {
    /// A value of `type` that differs from the usual default, within the
    /// declaration's range and enum.
    static func sample(_ type: ParamType, _ declaration: ParamDeclaration) -> ParamValue {
        if let allowed = declaration.allowed, let last = allowed.last, type.scalar == type { return last }
        switch type {
        case .string: return .string("text with 'quotes' and \"more\"")
        case .int:
            let low = Int(declaration.minimum ?? 3), high = Int(declaration.maximum ?? 1_000_000)
            return .int(min(max(low, 3), high))
        case .float:
            let low = declaration.minimum ?? 0.25, high = declaration.maximum ?? 1_000
            return .float(min(max(low, 0.25), high) == 0 ? 0.5 : min(max(low, 0.25), high))
        case .bool: return .bool(declaration.defaultValue == .bool(true) ? false : true)
        case .list(let element?): return .list([sample(element, declaration), sample(element, declaration)])
        case .map(let element?): return .map([("first_key", sample(element, declaration)), ("second", sample(element, declaration))])
        case .list(nil): return .list([.string("a"), .int(2)])
        case .map(nil): return .map([("a", .string("b")), ("c", .int(4))])
        }
    }

    /// A whole number declared as a float stays a float after the trip.
    static func sameType(_ a: ParamValue, _ b: ParamValue) -> Bool {
        a.canonicalJSON == b.canonicalJSON && a.typeName == b.typeName
    }

    @Test func everyParamOfEveryBuiltinManifestReachesItsStageTyped() throws {
        let harness = try StageHarness()
        defer { harness.remove() }
        try harness.write("input.txt", "x")
        let stages = Dictionary(uniqueKeysWithValues: RecommenderStages.all.map { ($0.name, $0) })

        for manifest in StageHarness.catalog.names.compactMap({ StageHarness.catalog[$0] }) {
            let values = manifest.params.map { ($0.name, Self.sample($0.type, $0)) }
            // JSON is YAML's flow style: each value is written as its canonical JSON.
            let with = values.map { "      \($0.0): \($0.1.canonicalJSON)" }.joined(separator: "\n")
            let inputs = manifest.inputs.map { "      \($0.name): input.txt" }.joined(separator: "\n")
            let yaml = "name: roundtrip\nstages:\n  s:\n    uses: \(manifest.name)\n"
                + (inputs.isEmpty ? "" : "    inputs:\n\(inputs)\n") + (with.isEmpty ? "" : "    with:\n\(with)\n")
            let (pipeline, diagnostics) = try harness.validate(yaml, as: "\(manifest.name).yaml")
            let resolved = try #require(pipeline?.stage("s"), "\(manifest.name): \(diagnostics.map(\.description))")

            // The job file a stage process reads: encoded, written, decoded.
            let job = StageJob(pipeline: "roundtrip", stage: "s", definition: "", builtin: manifest.name, params: resolved.paramValues,
                               inputs: [:], outputs: [:], workingDirectory: harness.folder.path, stdoutLog: "", stderrLog: "")
            let received = try JSONDecoder().decode(StageJob.self, from: JSONEncoder().encode(job)).params
            for (name, written) in values {
                let declared = try #require(manifest.param(name))
                let expected = declared.type.normalize(written)
                let got = try #require(received[name], "\(manifest.name).\(name) did not reach the stage")
                #expect(Self.sameType(got, expected), "\(manifest.name).\(name): wrote \(written.canonicalJSON), stage got \(got.canonicalJSON)")
            }

            let stage = try #require(stages[manifest.name], "no built-in stage for manifest \(manifest.name)")
            let read = try stage.paramNamesRead(from: received)
            #expect(read == Set(manifest.params.map(\.name)),
                    "\(manifest.name): declared but never read: \(Set(manifest.params.map(\.name)).subtracting(read).sorted()); read but not declared: \(read.subtracting(manifest.params.map(\.name)).sorted())")
        }
    }

    @Test func decodingNamesTheParamAndElement() throws {
        struct Params: Decodable { var units: [Int] }
        var decoder = ParamDecoder()
        #expect(throws: ParamDecodingError.self) {
            try decoder.decode(Params.self, from: ["units": .list([.int(1), .string("eight")])])
        }
        do {
            _ = try decoder.decode(Params.self, from: ["units": .list([.int(1), .string("eight")])])
        } catch {
            #expect("\(error)" == "param 'units[1]': expected int, found string \"eight\"")
        }
        #expect(try decoder.decode(Params.self, from: ["units": .list([.int(4)])]).units == [4])
    }

    @Test func setValuesAreTypedLikeYAMLScalars() throws {
        // YAML 1.1 reads yes/Yes/YES as true, but "yEs" as text; --set now agrees.
        #expect(ParamValue.parsingScalar("yEs") == .string("yEs"))
        #expect(ParamValue.parsingScalar("Yes") == .bool(true))
        #expect(ParamValue.parsingScalar("0x1f") == .int(31))
        #expect(ParamValue.parsingScalar("1_000") == .int(1000))
        #expect(ParamValue.parsingScalar("NULL") == .null)
        #expect(ParamValue.parsingScalar("1e3") == .float(1000))
        #expect(ParamValue.parsingScalar("Null").typeName == "null")
        #expect(ParamValue.parsingScalar("nULL") == .string("nULL"))
        // Quoted, a value is text, as in YAML; setText quotes exactly when plain text would change type.
        #expect(ParamValue.parsingScalar("'007'") == .string("007"))
        #expect(ParamValue.parsingScalar("\"yes\"") == .string("yes"))
        #expect(ParamValue.parsingScalar("'it''s'") == .string("it's"))
        for value: ParamValue in [.string("007"), .string("yes"), .string(""), .string("it's"), .string("plain"), .int(7), .float(0.5), .bool(true)] {
            let text = value.setText ?? "-"
            #expect(ParamValue.parsingScalar(text).canonicalJSON == value.canonicalJSON, "\(value)")
        }
        #expect(ParamValue.list([.int(1)]).setText == nil)
    }
}
