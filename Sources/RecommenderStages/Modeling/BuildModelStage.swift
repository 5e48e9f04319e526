import Foundation
import MultiTaskLearning
import Orchestrator

/// build_model: the network (architecture and initial weights) for the tasks
/// the features stage labelled, over the features it encoded.
struct BuildModelStage: BuiltinStage {
    let name = "build_model"

    struct Params: Decodable {
        var architecture: ModelKind
        var tasks: [String: TaskType]
        var clickTask: String
        var bottomUnits, towerUnits: [Int]
        var embeddingDim, experts, taskExperts, expertUnits, levels, crossLayers, seed: Int
        var fm: Bool
        var dropout: Double
        var initialization: Dense.Initialization

        enum CodingKeys: String, CodingKey {
            case architecture, tasks, experts, levels, fm, dropout, initialization, seed
            case clickTask = "click_task", embeddingDim = "embedding_dim", bottomUnits = "bottom_units", towerUnits = "tower_units",
                 taskExperts = "task_experts", expertUnits = "expert_units", crossLayers = "cross_layers"
        }
    }

    func run(_ context: BuiltinContext) throws {
        let params = try context.params(Params.self)
        let transform = try context.readJSON(FeatureTransform.self, from: "transform")
        let taskTypes = params.tasks
        guard !taskTypes.isEmpty else { throw StageFailure("'tasks' is empty: map each task to binary or regression, e.g. {click: binary}") }
        let labelled = Set(transform.labels.map(\.task))
        let tasks = transform.labels.map(\.task).compactMap { task in taskTypes[task].map { TaskSpec(name: task, type: $0) } }
        for task in taskTypes.keys.sorted() where !labelled.contains(task) {
            throw StageFailure("task '\(task)' has no label: the features stage labels \(labelled.sorted().joined(separator: ", "))")
        }
        let kind = params.architecture
        var ordered = tasks
        if kind == .esmm {
            guard tasks.count == 2, tasks.allSatisfy({ $0.type == .binary }) else {
                throw StageFailure("esmm predicts exactly two binary tasks (click, then conversion); got \(tasks.map { "\($0.name): \($0.type.rawValue)" })")
            }
            // ESMM's order matters: the click task first.
            if tasks.first?.name != params.clickTask { ordered.reverse() }
        }
        let architecture = ModelArchitecture(
            kind: kind, features: transform.schema(embeddingDimension: params.embeddingDim), tasks: ordered,
            bottomUnits: params.bottomUnits, towerUnits: params.towerUnits,
            experts: params.experts, taskExperts: params.taskExperts, expertUnits: params.expertUnits, levels: params.levels,
            dropout: Float(params.dropout), initialization: params.initialization, seed: UInt64(params.seed),
            crossLayers: params.crossLayers, factorizationMachine: params.fm)
        if architecture.hasFeatureCrossing, [.esmm, .singleTask].contains(kind) {
            throw StageFailure("cross_layers and fm apply to shared_bottom, mmoe and ple, not \(kind.rawValue)")
        }
        try checkSize(of: architecture)
        let model = ModelFactory.make(architecture)
        try ModelStore.save(model, to: context.output("model"))
        let count = model.parameters.reduce(0) { $0 + $1.value.count }
        context.log("build_model: \(kind.rawValue) with \(ordered.count) tasks (\(ordered.map(\.name).joined(separator: ", "))), \(count) parameters")
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

    struct Params: Decodable {
        enum Loss: String, Decodable { case bce, mse, huber }
        var losses: [String: Loss]
        var weights: [String: Double]
        var huberDelta, lambda: Double
        var weighting: LossWeighting

        enum CodingKeys: String, CodingKey {
            case losses, weights, weighting, lambda, huberDelta = "huber_delta"
        }
    }

    func run(_ context: BuiltinContext) throws {
        guard let modelFolder = context.input("model") else { throw StageFailure("input 'model' is not bound") }
        let architecture = try JSONDecoder().decode(ModelArchitecture.self,
                                                    from: Data(contentsOf: modelFolder.appendingPathComponent(ModelStore.architectureFile)))
        let params = try context.params(Params.self)
        let losses = params.losses, weights = params.weights
        let delta = Float(params.huberDelta)
        for task in Set(losses.keys).union(weights.keys) where !architecture.tasks.contains(where: { $0.name == task }) {
            throw StageFailure("'\(task)' is not a task of the model; its tasks are \(architecture.tasks.map(\.name).joined(separator: ", "))")
        }
        let tasks = try architecture.tasks.map { task -> TaskLoss in
            let kind: TaskLossKind
            switch losses[task.name] ?? (task.type == .binary ? .bce : .mse) {
            case .bce: kind = .binaryCrossEntropy
            case .mse: kind = .meanSquaredError
            case .huber: kind = .huber(delta: delta)
            }
            if kind == .binaryCrossEntropy, task.type != .binary {
                throw StageFailure("task '\(task.name)' is a regression: bce needs a binary task")
            }
            let weight = Float(weights[task.name] ?? 1)
            return TaskLoss(task: task.name, kind: kind, weight: weight)
        }
        let weighting = params.weighting
        let specification = LossSpecification(tasks: tasks, weighting: weighting, lambda: Float(params.lambda),
                                              conversionThroughClick: architecture.kind == .esmm)
        try context.writeJSON(specification, to: "loss")
        let terms = tasks.map { "\($0.weight) * \($0.task)" }.joined(separator: " + ")
        context.log("joint_loss: \(weighting == .fixed ? terms : "uncertainty-weighted") + \(specification.lambda) * ||shared||^2")
    }
}
