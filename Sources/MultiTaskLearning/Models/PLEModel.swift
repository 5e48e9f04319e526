/// Progressive Layered Extraction (Tang et al., RecSys 2020): stacked
/// Customized Gate Control levels. Each level has task-specific experts per
/// task and shared experts; a task's gate mixes its own and the shared experts,
/// and between levels a shared gate mixes all of them for the next level.
public final class PLEModel: MultiTaskModel {
    /// One CGC level.
    final class Level {
        let taskExperts: [ExpertGroup]
        let sharedExperts: ExpertGroup
        let taskGates: [Sequential]
        let taskMixtures: [ExpertMixture]
        /// nil on the last level, which feeds the towers only.
        let sharedGate: Sequential?
        let sharedMixture: ExpertMixture?
        let taskInputGradients: [Tensor]
        let sharedInputGradient: Tensor

        init(index: Int, architecture: ModelArchitecture, taskInputs: [Int], sharedInputs: Int, isLast: Bool,
             random: inout RandomSource) {
            let units = architecture.expertUnits, own = architecture.taskExperts, shared = architecture.experts
            let tasks = architecture.tasks
            taskExperts = tasks.indices.map { task in
                ExpertGroup(name: "level\(index).experts.\(tasks[task].name)", count: own, inputs: taskInputs[task], units: units, initialization: architecture.initialization, random: &random)
            }
            sharedExperts = ExpertGroup(name: "level\(index).experts.shared", count: shared, inputs: sharedInputs, units: units, initialization: architecture.initialization, random: &random)
            taskGates = tasks.indices.map { task in
                Gate.make(name: "level\(index).gate.\(tasks[task].name)", inputs: taskInputs[task], experts: own + shared, random: &random)
            }
            taskMixtures = tasks.map { _ in ExpertMixture(expertWidth: units, gateWidth: own + shared) }
            let everyExpert = tasks.count * own + shared
            sharedGate = isLast ? nil : Gate.make(name: "level\(index).gate.shared", inputs: sharedInputs, experts: everyExpert, random: &random)
            sharedMixture = isLast ? nil : ExpertMixture(expertWidth: units, gateWidth: everyExpert)
            taskInputGradients = taskInputs.map { Tensor(rows: 0, cols: $0) }
            sharedInputGradient = Tensor(rows: 0, cols: sharedInputs)
        }

        var parameters: [Parameter] {
            taskExperts.flatMap(\.parameters) + sharedExperts.parameters + taskGates.flatMap(\.parameters)
                + (sharedGate?.parameters ?? [])
        }
    }

    public let architecture: ModelArchitecture
    let encoder: FeatureEncoder
    let crossing: FeatureCrossing?
    let levels: [Level]
    let towers: [Sequential]
    private let inputGradient: Tensor
    private(set) var statistics: GateStatistics

    public init(_ architecture: ModelArchitecture) {
        precondition(architecture.levels >= 1, "PLE needs at least one level")
        self.architecture = architecture
        var random = RandomSource(seed: architecture.seed)
        encoder = FeatureEncoder(schema: architecture.features, namePrefix: "", isShared: true, random: &random)
        crossing = FeatureCrossing.make(for: architecture, random: &random)
        let inputs = architecture.sharedInputWidth, units = architecture.expertUnits
        levels = (0..<architecture.levels).map { index in
            let width = index == 0 ? inputs : units
            return Level(index: index, architecture: architecture, taskInputs: architecture.tasks.map { _ in width },
                         sharedInputs: width, isLast: index == architecture.levels - 1, random: &random)
        }
        towers = architecture.tasks.map { task in
            Perceptron.make(name: "tower.\(task.name)", inputs: units, hidden: architecture.towerUnits, output: true,
                            architecture: architecture, isShared: false, random: &random)
        }
        inputGradient = Tensor(rows: 0, cols: inputs)
        statistics = GateStatistics(tasks: architecture.tasks.count, experts: architecture.taskExperts + architecture.experts)
        let first = levels[0], fixed = !architecture.features.hasEmbeddings && crossing == nil
        (first.taskExperts.map(\.network) + [first.sharedExperts.network] + first.taskGates + (first.sharedGate.map { [$0] } ?? []))
            .forEach { $0.readsFixedInput(fixed) }
    }

    public var parameters: [Parameter] { encoder.parameters + crossing.parameters + levels.flatMap(\.parameters) + towers.flatMap(\.parameters) }

    public func forward(_ batch: Batch, training: Bool) -> [Tensor] {
        let input = crossing.forward(encoder.forward(batch), training: training)
        var taskInputs = architecture.tasks.map { _ in input }
        var sharedInput = input
        for (index, level) in levels.enumerated() {
            let own = zip(level.taskExperts, taskInputs).map { $0.forward($1, training: training) }
            let shared = level.sharedExperts.forward(sharedInput, training: training)
            let taskOutputs = taskInputs.indices.map { task in
                let weights = level.taskGates[task].forward(taskInputs[task], training: training)
                if !training, index == levels.count - 1 { statistics.add(task: task, gates: weights) }
                return level.taskMixtures[task].forward(experts: [own[task], shared], gates: weights)
            }
            if let gate = level.sharedGate, let mixture = level.sharedMixture {
                sharedInput = mixture.forward(experts: own + [shared], gates: gate.forward(sharedInput, training: training))
            }
            taskInputs = taskOutputs
        }
        return towers.indices.map { towers[$0].forward(taskInputs[$0], training: training) }
    }

    public func backward(_ gradients: [Tensor]) {
        let rows = gradients[0].rows
        var taskGradients = towers.indices.map { towers[$0].backward(gradients[$0]) }
        var sharedGradient: Tensor?
        for level in levels.reversed() {
            for tensor in level.taskInputGradients + [level.sharedInputGradient] {
                tensor.resize(rows: rows)
                tensor.zero()
            }
            let ownGradients = level.taskExperts.map(\.gradient)
            for task in level.taskGates.indices {
                let gateGradient = level.taskMixtures[task].backward(
                    taskGradients[task], addingInto: [ownGradients[task], level.sharedExperts.gradient])
                TensorMath.add(level.taskGates[task].backward(gateGradient), into: level.taskInputGradients[task])
            }
            if let gate = level.sharedGate, let mixture = level.sharedMixture, let sharedGradient {
                let gateGradient = mixture.backward(sharedGradient, addingInto: ownGradients + [level.sharedExperts.gradient])
                TensorMath.add(gate.backward(gateGradient), into: level.sharedInputGradient)
            }
            for (task, experts) in level.taskExperts.enumerated() {
                TensorMath.add(experts.backward(), into: level.taskInputGradients[task])
            }
            TensorMath.add(level.sharedExperts.backward(), into: level.sharedInputGradient)
            taskGradients = level.taskInputGradients
            sharedGradient = level.sharedInputGradient
        }
        // On the first level every task and the shared experts read the same input.
        inputGradient.resize(rows: rows)
        inputGradient.zero()
        for gradient in taskGradients { TensorMath.add(gradient, into: inputGradient) }
        if let sharedGradient { TensorMath.add(sharedGradient, into: inputGradient) }
        encoder.backward(crossing.backward(inputGradient))
    }

    /// Each task's gate weights on the last level: its own experts first, then the shared ones.
    public var gateWeights: [[Float]]? { statistics.averages }
    public func resetGateStatistics() { statistics.reset() }
    public func addGateStatistics(from other: any MultiTaskModel) {
        if let other = other as? PLEModel { statistics.add(other.statistics) }
    }
}
