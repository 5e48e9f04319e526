import Foundation

/// The key recipe each stage of a pipeline last ran with, kept so the
/// planner can say why a stage runs again (which param, which input).
public final class StageRecords: @unchecked Sendable {
    private let file: URL
    private var recipes: [String: KeyRecipe]
    private let lock = NSLock()

    public init(stateFolder: URL, pipeline: String) {
        file = stateFolder.appendingPathComponent("records").appendingPathComponent("\(pipeline).json")
        if let data = try? Data(contentsOf: file), let decoded = try? JSONDecoder().decode([String: KeyRecipe].self, from: data) {
            recipes = decoded
        } else {
            recipes = [:]
        }
    }

    public func last(_ stage: String) -> KeyRecipe? {
        lock.lock()
        defer { lock.unlock() }
        return recipes[stage]
    }

    /// Remembers a stage's recipe after it ran or was found cached.
    public func remember(_ recipe: KeyRecipe, for stage: String) {
        lock.lock()
        defer { lock.unlock() }
        guard recipes[stage] != recipe else { return }
        recipes[stage] = recipe
        try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let data = try? JSONEncoder.mtrec.encode(recipes) { try? data.write(to: file, options: .atomic) }
    }
}
