import Foundation
import MultiTaskLearning
import Orchestrator

/// An error a built-in stage reports: it ends the stage with exit code 1 and
/// this text on stderr.
public struct StageFailure: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

extension BuiltinContext {
    /// Reads the input table bound to `name`.
    func table(_ name: String) throws -> Table {
        guard let url = input(name) else { throw StageFailure("input '\(name)' is not bound") }
        return try TableFolder.read(url)
    }

    func write(_ table: Table, to name: String) throws {
        try TableFolder.write(table, to: output(name))
    }

    func writeJSON<T: Encodable>(_ value: T, to name: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(value).write(to: output(name))
    }

    func readJSON<T: Decodable>(_ type: T.Type, from name: String) throws -> T {
        guard let url = input(name) else { throw StageFailure("input '\(name)' is not bound") }
        do {
            return try JSONDecoder().decode(type, from: Data(contentsOf: url))
        } catch {
            throw StageFailure("cannot read input '\(name)' (\(url.path)): \(error)")
        }
    }

    /// The model folder bound to `name` (architecture and weights).
    func model(_ name: String = "model") throws -> any MultiTaskModel {
        guard let folder = input(name) else { throw StageFailure("input '\(name)' is not bound") }
        return try ModelStore.load(from: folder)
    }

    /// A line on the stage's stdout (kept in its log).
    func log(_ text: String) {
        StandardStreams.out(text + "\n")
    }
}
