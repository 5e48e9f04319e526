import Foundation
import Orchestrator
import MultiTaskLearning

/// What `mtrec serve` loads from one finished run: the files of the stages
/// that feed rank (the trained model, the fitted transform, the training and
/// validation interactions, retrieve's candidates) and the settings of
/// predict and rank, as that run resolved them. The stages are found by what
/// they use: rank, and the predict stage whose scores it ranks.
public struct ServingArtifacts: Sendable {
    public var runID: String
    var model, transform, history: URL
    var valid, candidates: URL?
    var rank: RankStage.Params
    var candidatesPerUser: Int
    var allUnseen: Bool

    public struct Problem: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    public init(pipeline: ResolvedPipeline, run: RunRecord) throws {
        runID = run.id
        guard let rankStage = pipeline.stages.first(where: { $0.uses == "rank" }) else {
            throw Problem(description: "\(pipeline.fileDisplay) has no stage that uses rank: serving needs predict -> rank")
        }
        guard let predictName = rankStage.upstream("scores"), let predictStage = pipeline.stage(predictName.stage),
              predictStage.uses == "predict" else {
            throw Problem(description: "stage '\(rankStage.name)' does not rank the scores of a predict stage")
        }
        func path(_ stage: ResolvedStage, _ input: String) throws -> URL? {
            guard let source = stage.upstream(input) else { return nil }
            return try Self.output(of: run, source.stage, source.output)
        }
        func required(_ stage: ResolvedStage, _ input: String) throws -> URL {
            guard let url = try path(stage, input) else {
                throw Problem(description: "stage '\(stage.name)' has no input '\(input)' from another stage, which serving needs")
            }
            return url
        }
        model = try required(predictStage, "model")
        transform = try required(predictStage, "transform")
        history = try required(predictStage, "history")
        candidates = try path(predictStage, "candidates")
        valid = try path(rankStage, "valid")

        // The params as the run resolved them (a --set of that run included).
        func params(_ stage: ResolvedStage) -> [String: ParamValue] {
            Dictionary(uniqueKeysWithValues: stage.params.map { ($0.name, Self.scalar(run.params["\(stage.name).\($0.name)"]) ?? $0.value) })
        }
        var decoder = ParamDecoder()
        rank = try decoder.decode(RankStage.Params.self, from: params(rankStage))
        let predict = try decoder.decode(PredictStage.Params.self, from: params(predictStage))
        candidatesPerUser = predict.candidatesPerUser
        allUnseen = predict.candidates == .allUnseen
    }

    /// The file `run` wrote for `stage`'s `output`, still in the state folder.
    static func output(of run: RunRecord, _ stage: String, _ output: String) throws -> URL {
        guard let file = run.stages.first(where: { $0.name == stage })?.outputs[output] else {
            throw Problem(description: "run \(run.id) has no output \(stage).\(output) (it did not finish that stage)")
        }
        guard FileManager.default.fileExists(atPath: file) else {
            throw Problem(description: "run \(run.id)'s \(stage).\(output) is no longer in the state folder "
                                     + "(removed by mtrec gc?): run the pipeline again")
        }
        return URL(fileURLWithPath: file)
    }

    /// A scalar param as the run history keeps it (canonical JSON); nil for lists and maps.
    static func scalar(_ json: String?) -> ParamValue? {
        guard let json else { return nil }
        switch json {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case _ where json.hasPrefix("\""):
            return (try? JSONDecoder().decode(String.self, from: Data(json.utf8))).map(ParamValue.string)
        case _ where json.contains(where: { ".eE".contains($0) }): return Double(json).map(ParamValue.float)
        default: return Int(json).map(ParamValue.int)
        }
    }
}

extension ResolvedStage {
    /// The manifest a stage uses, if it uses one.
    var uses: String? {
        if case .manifest(let name, _, _) = definition { return name }
        return nil
    }

    /// The stage and output an input is bound to, when it comes from another stage.
    func upstream(_ input: String) -> (stage: String, output: String)? {
        guard case .upstream(let stage, let output)? = inputs.first(where: { $0.name == input })?.source else { return nil }
        return (stage, output)
    }
}

/// The trained model of one run and the transform that encodes its inputs:
/// the outputs of the stage that uses train, as that run wrote them.
public struct ModelArtifacts: Sendable {
    public var runID: String
    public var model, transform: URL

    public init(pipeline: ResolvedPipeline, run: RunRecord) throws {
        runID = run.id
        guard let train = pipeline.stages.first(where: { $0.uses == "train" }) else {
            throw ServingArtifacts.Problem(description: "\(pipeline.fileDisplay) has no stage that uses train")
        }
        guard let transformSource = train.upstream("transform") else {
            throw ServingArtifacts.Problem(description: "stage '\(train.name)' has no input 'transform' from a features stage")
        }
        model = try ServingArtifacts.output(of: run, train.name, "model")
        transform = try ServingArtifacts.output(of: run, transformSource.stage, transformSource.output)
    }

    /// Writes model.onnx (every task's output, any batch size), transform.json
    /// (the fitted transform) and inputs.json (the columns of the ONNX inputs, in order).
    public func exportONNX(to folder: URL, producerVersion: String) throws -> [String] {
        let model = try ModelStore.load(from: model)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let onnx = folder.appendingPathComponent("model.onnx")
        try Data(try ONNXExport.model(model, producerVersion: producerVersion)).write(to: onnx, options: .atomic)
        let transformCopy = folder.appendingPathComponent("transform.json")
        try? FileManager.default.removeItem(at: transformCopy)
        try FileManager.default.copyItem(at: transform, to: transformCopy)
        struct Inputs: Encodable {
            var runId: String
            var categorical: [String], numeric: [String]
            /// The `tokens` input: each text feature's slots, in order, hashed as mtrec's TextTokens does.
            var tokens: [TextFeature]
            var tasks: [TaskSpec]
        }
        let schema = model.architecture.features
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let inputs = folder.appendingPathComponent("inputs.json")
        try encoder.encode(Inputs(runId: runID, categorical: schema.categorical.map(\.name), numeric: schema.numericNames,
                                  tokens: schema.text, tasks: model.architecture.tasks)).write(to: inputs, options: .atomic)
        return [onnx.path, transformCopy.path, inputs.path]
    }
}
