/// Multi-gate Mixture-of-Experts (Ma et al., KDD 2018): shared experts, one
/// softmax gate per task over the experts, computed from the input, and a
/// tower per task on its gate's mixture.
public final class MMoEModel: MultiTaskModel {
    public let architecture: ModelArchitecture
    let encoder: FeatureEncoder
    let crossing: FeatureCrossing?
    let experts: ExpertGroup
    let gates: [Sequential]
    let mixtures: [ExpertMixture]
    let towers: [Sequential]
    private let inputGradient: Tensor
    private(set) var statistics: GateStatistics

    public init(_ architecture: ModelArchitecture) {
        self.architecture = architecture
        var random = RandomSource(seed: architecture.seed)
        encoder = FeatureEncoder(schema: architecture.features, namePrefix: "", isShared: true, random: &random)
        crossing = FeatureCrossing.make(for: architecture, random: &random)
        let inputs = architecture.sharedInputWidth, units = architecture.expertUnits, count = architecture.experts
        experts = ExpertGroup(name: "experts", count: count, inputs: inputs, units: units, initialization: architecture.initialization, random: &random)
        gates = architecture.tasks.map { Gate.make(name: "gate.\($0.name)", inputs: inputs, experts: count, random: &random) }
        mixtures = architecture.tasks.map { _ in ExpertMixture(expertWidth: units, gateWidth: count) }
        towers = architecture.tasks.map { task in
            Perceptron.make(name: "tower.\(task.name)", inputs: units, hidden: architecture.towerUnits, output: true,
                            architecture: architecture, isShared: false, random: &random)
        }
        inputGradient = Tensor(rows: 0, cols: inputs)
        statistics = GateStatistics(tasks: architecture.tasks.count, experts: count)
        let fixed = !architecture.features.hasEmbeddings && crossing == nil
        ([experts.network] + gates).forEach { $0.readsFixedInput(fixed) }
    }

    public var parameters: [Parameter] {
        encoder.parameters + crossing.parameters + experts.parameters + gates.flatMap(\.parameters) + towers.flatMap(\.parameters)
    }

    public func forward(_ batch: Batch, training: Bool) -> [Tensor] {
        let input = crossing.forward(encoder.forward(batch), training: training)
        let expertOutputs = experts.forward(input, training: training)
        return gates.indices.map { task in
            let weights = gates[task].forward(input, training: training)
            if !training { statistics.add(task: task, gates: weights) }
            let mixed = mixtures[task].forward(experts: [expertOutputs], gates: weights)
            return towers[task].forward(mixed, training: training)
        }
    }

    public func backward(_ gradients: [Tensor]) {
        inputGradient.resize(rows: gradients[0].rows)
        inputGradient.zero()
        for task in gates.indices {
            let mixedGradient = towers[task].backward(gradients[task])
            let gateGradient = mixtures[task].backward(mixedGradient, addingInto: [experts.gradient])
            TensorMath.add(gates[task].backward(gateGradient), into: inputGradient)
        }
        TensorMath.add(experts.backward(), into: inputGradient)
        encoder.backward(crossing.backward(inputGradient))
    }

    public var gateWeights: [[Float]]? { statistics.averages }
    public func resetGateStatistics() { statistics.reset() }
    public func addGateStatistics(from other: any MultiTaskModel) {
        if let other = other as? MMoEModel { statistics.add(other.statistics) }
    }
}
