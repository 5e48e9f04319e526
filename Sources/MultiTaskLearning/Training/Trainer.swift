import Foundation

/// Stops training when a validation metric has not improved for `patience`
/// epochs, and restores the weights of the best epoch.
public struct EarlyStopping: Codable, Sendable, Equatable {
    /// "TASK.METRIC" (e.g. "click.auc", "rating.rmse") or "loss" (the validation joint loss).
    public var metric: String
    public var patience: Int

    public init(metric: String, patience: Int) {
        self.metric = metric
        self.patience = patience
    }

    /// Higher is better for AUC and GAUC; lower for losses and errors.
    public var higherIsBetter: Bool { metric.hasSuffix(".auc") || metric.hasSuffix(".gauc") }
}

public struct TrainingOptions: Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: OptimizerSettings
    /// Clip the global gradient norm to this value; nil: no clipping.
    public var clipNorm: Float?
    /// Seeds the shuffling of minibatches.
    public var seed: UInt64
    public var earlyStopping: EarlyStopping?

    public init(epochs: Int, batchSize: Int, optimizer: OptimizerSettings, clipNorm: Float? = nil, seed: UInt64 = 1,
                earlyStopping: EarlyStopping? = nil) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.clipNorm = clipNorm
        self.seed = seed
        self.earlyStopping = earlyStopping
    }
}

/// What one epoch did.
public struct EpochRecord: Codable, Sendable {
    public var epoch: Int
    /// Mean training loss per task over the epoch's batches.
    public var trainLoss: [String: Double]
    public var seconds: Double
    public var samplesPerSecond: Double
    /// Validation metrics per task, and the validation joint loss.
    public var validation: [TaskEvaluation]
    public var validationLoss: Double?
}

public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case nonFiniteLoss(task: String, epoch: Int, step: Int, value: Double)
    case unknownEarlyStoppingMetric(String, valid: [String])

    public var description: String {
        switch self {
        case .nonFiniteLoss(let task, let epoch, let step, let value):
            "the loss of task '\(task)' became \(value) at epoch \(epoch), step \(step); lower the learning rate, clip gradients (clip_norm) or check the labels for extreme values"
        case .unknownEarlyStoppingMetric(let metric, let valid):
            "early stopping metric '\(metric)' is not computed; use one of: \(valid.joined(separator: ", "))"
        }
    }
}

/// Where training stands after an epoch: enough to resume it.
public struct TrainingState: Sendable {
    public var records: [EpochRecord] = []
    /// Early stopping: the best value so far, its epoch and its weights.
    public var best: (value: Double, epoch: Int, weights: [[Float]])?

    public init(records: [EpochRecord] = [], best: (value: Double, epoch: Int, weights: [[Float]])? = nil) {
        self.records = records
        self.best = best
    }

    public var completedEpochs: Int { records.last?.epoch ?? 0 }
}

/// Progress within an epoch, for a progress display.
public struct BatchProgress: Sendable {
    public var epoch: Int
    public var batch: Int
    public var batches: Int
    public var taskLosses: [Double]
    public var samplesPerSecond: Double
}

/// Minibatch training: shuffle with the seeded generator, forward, joint
/// loss, backward, L2, optional clipping, optimizer step.
public final class Trainer {
    public let model: any MultiTaskModel
    public let loss: JointLoss
    public let options: TrainingOptions
    public let optimizer: Optimizer
    public internal(set) var step = 0

    public init(model: any MultiTaskModel, loss: JointLoss, options: TrainingOptions) {
        self.model = model
        self.loss = loss
        self.options = options
        optimizer = Optimizer(options.optimizer)
    }

    public var trainableParameters: [Parameter] { model.parameters + (loss.logVariances.map { [$0] } ?? []) }

