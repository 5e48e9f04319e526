import Foundation
import MultiTaskLearning

/// The labels a task trains on must fit its type: a binary task's 0 or 1, a
/// regression task's finite numbers. A 1-5 rating trained as binary gives a
/// loss far below zero and a meaningless model, so it is refused here, where
/// the task types (build_model) meet the labelled rows (features).
enum LabelCheck {
    static func check(_ table: Table, tasks: [TaskSpec], split: String) throws {
        for task in tasks {
            guard let labels = table.floats("label.\(task.name)") else { continue }
            let bad = labels.filter { value in
                guard !value.isNaN else { return false }  // missing: masked out
                return task.type == .binary ? (value != 0 && value != 1) : !value.isFinite
            }
            guard !bad.isEmpty else { continue }
            var examples: [Float] = []
            for value in bad where !examples.contains(value) && examples.count < 5 { examples.append(value) }
            let shown = examples.map { Int(exactly: $0).map(String.init) ?? "\($0)" }.joined(separator: ", ")
            if task.type == .binary {
                throw StageFailure("task '\(task.name)' is binary, but \(bad.count) of \(labels.count) \(split) labels are not 0 or 1 "
                    + "(e.g. \(shown)); map its values with features' positive_labels ({\(task.name): \">= 4\"}), derive a 0/1 column in clean, "
                    + "or declare the task as regression in build_model")
            }
            throw StageFailure("task '\(task.name)' is a regression, but \(bad.count) of \(labels.count) \(split) labels are infinite (e.g. \(shown)); "
                + "clip them in clean or drop those rows")
        }
    }
}
