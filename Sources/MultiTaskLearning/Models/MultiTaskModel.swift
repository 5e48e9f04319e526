/// A network that predicts every task at once. `forward` returns one
/// [rows x 1] tensor per task: a logit for binary tasks, a value for
/// regression; `backward` takes the loss gradient for each of them.
public protocol MultiTaskModel: AnyObject {
    var architecture: ModelArchitecture { get }
    var parameters: [Parameter] { get }
    func forward(_ batch: Batch, training: Bool) -> [Tensor]
    func backward(_ gradients: [Tensor])
    /// Per task, the average weight its gate gave each expert since the last
    /// reset; nil for models without gates.
    var gateWeights: [[Float]]? { get }
    func resetGateStatistics()
    /// Adds the gate statistics `other` (a copy of this model) gathered.
    func addGateStatistics(from other: any MultiTaskModel)
}

extension MultiTaskModel {
    public var gateWeights: [[Float]]? { nil }
    public func resetGateStatistics() {}
    public func addGateStatistics(from other: any MultiTaskModel) {}

    /// A second model with the same architecture and weights, whose layers
    /// keep their own buffers: it can run forward on another thread.
    public func inferenceReplica() -> any MultiTaskModel {
        let replica = ModelFactory.make(architecture)
        for (copy, original) in zip(replica.parameters, parameters) { copy.value.copy(from: original.value) }
        return replica
    }

    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }
}

/// Builds any architecture.
public enum ModelFactory {
    public static func make(_ architecture: ModelArchitecture) -> any MultiTaskModel {
        switch architecture.kind {
        case .singleTask: SingleTaskModel(architecture)
        case .sharedBottom: SharedBottomModel(architecture)
        case .mmoe: MMoEModel(architecture)
        case .ple: PLEModel(architecture)
        case .esmm: ESMMModel(architecture)
        }
    }
}

/// Hidden Dense + ReLU (+ Dropout) layers, optionally ending in a one-unit output.
enum Perceptron {
    static func make(name: String, inputs: Int, hidden: [Int], output: Bool, architecture: ModelArchitecture, isShared: Bool,
                     random: inout RandomSource) -> Sequential {
        let dropout = architecture.dropout
        var layers: [any Layer] = []
        var width = inputs
        for (index, units) in hidden.enumerated() {
            layers.append(Dense(name: "\(name).\(index)", inputs: width, outputs: units, initialization: architecture.initialization, isShared: isShared, random: &random))
            layers.append(ReLU(width: units))
            if dropout > 0 { layers.append(Dropout(width: units, rate: dropout, seed: random.next())) }
            width = units
        }
        if output {
            layers.append(Dense(name: "\(name).out", inputs: width, outputs: 1, initialization: .xavier, isShared: isShared, random: &random))
        }
        return Sequential(layers)
    }

    static func outputWidth(inputs: Int, hidden: [Int]) -> Int { hidden.last ?? inputs }
}

extension FeatureCrossing {
    /// The crossing an architecture asks for, or nil (drawing no random numbers,
    /// so models without one start as they always did).
    static func make(for architecture: ModelArchitecture, random: inout RandomSource) -> FeatureCrossing? {
        guard architecture.hasFeatureCrossing else { return nil }
        let crossing = FeatureCrossing(schema: architecture.features, layers: architecture.crossLayers,
                                       factorization: architecture.usesFactorizationMachine, random: &random)
        crossing.computesInputGradient = architecture.features.hasEmbeddings
        return crossing
    }
}

/// A model's optional crossing: absent, the encoded input passes through.
extension Optional where Wrapped == FeatureCrossing {
    func forward(_ input: Tensor, training: Bool) -> Tensor { self?.forward(input, training: training) ?? input }
    func backward(_ gradient: Tensor) -> Tensor { self?.backward(gradient) ?? gradient }
    var parameters: [Parameter] { self?.parameters ?? [] }
}

extension Sequential {
    /// For networks that read the encoded input: with no embeddings to learn,
    /// nothing needs the gradient with respect to that input, so the first
    /// Dense layer skips that matrix product.
    func readsFixedInput(_ fixed: Bool) {
        (layers.first as? Dense)?.computesInputGradient = !fixed
    }
}
