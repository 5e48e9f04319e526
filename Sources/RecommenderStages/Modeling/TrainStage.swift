import Foundation
import MultiTaskLearning
import Orchestrator

/// train: fits the model on the train split with the joint loss, records
/// each epoch (loss per task, validation metrics), and checkpoints after
/// every epoch so that a killed run resumes from its last finished epoch.
struct TrainStage: BuiltinStage {
    let name = "train"

    struct Params: Decodable {
        var optimizer: OptimizerKind
        var learningRate, momentum, weightDecay, clipNorm: Double
        var batchSize, epochs, patience, seed, threads: Int
        /// A validation metric (click.auc, loss) or "" for none.
        var earlyStopping: String

        enum CodingKeys: String, CodingKey {
            case optimizer, momentum, epochs, patience, seed, threads
            case learningRate = "learning_rate", weightDecay = "weight_decay", batchSize = "batch_size", clipNorm = "clip_norm",
                 earlyStopping = "early_stopping"
        }
    }

    func run(_ context: BuiltinContext) throws {
        let params = try context.params(Params.self)
        let model = try context.model()
        let specification = try context.readJSON(LossSpecification.self, from: "loss")
        let transform = try context.readJSON(FeatureTransform.self, from: "transform")
        let tasks = model.architecture.tasks.map(\.name)
        guard specification.tasks.map(\.task) == tasks else {
            throw StageFailure("the loss covers \(specification.tasks.map(\.task)), the model predicts \(tasks)")
        }
        let schema = model.architecture.features
        let trainTable = try context.table("dataset")
        try LabelCheck.check(trainTable, tasks: model.architecture.tasks, split: "training")
        let train = try EncodedData.dataset(trainTable, transform: transform, schema: schema, tasks: tasks)
        let validation = try context.input("validation").map { _ in
            let table = try context.table("validation")
            try LabelCheck.check(table, tasks: model.architecture.tasks, split: "validation")
            return try EncodedData.dataset(table, transform: transform, schema: schema, tasks: tasks)
        }

        BLAS.setThreads(params.threads)
        let metric = params.earlyStopping
        let options = TrainingOptions(
            epochs: params.epochs, batchSize: params.batchSize,
            optimizer: OptimizerSettings(kind: params.optimizer, learningRate: Float(params.learningRate),
                                         momentum: Float(params.momentum), weightDecay: Float(params.weightDecay)),
            clipNorm: params.clipNorm > 0 ? Float(params.clipNorm) : nil, seed: UInt64(params.seed),
            earlyStopping: metric.isEmpty ? nil : EarlyStopping(metric: metric, patience: params.patience))
        let loss = JointLoss(specification)
        let trainer = Trainer(model: model, loss: loss, options: options)
        let checkpoint = context.job.checkpointFolder.map { Checkpoint(folder: URL(fileURLWithPath: $0), trainer: trainer) }

        var state = TrainingState()
        if let checkpoint, let restored = try checkpoint.restore() {
            state = restored
            context.log("train: resuming after epoch \(state.completedEpochs) from \(checkpoint.folder.path)")
        }
        let progress = ProgressLine(tasks: tasks)
        let records = try trainer.train(train, validation: validation, resuming: state, progress: { progress.show($0) }) { state in
            progress.finish(state.records.last!)
            try checkpoint?.save(state)
        }

        try ModelStore.save(model, extra: loss.logVariances.map { [$0] } ?? [], to: context.output("model"))
        try context.writeJSON(History(records: records, samples: train.count), to: "history")
    }

    /// What the history output holds.
    struct History: Encodable {
        var records: [EpochRecord]
        var samples: Int
    }
}

/// A training checkpoint: weights, optimizer state and epoch records, written
/// whole (to a new folder, then renamed) after every epoch.
struct Checkpoint {
    let folder: URL
    let trainer: Trainer

    private var tensors: [(name: String, tensor: Tensor)] {
        let parameters = trainer.trainableParameters
        return parameters.map { ($0.name, $0.value) } + trainer.optimizer.stateTensors(for: parameters)
    }

    struct Progress: Codable {
        var records: [EpochRecord]
        var optimizerStep: Int
        var bestValue: Double?
        var bestEpoch: Int?
    }

