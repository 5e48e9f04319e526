import Foundation
import MultiTaskLearning
import Orchestrator

/// build_model: the network (architecture and initial weights) for the tasks
/// the features stage labelled, over the features it encoded.
struct BuildModelStage: BuiltinStage {
    let name = "build_model"

    func run(_ context: BuiltinContext) throws {
        let transform = try context.readJSON(FeatureTransform.self, from: "transform")
        let taskTypes = context.stringMap("tasks")
        guard !taskTypes.isEmpty else { throw StageFailure("'tasks' is empty: map each task to binary or regression, e.g. {click: binary}") }
        let labelled = Set(transform.labels.map(\.task))
        var tasks: [TaskSpec] = []
        for task in transform.labels.map(\.task) where taskTypes[task] != nil {
            guard let type = TaskType(rawValue: "\(taskTypes[task]!)") else {
                throw StageFailure("task '\(task)': type must be binary or regression, not '\(taskTypes[task]!)'")
            }
            tasks.append(TaskSpec(name: task, type: type))
        }
        for task in taskTypes.keys.sorted() where !labelled.contains(task) {
            throw StageFailure("task '\(task)' has no label: the features stage labels \(labelled.sorted().joined(separator: ", "))")
        }
        guard let kind = ModelKind(rawValue: try context.requiredString("architecture")) else {
            throw StageFailure("unknown architecture")
        }
        if kind == .esmm {
            guard tasks.count == 2, tasks.allSatisfy({ $0.type == .binary }) else {
                throw StageFailure("esmm predicts exactly two binary tasks (click, then conversion); got \(tasks.map { "\($0.name): \($0.type.rawValue)" })")
            }
            // ESMM's order matters: the click task first.
            if let click = context.string("click_task"), tasks.first?.name != click { tasks.reverse() }
        }
        let architecture = ModelArchitecture(
            kind: kind, features: transform.schema(embeddingDimension: try context.requiredInt("embedding_dim")), tasks: tasks,
            bottomUnits: context.stringList("bottom_units").compactMap { Int($0) },
            towerUnits: context.stringList("tower_units").compactMap { Int($0) },
            experts: try context.requiredInt("experts"), taskExperts: try context.requiredInt("task_experts"),
            expertUnits: try context.requiredInt("expert_units"), levels: try context.requiredInt("levels"),
            dropout: Float(try context.requiredDouble("dropout")),
            initialization: Dense.Initialization(rawValue: try context.requiredString("initialization")) ?? .xavier,
            seed: UInt64(try context.requiredInt("seed")),
            crossLayers: try context.requiredInt("cross_layers"), factorizationMachine: context.bool("fm") ?? false)
        if architecture.hasFeatureCrossing, [.esmm, .singleTask].contains(kind) {
            throw StageFailure("cross_layers and fm apply to shared_bottom, mmoe and ple, not \(kind.rawValue)")
        }
        try checkSize(of: architecture)
        let model = ModelFactory.make(architecture)
        try ModelStore.save(model, to: context.output("model"))
        let count = model.parameters.reduce(0) { $0 + $1.value.count }
        context.log("build_model: \(kind.rawValue) with \(tasks.count) tasks (\(tasks.map(\.name).joined(separator: ", "))), \(count) parameters")
    }

    /// Refuses a model whose training state would not fit in half of this
    /// machine's memory, before a single weight is allocated.
    private func checkSize(of architecture: ModelArchitecture) throws {
        let count = architecture.parameterCount
        let needed = count * ModelArchitecture.trainingBytesPerParameter
        let memory = Double(ProcessInfo.processInfo.physicalMemory)
        guard needed > memory / 2 else { return }
        let gib = { (bytes: Double) in String(format: "%.1f GiB", bytes / 1_073_741_824) }
        throw StageFailure("the \(architecture.kind.rawValue) model would have \(String(format: "%.0f", count)) parameters, "
            + "\(gib(needed)) to train (weight, gradient and two Adam moments each), more than half of this machine's \(gib(memory)); "
            + "lower expert_units (\(architecture.expertUnits)), experts (\(architecture.experts)), bottom_units, tower_units "
            + "or embedding_dim (\(architecture.features.embeddingDimension))"
            + (architecture.crossLayers > 0 ? ", or cross_layers (\(architecture.crossLayers), each \(architecture.features.inputWidth)^2 weights)" : ""))
    }
}

/// joint_loss: how the tasks' losses are combined, as a specification the
/// train stage reads.
struct JointLossStage: BuiltinStage {
    let name = "joint_loss"

    func run(_ context: BuiltinContext) throws {
        guard let modelFolder = context.input("model") else { throw StageFailure("input 'model' is not bound") }
        let architecture = try JSONDecoder().decode(ModelArchitecture.self,
                                                    from: Data(contentsOf: modelFolder.appendingPathComponent(ModelStore.architectureFile)))
        let losses = context.stringMap("losses").mapValues { "\($0)" }
        let weights = context.stringMap("weights")
        let delta = Float(try context.requiredDouble("huber_delta"))
        for task in Set(losses.keys).union(weights.keys) where !architecture.tasks.contains(where: { $0.name == task }) {
            throw StageFailure("'\(task)' is not a task of the model; its tasks are \(architecture.tasks.map(\.name).joined(separator: ", "))")
        }
        let tasks = try architecture.tasks.map { task -> TaskLoss in
            let kind: TaskLossKind
            switch losses[task.name] ?? (task.type == .binary ? "bce" : "mse") {
            case "bce": kind = .binaryCrossEntropy
            case "mse": kind = .meanSquaredError
            case "huber": kind = .huber(delta: delta)
            case let other: throw StageFailure("task '\(task.name)': unknown loss '\(other)'; use bce, mse or huber")
            }
            if kind == .binaryCrossEntropy, task.type != .binary {
                throw StageFailure("task '\(task.name)' is a regression: bce needs a binary task")
            }
            let weight = (weights[task.name] as? NSNumber)?.floatValue ?? 1
            return TaskLoss(task: task.name, kind: kind, weight: weight)
        }
        let weighting = LossWeighting(rawValue: try context.requiredString("weighting")) ?? .fixed
        let specification = LossSpecification(tasks: tasks, weighting: weighting, lambda: Float(try context.requiredDouble("lambda")),
                                              conversionThroughClick: architecture.kind == .esmm)
        try context.writeJSON(specification, to: "loss")
        let terms = tasks.map { "\($0.weight) * \($0.task)" }.joined(separator: " + ")
        context.log("joint_loss: \(weighting == .fixed ? terms : "uncertainty-weighted") + \(specification.lambda) * ||shared||^2")
    }
}
