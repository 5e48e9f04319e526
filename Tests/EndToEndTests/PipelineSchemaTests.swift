import Foundation
import Testing

/// `mtrec schema`: every shipped pipeline passes it under a real JSON Schema
/// validator, and broken files fail it where they are broken.
@Suite("Pipeline schema end to end")
struct PipelineSchemaTests {
    static let broken: [(name: String, text: String, problem: String)] = [
        ("top-level-key.yaml", "name: p\nstagez: {}\nstages: {}\n", "stagez"),
        ("stage-key.yaml", "name: p\nstages:\n  a: {command: \"true\", ouputs: [x]}\n", "ouputs"),
        ("unknown-param.yaml", "name: p\nstages:\n  t: {uses: train, inputs: {dataset: a, model: b, loss: c, transform: d}, with: {epoch: 3}}\n", "epoch"),
        ("wrong-type.yaml", "name: p\nstages:\n  t: {uses: train, inputs: {dataset: a, model: b, loss: c, transform: d}, with: {epochs: five}}\n", "epochs"),
        ("out-of-range.yaml", "name: p\nstages:\n  r: {uses: rank, inputs: {scores: s}, with: {top_k: 0}}\n", "top_k"),
        ("bad-enum.yaml", "name: p\nstages:\n  b: {uses: build_model, inputs: {transform: t}, with: {tasks: {click: binary}, architecture: mmo}}\n", "architecture"),
        ("bad-element.yaml", "name: p\nstages:\n  b: {uses: build_model, inputs: {transform: t}, with: {tasks: {click: binary}, tower_units: [32, eight]}}\n", "tower_units"),
        ("missing-input.yaml", "name: p\nstages:\n  r: {uses: rank}\n", "'inputs' is a required property"),
        ("missing-port.yaml", "name: p\nstages:\n  r: {uses: rank, inputs: {history: h}}\n", "'scores' is a required property"),
    ]

    @Test func shippedPipelinesPassAndBrokenOnesFail() throws {
        let mtrec = try MtrecProcess()
        defer { mtrec.remove() }
        let schema = try mtrec.run("schema")
        #expect(schema.exitCode == 0, "\(schema.stderr)")
        try mtrec.write("schema.json", schema.stdout)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(schema.stdout.utf8)) as? [String: Any])
        #expect(json["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")

        let pipelines = try FileManager.default.contentsOfDirectory(atPath: MtrecProcess.repository.appendingPathComponent("pipelines").path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(pipelines.count >= 6)
        let paths = pipelines.map { MtrecProcess.repository.appendingPathComponent("pipelines/\($0)").path }
        let (good, goodOutput) = try ArgoExportTests.run("/usr/bin/env", ["python3", ArgoExportTests.validator, mtrec.path("schema.json")] + paths,
                                                          in: mtrec.folder)
        #expect(good == 0, "\(goodOutput)")

        for file in Self.broken {
            try mtrec.write(file.name, file.text)
            let (code, output) = try ArgoExportTests.run("/usr/bin/env", ["python3", ArgoExportTests.validator, mtrec.path("schema.json"), mtrec.path(file.name)],
                                                          in: mtrec.folder)
            #expect(code == 1, "\(file.name) must fail the schema: \(output)")
            #expect(output.contains(file.problem), "\(file.name): \(output)")
        }
    }
}
