import Foundation
import MultiTaskLearning
@testable import RecommenderStages
import Testing

/// `mtrec export onnx` for each architecture: onnxruntime, fed the encoded
/// test rows, gives the scores mtrec's own predict stage wrote for them.
@Suite("ONNX export", .serialized)
struct ONNXExportTests {
    static let checker = MtrecProcess.repository.appendingPathComponent("scripts/check-onnx.py").path

    @Test(arguments: ["shared_bottom", "mmoe", "ple", "esmm", "single_task"])
    func onnxruntimeGivesMtrecsPredictions(architecture: String) throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("onnx.yaml", try String(contentsOf: MtrecProcess.repository.appendingPathComponent("Tests/EndToEndTests/Fixtures/onnx.yaml"),
                                                encoding: .utf8))
        var settings = ["--set", "build_model.architecture=\(architecture)"]
        if ["esmm", "single_task"].contains(architecture) { settings += ["--set", "build_model.cross_layers=0", "--set", "build_model.fm=false"] }
        let run = try mtrec.run(arguments: ["run", "onnx.yaml", "--report", "r.json"] + settings)
        #expect(run.exitCode == 0, "\(run.stdout)\(run.stderr)")
        let export = try mtrec.run(arguments: ["export", "onnx", "onnx.yaml", "--out", "exported"] + settings)
        #expect(export.exitCode == 0, "\(export.stdout)\(export.stderr)")

        let stages = mtrec.stages(try mtrec.report("r.json"))
        let scored = try TableFolder.read(URL(fileURLWithPath: try #require((stages["score_test"]?["outputs"] as? [String: String])?["scores"])))
        let test = try TableFolder.read(URL(fileURLWithPath: try #require((stages["features"]?["outputs"] as? [String: String])?["test"])))
        let inputs = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: mtrec.path("exported/inputs.json"))))
                                  as? [String: Any])
        let categorical = try #require(inputs["categorical"] as? [String]), numeric = try #require(inputs["numeric"] as? [String])
        var categoricalRows: [[Int64]] = [], numericRows: [[Float]] = []
        for row in 0..<test.rowCount {
            categoricalRows.append(try categorical.map { name in
                guard case .int(let values)? = test["cat.\(name)"] else { throw ServeFailure(message: "no cat.\(name)") }
                return values[row]
            })
            numericRows.append(try numeric.map { name in try #require(test.floats("num.\(name)"))[row] })
        }
        var expected: [String: [Float]] = [:]
        for task in ["click", "conversion"] {
            let scores: [Float] = try #require(scored.floats("score.\(task)"))
            expected[task] = scores
        }
        try Self.check(["categorical": categoricalRows, "numeric": numericRows.map { $0.map(Double.init) },
                        "expected": expected.mapValues { $0.map(Double.init) }], in: mtrec, label: architecture, rows: test.rowCount)
    }

    /// Runs scripts/check-onnx.py on exported/model.onnx with `payload` as its case: every task within 1e-5 of mtrec's.
    static func check(_ payload: [String: Any], in mtrec: MtrecProcess, label: String, rows: Int) throws {
        try JSONSerialization.data(withJSONObject: payload).write(to: URL(fileURLWithPath: mtrec.path("case.json")))
        let (code, output) = try ArgoExportTests.run("/usr/bin/env", ["python3", checker, mtrec.path("exported/model.onnx"),
                                                                      mtrec.path("case.json")], in: mtrec.folder)
        print("\(label): \(output)")
        #expect(code == 0, "\(label): \(output)")
        #expect(output.contains("click: max abs difference") && rows > 500, "\(output)")
    }

    /// A text feature's embedding bag: onnxruntime, fed the same hashed tokens, gives mtrec's scores.
    @Test func theEmbeddingBagOfATextFeatureExportsToo() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        try mtrec.write("text.yaml", try String(contentsOf: MtrecProcess.repository.appendingPathComponent("Tests/EndToEndTests/Fixtures/onnx-text.yaml"),
                                                encoding: .utf8))
        let run = try mtrec.run("run", "text.yaml", "--report", "r.json")
        #expect(run.exitCode == 0, "\(run.stdout)\(run.stderr)")
        let export = try mtrec.run("export", "onnx", "text.yaml", "--out", "exported")
        #expect(export.exitCode == 0, "\(export.stdout)\(export.stderr)")
        let stages = mtrec.stages(try mtrec.report("r.json"))
        let scored = try TableFolder.read(URL(fileURLWithPath: try #require((stages["score_test"]?["outputs"] as? [String: String])?["scores"])))
        let test = try TableFolder.read(URL(fileURLWithPath: try #require((stages["features"]?["outputs"] as? [String: String])?["test"])))
        let inputs = try JSONDecoder().decode(ExportedInputs.self, from: Data(contentsOf: URL(fileURLWithPath: mtrec.path("exported/inputs.json"))))
        #expect(inputs.tokens.map(\.name) == ["text"] && inputs.tokens.first?.slots == 16)
        let tokens = try TextTokens.matrix(test, features: inputs.tokens)
        let width = inputs.tokens.reduce(0) { $0 + $1.slots }
        #expect(tokens.contains(0) && tokens.contains { $0 > 0 }, "some slots empty, some not")
        let categoricalRows = try (0..<test.rowCount).map { row in
            try inputs.categorical.map { name -> Int64 in
                guard case .int(let values)? = test["cat.\(name)"] else { throw ServeFailure(message: "no cat.\(name)") }
                return values[row]
            }
        }
        let expected = try ["click", "conversion"].reduce(into: [String: [Double]]()) { result, task in
            result[task] = try #require(scored.floats("score.\(task)")).map(Double.init)
        }
        try Self.check(["categorical": categoricalRows, "numeric": [[Double]](repeating: [], count: test.rowCount),
                        "tokens": (0..<test.rowCount).map { Array(tokens[($0 * width)..<(($0 + 1) * width)]).map(Int64.init) },
                        "expected": expected], in: mtrec, label: "text", rows: test.rowCount)
    }

    struct ExportedInputs: Decodable {
        var categorical: [String]
        var tokens: [TextFeature]
    }
}
