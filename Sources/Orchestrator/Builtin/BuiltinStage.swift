import Foundation

/// A stage implemented in Swift and compiled into mtrec. It runs in its own
/// process (`mtrec run-stage JOB`), like a command stage, so that it can be
/// logged, stopped and measured the same way.
public protocol BuiltinStage: Sendable {
    /// The name a manifest's `builtin:` field refers to.
    var name: String { get }
    func run(_ context: BuiltinContext) throws
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

    public func string(_ name: String) -> String? {
        guard let json = job.paramsJSON[name], json.hasPrefix("\"") else { return nil }
        return (try? JSONDecoder().decode(String.self, from: Data(json.utf8)))
    }

    public func int(_ name: String) -> Int? { job.paramsJSON[name].flatMap { Int($0) } }

    public func double(_ name: String) -> Double? { job.paramsJSON[name].flatMap { Double($0) } }

    public func bool(_ name: String) -> Bool? { job.paramsJSON[name].flatMap { Bool($0) } }

    /// Lists and maps, as Foundation JSON objects.
    public func json(_ name: String) -> Any? {
        job.paramsJSON[name].flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8), options: [.fragmentsAllowed]) }
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
