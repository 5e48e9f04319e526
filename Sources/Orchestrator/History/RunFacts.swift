import Crypto
import Foundation

/// Facts a run record keeps that come from outside the run itself.
enum RunFacts {
    /// Numbers in a metrics JSON file, named by their path: {"click": {"auc": 0.7}}
    /// gives "click.auc". Arrays are not metrics and are skipped.
    static func metrics(in url: URL) -> [(name: String, value: Double)] {
        guard let data = FileManager.default.contents(atPath: url.path),
              let object = try? JSONSerialization.jsonObject(with: data) else { return [] }
        var found: [(String, Double)] = []
        func walk(_ value: Any, _ path: String) {
            if let dictionary = value as? [String: Any] {
                for key in dictionary.keys.sorted() { walk(dictionary[key]!, path.isEmpty ? key : "\(path).\(key)") }
            } else if let number = value as? NSNumber, !path.isEmpty, number.doubleValue.isFinite {
                found.append((path, number.doubleValue))
            }
        }
        guard let sections = object as? [String: Any] else { return [] }
        for key in sections.keys.sorted() where !MetricDirection.nonMetricSections.contains(key) { walk(sections[key]!, key) }
        return found
    }

    static func fileHash(_ url: URL) -> String {
        guard let data = FileManager.default.contents(atPath: url.path) else { return "" }
        return SHA256.hash(data: data).hexString
    }

    /// The commit checked out in the repository holding `folder`, read from
    /// .git without running git; nil outside a repository.
    static func gitCommit(near folder: URL) -> String? {
        var current = folder.standardizedFileURL
        while true {
            let git = current.appendingPathComponent(".git")
            if let head = try? String(contentsOf: git.appendingPathComponent("HEAD"), encoding: .utf8) {
                let text = head.trimmingCharacters(in: .whitespacesAndNewlines)
                guard text.hasPrefix("ref: ") else { return text.isEmpty ? nil : text }
                let reference = String(text.dropFirst(5))
                if let loose = try? String(contentsOf: git.appendingPathComponent(reference), encoding: .utf8) {
                    return loose.trimmingCharacters(in: .whitespacesAndNewlines)
                }
                let packed = (try? String(contentsOf: git.appendingPathComponent("packed-refs"), encoding: .utf8)) ?? ""
                return packed.split(separator: "\n").first { $0.hasSuffix(" " + reference) }.map { String($0.prefix(40)) }
            }
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { return nil }
            current = parent
        }
    }

    /// Every resolved param, flattened: "params.seed", "train.learning_rate".
    static func params(of pipeline: ResolvedPipeline) -> [String: String] {
        var flat: [String: String] = [:]
        for (name, value) in pipeline.params { flat["params.\(name)"] = value.canonicalJSON }
        for stage in pipeline.stages {
            for (name, value) in stage.params { flat["\(stage.name).\(name)"] = value.canonicalJSON }
        }
        return flat
    }
}
