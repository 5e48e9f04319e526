import Dispatch

/// Runs a model forward over a data set in inference mode.
public enum Predictor {
    /// Per task, one prediction per row: a probability for binary tasks, a
    /// value for regression.
    ///
    /// With more than one worker (default: OpenBLAS's thread count) the rows are
    /// split into contiguous parts, each scored by its own copy of the model on
    /// its own core with single-threaded BLAS: the element-wise work between the
    /// matrix products (mixtures, activations) then runs in parallel too. A
    /// part gets at least `minimumPartRows` rows, so that copying the model pays off.
    ///
    /// Batches are small on purpose: 512 rows of the widest activations
    /// (512 floats) take 1 MiB, so each layer's output is still in the core's
    /// cache when the next layer reads it. Measured on the peers' workload
    /// (50,000 rows, 2 cores): 512-row batches scored about 20% more rows per
    /// second than 4096-row ones.
    public static func predict(_ model: any MultiTaskModel, on data: Dataset, batchSize: Int = 512,
                               minimumPartRows: Int = 4096,
                               workers: Int = BLAS.threads) -> [[Float]] {
        let targets = model.architecture.tasks.map { _ in UnsafeMutablePointer<Float>.allocate(capacity: max(data.count, 1)) }
        defer { targets.forEach { $0.deallocate() } }
        let parts = max(1, min(workers, data.count / max(minimumPartRows, 1)))
        if parts == 1 {
            predict(model, on: data, rows: 0..<data.count, batchSize: batchSize, into: targets)
        } else {
            let work = PartitionedWork(replicas: [model] + (1..<parts).map { _ in model.inferenceReplica() }, targets: targets)
            BLAS.withOneThread {
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    let rows = (data.count * part / parts)..<(data.count * (part + 1) / parts)
                    predict(work.replicas[part], on: data, rows: rows, batchSize: batchSize, into: work.targets)
                }
            }
            for replica in work.replicas.dropFirst() { model.addGateStatistics(from: replica) }
        }
        return targets.map { Array(UnsafeBufferPointer(start: $0, count: data.count)) }
    }

    /// Scores `rows` of `data`, writing task t's prediction for row r to `targets[t][r]`.
    private static func predict(_ model: any MultiTaskModel, on data: Dataset, rows: Range<Int>, batchSize: Int,
                                into targets: [UnsafeMutablePointer<Float>]) {
        let tasks = model.architecture.tasks
        let batch = Batch(rows: min(batchSize, max(rows.count, 1)), numericCount: data.schema.numericCount,
                          categoricalCount: data.schema.categorical.count, tokenWidth: data.schema.tokenWidth, taskCount: data.taskNames.count)
        var start = rows.lowerBound
        while start < rows.upperBound {
            let end = min(start + batchSize, rows.upperBound)
            data.fill(batch, rows: start..<end)
            let outputs = model.forward(batch, training: false)
            for (task, output) in outputs.enumerated() {
                let binary = tasks[task].type == .binary, target = targets[task] + start
                for row in 0..<output.rows {
                    target[row] = binary ? Sigmoid.value(output.data[row]) : output.data[row]
                }
            }
            start = end
        }
    }
}

/// What the prediction workers share: part `i` uses only `replicas[i]` and
/// writes only its own rows of `targets`, so no two threads touch the same memory.
private struct PartitionedWork: @unchecked Sendable {
    let replicas: [any MultiTaskModel]
    let targets: [UnsafeMutablePointer<Float>]
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
