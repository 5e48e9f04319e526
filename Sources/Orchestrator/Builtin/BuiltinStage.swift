import Foundation

/// A stage implemented in Swift and compiled into mtrec. It runs in its own
/// process (`mtrec run-stage JOB`), like a command stage, so that it can be
/// logged, stopped and measured the same way.
public protocol BuiltinStage: Sendable {
    /// The typed params the stage reads; its manifest declares the same names.
    associatedtype Params: Decodable
    /// The name a manifest's `builtin:` field refers to.
    var name: String { get }
    func run(_ context: BuiltinContext) throws
}

extension BuiltinStage {
    /// The param names decoding `Params` asks for, given `params`; a test
    /// compares them with the manifest's, so no declared param goes unread.
    public func paramNamesRead(from params: [String: ParamValue]) throws -> Set<String> {
        var decoder = ParamDecoder()
        _ = try decoder.decode(Params.self, from: params)
        return decoder.requestedKeys
    }
}

/// What a built-in stage sees: its input and output paths and typed params.
public struct BuiltinContext: Sendable {
    public let job: StageJob

    public init(job: StageJob) {
        self.job = job
    }

    public func input(_ name: String) -> URL? {
        job.inputs[name].map { URL(fileURLWithPath: $0) }
    }

    /// Where to write an output (a file or a folder with this path).
    public func output(_ name: String) -> URL {
        URL(fileURLWithPath: job.outputs[name] ?? name)
    }

    /// The stage's params, decoded into its own params struct.
    public func params<P: Decodable>(_ type: P.Type) throws -> P {
        var decoder = ParamDecoder()
        return try decoder.decode(type, from: job.params)
    }
}

/// The built-in implementations a binary carries, looked up by name.
public struct BuiltinRegistry: Sendable {
    private var stages: [String: any BuiltinStage] = [:]

    public init(_ stages: [any BuiltinStage] = []) {
        for stage in stages { self.stages[stage.name] = stage }
    }

    public var names: [String] { stages.keys.sorted() }

    /// Runs the job written at `jobFile`; returns the process exit code.
    public func run(jobFile: String) -> Int32 {
        guard let data = FileManager.default.contents(atPath: jobFile),
              let job = try? JSONDecoder().decode(StageJob.self, from: data) else {
            StandardStreams.error("mtrec run-stage: cannot read job file '\(jobFile)'\n")
            return 2
        }
        guard let name = job.builtin, let stage = stages[name] else {
            StandardStreams.error("mtrec run-stage: no built-in stage '\(job.builtin ?? "")'; known: \(names.joined(separator: ", "))\n")
            return 2
        }
        do {
            try stage.run(BuiltinContext(job: job))
            return 0
        } catch {
            StandardStreams.error("stage '\(job.stage)' (\(name)) failed: \(ErrorText.describe(error))\n")
            return 1
        }
    }
}
