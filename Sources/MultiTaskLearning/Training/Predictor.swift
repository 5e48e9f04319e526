/// Runs a model forward over a data set in inference mode.
public enum Predictor {
    /// Per task, one prediction per row: a probability for binary tasks, a
    /// value for regression.
    public static func predict(_ model: any MultiTaskModel, on data: Dataset, batchSize: Int = 4096) -> [[Float]] {
        let tasks = model.architecture.tasks
        var predictions = tasks.map { _ in [Float](repeating: 0, count: data.count) }
        let batch = Batch(rows: min(batchSize, max(data.count, 1)), numericCount: data.schema.numericCount,
                          categoricalCount: data.schema.categorical.count, taskCount: data.taskNames.count)
        var start = 0
        while start < data.count {
            let end = min(start + batchSize, data.count)
            data.fill(batch, rows: Array(start..<end)[...])
            let outputs = model.forward(batch, training: false)
            for (task, output) in outputs.enumerated() {
                let binary = tasks[task].type == .binary
                predictions[task].withUnsafeMutableBufferPointer { target in
                    for row in 0..<output.rows {
                        target[start + row] = binary ? Sigmoid.value(output.data[row]) : output.data[row]
                    }
                }
            }
            start = end
        }
        return predictions
    }
}

/// Metrics of one task on a data set; nil values are undefined (e.g. AUC of one class).
public struct TaskEvaluation: Codable, Sendable, Equatable {
    public var task: String
    public var rows: Int
    public var auc: Double?
    public var gauc: Double?
    public var logLoss: Double?
    public var mse: Double?
    public var rmse: Double?
    public var mae: Double?

    /// The metric called `name` ("auc", "gauc", "logloss", "mse", "rmse", "mae").
    public func value(_ name: String) -> Double? {
        switch name {
        case "auc": auc
        case "gauc": gauc
        case "logloss": logLoss
        case "mse": mse
        case "rmse": rmse
        case "mae": mae
        default: nil
        }
    }
}

public enum Evaluator {
    /// Scores `predictions` (from `Predictor`) against the data's labels,
    /// counting for each task only the rows that carry its label.
    public static func evaluate(_ predictions: [[Float]], tasks: [TaskSpec], on data: Dataset) -> [TaskEvaluation] {
        tasks.enumerated().map { index, task in
            let rows = (0..<data.count).filter { (data.masks[index]?[$0] ?? 1) != 0 }
            let scores = rows.map { predictions[index][$0] }, labels = rows.map { data.labels[index][$0] }
            var evaluation = TaskEvaluation(task: task.name, rows: rows.count)
            switch task.type {
            case .binary:
                evaluation.auc = Metrics.auc(scores: scores, labels: labels)
                evaluation.logLoss = Metrics.logLoss(probabilities: scores, labels: labels)
                if let users = data.users {
                    evaluation.gauc = Metrics.gauc(scores: scores, labels: labels, users: rows.map { users[$0] })
                }
            case .regression:
                evaluation.mse = Metrics.meanSquaredError(predictions: scores, labels: labels)
                evaluation.rmse = Metrics.rootMeanSquaredError(predictions: scores, labels: labels)
                evaluation.mae = Metrics.meanAbsoluteError(predictions: scores, labels: labels)
            }
            return evaluation
        }
    }
}
