import Foundation
import Testing
@testable import Orchestrator
@testable import RecommenderStages

/// Runs built-in stages in-process on files in a scratch folder, with their
/// params resolved through the shipped manifests (so defaults apply).
struct StageHarness {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mtrec-stage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// Validates the pipeline `text`, written here as `name`, against the
    /// built-in catalog (expressions checked too).
    func validate(_ text: String, as name: String = "p.yaml", overrides: [Override] = []) throws -> (pipeline: ResolvedPipeline?, diagnostics: [Diagnostic]) {
        let file = try write(name, text)
        return PipelineLoader(embeddedManifests: BuiltinManifests.all, expressions: RecommenderStages.expressions).load(file, overrides: overrides)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    @discardableResult
    func write(_ name: String, table: Table) throws -> String {
        try TableFolder.write(table, to: folder.appendingPathComponent(name))
        return path(name)
    }

    /// Runs `stage` and returns its output paths by name.
    @discardableResult
    func run(_ stage: any BuiltinStage, params: [String: ParamValue] = [:], inputs: [String: String] = [:],
             tag: String? = nil, outputsIn outputRoot: URL? = nil) throws -> [String: URL] {
        let manifest = try #require(Self.catalog[stage.name], "no manifest for \(stage.name)")
        var typed: [String: ParamValue] = [:]
        for declaration in manifest.params {
            if let value = params[declaration.name] ?? declaration.defaultValue {
                let nullAllowed = value == .null && declaration.defaultValue == .null
                for mismatch in nullAllowed ? [] : declaration.type.mismatches(in: value) {
                    Issue.record("\(stage.name).\(declaration.name)\(mismatch.path) \(mismatch.problem)")
                }
                typed[declaration.name] = declaration.type.normalize(value)
            }
        }
        for name in params.keys where manifest.param(name) == nil { Issue.record("\(stage.name) has no param '\(name)'") }
        let outputFolder = (outputRoot ?? folder).appendingPathComponent("out-\(tag ?? stage.name)")
        try FileManager.default.createDirectory(at: outputFolder, withIntermediateDirectories: true)
        let outputs = Dictionary(uniqueKeysWithValues: manifest.outputs.map { ($0.name, outputFolder.appendingPathComponent($0.name)) })
        let job = StageJob(pipeline: "test", stage: stage.name, definition: "uses: \(stage.name)", builtin: stage.name,
                           params: typed, inputs: inputs, outputs: outputs.mapValues(\.path),
                           workingDirectory: folder.path, stdoutLog: "", stderrLog: "",
                           checkpointFolder: (outputRoot ?? folder).appendingPathComponent("checkpoint-\(tag ?? stage.name)").path)
        try stage.run(BuiltinContext(job: job))
        return outputs
    }

    static let catalog: StageCatalog = {
        var diagnostics = DiagnosticBag()
        let catalog = StageCatalog.load(embedded: BuiltinManifests.all, projectFolder: nil, diagnostics: &diagnostics)
        precondition(diagnostics.diagnostics.isEmpty, "\(diagnostics.diagnostics)")
        return catalog
    }()
}

extension ParamValue {
    static func strings(_ values: [String]) -> ParamValue { .list(values.map { .string($0) }) }
    static func stringMap(_ values: [(String, String)]) -> ParamValue { .map(values.map { ($0.0, .string($0.1)) }) }
}