    /// Trains one epoch and returns the mean loss per task.
    public func trainEpoch(_ data: Dataset, epoch: Int, progress: ((BatchProgress) -> Void)? = nil) throws -> [Double] {
        // Each epoch's order depends only on the seed and the epoch, so a
        // resumed run shuffles exactly as an uninterrupted one.
        var random = RandomSource(seed: options.seed &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15)
        var order = Array(0..<data.count)
        random.shuffle(&order)
        let tasks = data.taskNames.count
        let batch = Batch(rows: options.batchSize, numericCount: data.schema.numericCount,
                          categoricalCount: data.schema.categorical.count, tokenWidth: data.schema.tokenWidth, taskCount: tasks)
        let parameters = trainableParameters
        var sums = [Double](repeating: 0, count: tasks)
        let batches = (data.count + options.batchSize - 1) / options.batchSize
        let started = DispatchTime.now()
        for index in 0..<batches {
            let rows = order[(index * options.batchSize)..<min((index + 1) * options.batchSize, data.count)]
            data.fill(batch, rows: rows)
            for parameter in parameters { parameter.zeroGradient() }
            let outputs = model.forward(batch, training: true)
            let breakdown = loss.evaluate(outputs, batch: batch)
            step += 1
            for (task, value) in breakdown.perTask.enumerated() where !value.isFinite {
                throw TrainingError.nonFiniteLoss(task: data.taskNames[task], epoch: epoch, step: step, value: value)
            }
            loss.accumulateGradients()
            model.backward(loss.outputGradients)
            _ = loss.regularization(model.parameters, addGradient: true)
            if let clipNorm = options.clipNorm { GradientClipping.clip(parameters, maximum: clipNorm) }
            optimizer.update(parameters)
            for task in 0..<tasks { sums[task] += breakdown.perTask[task] }
            if let progress {
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
                progress(BatchProgress(epoch: epoch, batch: index + 1, batches: batches, taskLosses: breakdown.perTask,
                                       samplesPerSecond: Double(rows.endIndex) / max(seconds, 1e-9)))
            }
        }
        return sums.map { $0 / Double(max(batches, 1)) }
    }

    /// Trains for the configured epochs (or until early stopping) and returns
    /// one record per epoch. With early stopping the best epoch's weights are
    /// restored at the end. `resuming` continues from a checkpoint's state;
    /// `afterEpoch` sees the state after every epoch (to checkpoint it).
    public func train(_ data: Dataset, validation: Dataset?, resuming initial: TrainingState = TrainingState(),
                      progress: ((BatchProgress) -> Void)? = nil,
                      afterEpoch: ((TrainingState) throws -> Void)? = nil) throws -> [EpochRecord] {
        var state = initial
        var stopped = false
        if let stopping = options.earlyStopping, let best = state.best {
            stopped = state.completedEpochs - best.epoch >= stopping.patience
        }
        var epoch = state.completedEpochs + 1
        while !stopped && epoch <= max(options.epochs, 1) {
            let started = DispatchTime.now()
            let losses = try trainEpoch(data, epoch: epoch, progress: progress)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            var record = EpochRecord(epoch: epoch, trainLoss: Dictionary(uniqueKeysWithValues: zip(data.taskNames, losses)),
                                     seconds: seconds, samplesPerSecond: Double(data.count) / max(seconds, 1e-9),
                                     validation: [], validationLoss: nil)
            if let validation {
                let predictions = Predictor.predict(model, on: validation)
                record.validation = Evaluator.evaluate(predictions, tasks: model.architecture.tasks, on: validation)
                record.validationLoss = validationLoss(validation)
            }
            state.records.append(record)

            if let stopping = options.earlyStopping, validation != nil {
                let value = try monitored(stopping, in: record)
                let improved = state.best.map { stopping.higherIsBetter ? value > $0.value : value < $0.value } ?? true
                if improved {
                    state.best = (value, epoch, model.parameters.map(\.value.array))
                } else if let best = state.best, epoch - best.epoch >= stopping.patience {
                    stopped = true
                }
            }
            try afterEpoch?(state)
            epoch += 1
        }
        if let best = state.best {
            for (parameter, values) in zip(model.parameters, best.weights) {
                values.withUnsafeBufferPointer { parameter.value.data.update(from: $0.baseAddress!, count: values.count) }
            }
        }
        return state.records
    }

    private func monitored(_ stopping: EarlyStopping, in record: EpochRecord) throws -> Double {
        if stopping.metric == "loss", let loss = record.validationLoss { return loss }
        let parts = stopping.metric.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2, let evaluation = record.validation.first(where: { $0.task == parts[0] }),
           let value = evaluation.value(parts[1]) {
            return value
        }
        let valid = ["loss"] + record.validation.flatMap { evaluation in
            ["auc", "gauc", "logloss", "mse", "rmse", "mae"].filter { evaluation.value($0) != nil }.map { "\(evaluation.task).\($0)" }
        }
        throw TrainingError.unknownEarlyStoppingMetric(stopping.metric, valid: valid)
    }

    /// The joint loss (without L2) on a data set, in inference mode.
    public func validationLoss(_ data: Dataset) -> Double {
        let batch = Batch(rows: 4096, numericCount: data.schema.numericCount,
                          categoricalCount: data.schema.categorical.count, tokenWidth: data.schema.tokenWidth, taskCount: data.taskNames.count)
        var total = 0.0, rows = 0
        var start = 0
        while start < data.count {
            let end = min(start + 4096, data.count)
            data.fill(batch, rows: start..<end)
            total += loss.evaluate(model.forward(batch, training: false), batch: batch).weighted * Double(end - start)
            rows += end - start
            start = end
        }
        return total / Double(max(rows, 1))
    }
}
