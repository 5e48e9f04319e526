/// Entire Space Multi-task Model (Ma et al., SIGIR 2018): a click (CTR) tower
/// and a conversion (CVR) tower over shared embeddings. Trained on all
/// impressions with pCTCVR = pCTR * pCVR against click-and-convert, so the
/// CVR tower never sees the biased click-only sample alone. The first task is
/// the click, the second the conversion; `JointLoss` applies the product.
public final class ESMMModel: MultiTaskModel {
    public let architecture: ModelArchitecture
    let encoder: FeatureEncoder
    let towers: [Sequential]
    private let inputGradient: Tensor

    public init(_ architecture: ModelArchitecture) {
        precondition(architecture.tasks.count == 2 && architecture.tasks.allSatisfy { $0.type == .binary },
                     "ESMM predicts two binary tasks: click, then conversion")
        self.architecture = architecture
        var random = RandomSource(seed: architecture.seed)
        encoder = FeatureEncoder(schema: architecture.features, namePrefix: "", isShared: true, random: &random)
        towers = architecture.tasks.map { task in
            Perceptron.make(name: "tower.\(task.name)", inputs: architecture.features.inputWidth,
                            hidden: architecture.bottomUnits + architecture.towerUnits, output: true,
                            architecture: architecture, isShared: false, random: &random)
        }
        inputGradient = Tensor(rows: 0, cols: architecture.features.inputWidth)
        towers.forEach { $0.readsFixedInput(!architecture.features.hasEmbeddings) }
    }

    public var parameters: [Parameter] { encoder.parameters + towers.flatMap(\.parameters) }

    public func forward(_ batch: Batch, training: Bool) -> [Tensor] {
        let input = encoder.forward(batch)
        return towers.map { $0.forward(input, training: training) }
    }

    public func backward(_ gradients: [Tensor]) {
        inputGradient.resize(rows: gradients[0].rows)
        inputGradient.zero()
        for (tower, gradient) in zip(towers, gradients) { TensorMath.add(tower.backward(gradient), into: inputGradient) }
        encoder.backward(inputGradient)
    }
}
