/// Shared hidden layers, then one tower per task (Caruana 1997).
public final class SharedBottomModel: MultiTaskModel {
    public let architecture: ModelArchitecture
    let encoder: FeatureEncoder
    let crossing: FeatureCrossing?
    let bottom: Sequential
    let towers: [Sequential]
    private let bottomGradient: Tensor

    public init(_ architecture: ModelArchitecture) {
        self.architecture = architecture
        var random = RandomSource(seed: architecture.seed)
        encoder = FeatureEncoder(schema: architecture.features, namePrefix: "", isShared: true, random: &random)
        crossing = FeatureCrossing.make(for: architecture, random: &random)
        let inputs = architecture.sharedInputWidth
        bottom = Perceptron.make(name: "bottom", inputs: inputs, hidden: architecture.bottomUnits, output: false,
                                 architecture: architecture, isShared: true, random: &random)
        let width = Perceptron.outputWidth(inputs: inputs, hidden: architecture.bottomUnits)
        towers = architecture.tasks.map { task in
            Perceptron.make(name: "tower.\(task.name)", inputs: width, hidden: architecture.towerUnits, output: true,
                            architecture: architecture, isShared: false, random: &random)
        }
        bottomGradient = Tensor(rows: 0, cols: width)
        let fixed = !architecture.features.hasEmbeddings && crossing == nil
        if architecture.bottomUnits.isEmpty { towers.forEach { $0.readsFixedInput(fixed) } } else { bottom.readsFixedInput(fixed) }
    }

    public var parameters: [Parameter] { encoder.parameters + crossing.parameters + bottom.parameters + towers.flatMap(\.parameters) }

    public func forward(_ batch: Batch, training: Bool) -> [Tensor] {
        let shared = bottom.forward(crossing.forward(encoder.forward(batch), training: training), training: training)
        return towers.map { $0.forward(shared, training: training) }
    }

    public func backward(_ gradients: [Tensor]) {
        bottomGradient.resize(rows: gradients[0].rows)
        bottomGradient.zero()
        for (tower, gradient) in zip(towers, gradients) { TensorMath.add(tower.backward(gradient), into: bottomGradient) }
        encoder.backward(crossing.backward(bottom.backward(bottomGradient)))
    }
}

/// One independent network per task: the baseline multi-task models are
/// compared with. Nothing is shared, so the L2 term on shared parameters is zero.
public final class SingleTaskModel: MultiTaskModel {
    public let architecture: ModelArchitecture
    let encoders: [FeatureEncoder]
    let networks: [Sequential]

    public init(_ architecture: ModelArchitecture) {
        self.architecture = architecture
        var random = RandomSource(seed: architecture.seed)
        var encoders: [FeatureEncoder] = []
        var networks: [Sequential] = []
        for task in architecture.tasks {
            encoders.append(FeatureEncoder(schema: architecture.features, namePrefix: "\(task.name).", isShared: false, random: &random))
            networks.append(Perceptron.make(name: "net.\(task.name)", inputs: architecture.features.inputWidth,
                                            hidden: architecture.bottomUnits + architecture.towerUnits, output: true,
                                            architecture: architecture, isShared: false, random: &random))
        }
        self.encoders = encoders
        self.networks = networks
        networks.forEach { $0.readsFixedInput(!architecture.features.hasEmbeddings) }
    }

    public var parameters: [Parameter] { zip(encoders, networks).flatMap { $0.parameters + $1.parameters } }

    public func forward(_ batch: Batch, training: Bool) -> [Tensor] {
        zip(encoders, networks).map { $1.forward($0.forward(batch), training: training) }
    }

    public func backward(_ gradients: [Tensor]) {
        for ((encoder, network), gradient) in zip(zip(encoders, networks), gradients) {
            encoder.backward(network.backward(gradient))
        }
    }
}
