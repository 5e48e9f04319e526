import Foundation
import Testing
@testable import Orchestrator

/// A throwaway folder with a pipeline file and whatever else a test needs.
struct Sandbox {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("mtrec-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        // A .git marker stops the catalog search from leaving the sandbox.
        try FileManager.default.createDirectory(at: root.appendingPathComponent(".git"), withIntermediateDirectories: true)
    }

    @discardableResult
    func write(_ relativePath: String, _ text: String) throws -> URL {
        let url = root.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func path(_ relativePath: String) -> String { root.appendingPathComponent(relativePath).path }

    /// Loads `yaml` written as pipeline.yaml; returns the pipeline (nil on errors) and diagnostics.
    func load(_ yaml: String, overrides: [Override] = [], manifests: [EmbeddedManifest] = [],
              allowsPublishOutside: Bool = false) throws
        -> (pipeline: ResolvedPipeline?, diagnostics: [Diagnostic]) {
        let file = try write("pipeline.yaml", yaml)
        return PipelineLoader(embeddedManifests: manifests).load(file.path, overrides: overrides, allowsPublishOutside: allowsPublishOutside)
    }

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }
}

/// A catalog manifest used by validation tests: typed, ranged and enum params.
let trainManifest = EmbeddedManifest(fileName: "train.yaml", text: """
    name: train
    version: 3
    description: fits a model
    command: "cp {inputs.data} {outputs.model}"
    inputs:
      data: {type: table, doc: training rows}
      validation: {type: table, optional: true}
    outputs:
      model: {type: model}
    params:
      learning_rate: {type: float, default: 0.001, min: 0, max: 1, doc: step size}
      epochs: {type: int, default: 5, min: 1}
      optimizer: {type: string, default: adam, enum: [sgd, adam, adamw]}
      seed: {type: int, doc: random seed}
    """)

/// Finds the diagnostic at `line:column` whose message contains `text`.
@discardableResult
func expectDiagnostic(_ diagnostics: [Diagnostic], line: Int, column: Int, contains text: String,
                      sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Diagnostic? {
    let match = diagnostics.first { $0.location.line == line && $0.location.column == column && $0.message.contains(text) }
    #expect(match != nil, "no diagnostic at \(line):\(column) containing '\(text)'; got:\n\(diagnostics.map(\.description).joined(separator: "\n"))",
            sourceLocation: sourceLocation)
    return match
}