    func save(_ state: TrainingState) throws {
        let manager = FileManager.default
        let fresh = folder.appendingPathExtension("new")
        try? manager.removeItem(at: fresh)
        do {
            try write(state, to: fresh)
        } catch {
            // A half-written checkpoint (a full disk, say) is not left behind; the last whole one stays.
            try? manager.removeItem(at: fresh)
            throw StageFailure("cannot save the checkpoint after epoch \(state.records.count): \(ErrorText.describe(error))")
        }
        try? manager.removeItem(at: folder)
        try manager.moveItem(at: fresh, to: folder)
    }

    private func write(_ state: TrainingState, to fresh: URL) throws {
        try FileManager.default.createDirectory(at: fresh, withIntermediateDirectories: true)
        var all = tensors
        if let best = state.best {
            for (parameter, values) in zip(trainer.model.parameters, best.weights) {
                all.append(("best.\(parameter.name)", Tensor(rows: parameter.value.rows, cols: parameter.value.cols, values: values)))
            }
        }
        try SafeTensors.write(all, metadata: ["format": "mtrec-checkpoint"], to: fresh.appendingPathComponent("state.safetensors"))
        let progress = Progress(records: state.records, optimizerStep: trainer.optimizer.step,
                                bestValue: state.best?.value, bestEpoch: state.best?.epoch)
        try JSONEncoder().encode(progress).write(to: fresh.appendingPathComponent("progress.json"))
        // Read by mtrec's planner: a rerun's reason says how far this run got.
        try "after epoch \(state.records.count)\n".write(to: fresh.appendingPathComponent(RunPlanner.resumeNote), atomically: false, encoding: .utf8)
    }

    /// The state of the last finished epoch, with weights and optimizer
    /// state loaded; nil when there is no checkpoint.
    func restore() throws -> TrainingState? {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("progress.json").path),
              let progress = try? JSONDecoder().decode(Progress.self, from: data) else { return nil }
        let weights = try Data(contentsOf: folder.appendingPathComponent("state.safetensors"), options: .mappedIfSafe)
        let (entries, _, start) = try SafeTensors.readHeader(weights)
        let byName = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0) })
        for (name, tensor) in tensors {
            guard let entry = byName[name] else { return nil }
            try SafeTensors.load(entry, from: weights, dataStart: start, into: tensor)
        }
        trainer.optimizer.restore(step: progress.optimizerStep)
        var best: (Double, Int, [[Float]])?
        if let value = progress.bestValue, let epoch = progress.bestEpoch {
            let snapshot = try trainer.model.parameters.map { parameter -> [Float] in
                let tensor = Tensor(rows: parameter.value.rows, cols: parameter.value.cols)
                guard let entry = byName["best.\(parameter.name)"] else { throw StageFailure("checkpoint lacks best.\(parameter.name)") }
                try SafeTensors.load(entry, from: weights, dataStart: start, into: tensor)
                return tensor.array
            }
            best = (value, epoch, snapshot)
        }
        return TrainingState(records: progress.records, best: best)
    }
}

/// Progress while training: one plain line per epoch, and, when mtrec shows
/// a terminal, transient batch lines (epoch, batch, loss per task, samples/s, ETA).
final class ProgressLine: @unchecked Sendable {
    let tasks: [String]
    let transient = StageProgress.isRequested

    init(tasks: [String]) {
        self.tasks = tasks
    }

    func show(_ progress: BatchProgress) {
        guard transient, progress.batch % 20 == 0 || progress.batch == progress.batches else { return }
        let losses = zip(tasks, progress.taskLosses).map { "\($0) \(String(format: "%.4f", $1))" }.joined(separator: "  ")
        let remaining = Double(progress.batches - progress.batch) * Double(progress.batch) / max(progress.samplesPerSecond, 1)
        let line = String(format: "epoch %d  batch %d/%d  %@  %.0f samples/s  ETA %.0fs", progress.epoch, progress.batch,
                          progress.batches, losses, progress.samplesPerSecond, remaining)
        StandardStreams.out(StageProgress.marker + line + "\n")
    }

    func finish(_ record: EpochRecord) {
        var line = "epoch \(record.epoch): " + tasks.map { "\($0) loss \(String(format: "%.4f", record.trainLoss[$0] ?? 0))" }.joined(separator: ", ")
        line += String(format: ", %.0f samples/s, %.1fs", record.samplesPerSecond, record.seconds)
        for evaluation in record.validation {
            let metrics = ["auc", "rmse"].compactMap { name in evaluation.value(name).map { "\(name) \(String(format: "%.4f", $0))" } }
            if !metrics.isEmpty { line += "; valid \(evaluation.task) " + metrics.joined(separator: " ") }
        }
        StandardStreams.out(line + "\n")
    }
}
