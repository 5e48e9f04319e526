/// A trained model as an ONNX file that computes what `Predictor` does:
/// inputs `categorical` (int64 codes, one column per categorical feature,
/// each within its vocabulary), `tokens` (int64 hashed token ids of the text
/// features, each text's slots side by side, 0 for an empty slot) and
/// `numeric` (float32, transformed as the fitted transform does), a batch of
/// any size; one output per task, named
/// after it, [batch, 1]: a probability for binary tasks, the value for
/// regression. Every architecture, with cross layers and the FM term.
public enum ONNXExport {
    public struct Unsupported: Error, CustomStringConvertible {
        public var description: String
    }

    public static func model(_ model: any MultiTaskModel, producerVersion: String) throws -> [UInt8] {
        let architecture = model.architecture, schema = architecture.features
        let graph = ONNXGraph()
        let inputs = Inputs(graph: graph, schema: schema)
        let logits: [String]
        switch model {
        case let model as SharedBottomModel:
            let shared = try graph.sequential(model.bottom, graph.crossing(model.crossing, inputs.encoded(model.encoder)))
            logits = try model.towers.map { try graph.sequential($0, shared) }
        case let model as MMoEModel:
            let input = graph.crossing(model.crossing, inputs.encoded(model.encoder))
            let experts = try graph.sequential(model.experts.network, input)
            logits = try model.towers.indices.map { task in
                let weights = try graph.sequential(model.gates[task], input)
                let mixed = graph.mixture([(experts, model.experts.count)], weights: weights, units: architecture.expertUnits)
                return try graph.sequential(model.towers[task], mixed)
            }
        case let model as PLEModel:
            let input = graph.crossing(model.crossing, inputs.encoded(model.encoder))
            var taskInputs = architecture.tasks.map { _ in input }, sharedInput = input
            let units = architecture.expertUnits
            for level in model.levels {
                let own = try zip(level.taskExperts, taskInputs).map { try graph.sequential($0.network, $1) }
                let shared = try graph.sequential(level.sharedExperts.network, sharedInput)
                let outputs = try taskInputs.indices.map { task in
                    let weights = try graph.sequential(level.taskGates[task], taskInputs[task])
                    return graph.mixture([(own[task], level.taskExperts[task].count), (shared, level.sharedExperts.count)],
                                         weights: weights, units: units)
                }
                if let gate = level.sharedGate {
                    let weights = try graph.sequential(gate, sharedInput)
                    sharedInput = graph.mixture(zip(own, level.taskExperts).map { ($0, $1.count) } + [(shared, level.sharedExperts.count)],
                                                weights: weights, units: units)
                }
                taskInputs = outputs
            }
            logits = try model.towers.indices.map { try graph.sequential(model.towers[$0], taskInputs[$0]) }
        case let model as ESMMModel:
            let input = inputs.encoded(model.encoder).row
            logits = try model.towers.map { try graph.sequential($0, input) }
        case let model as SingleTaskModel:
            logits = try zip(model.encoders, model.networks).map { try graph.sequential($1, inputs.encoded($0).row) }
        default:
            throw Unsupported(description: "no ONNX export for \(architecture.kind.rawValue) models")
        }
        for (task, logit) in zip(architecture.tasks, logits) {
            graph.node(task.type == .binary ? "Sigmoid" : "Identity", [logit], name: task.name)
        }
        var ports: [ONNXGraph.Port] = []
        if !schema.categorical.isEmpty { ports.append(.init(name: "categorical", isInteger: true, width: schema.categorical.count)) }
        if !schema.text.isEmpty { ports.append(.init(name: "tokens", isInteger: true, width: schema.tokenWidth)) }
        if schema.numericCount > 0 { ports.append(.init(name: "numeric", isInteger: false, width: schema.numericCount)) }
        return graph.serialized(inputs: ports, outputs: architecture.tasks.map { .init(name: $0.name, isInteger: false, width: 1) },
                                producerVersion: producerVersion)
    }

    /// The graph's inputs, and the encoded row (embeddings, then numeric features) built from them.
    private struct Inputs {
        let graph: ONNXGraph
        let schema: FeatureSchema

        /// [batch, input width]: each categorical column's embedding, each text's bag, then the numeric columns.
        func encoded(_ encoder: FeatureEncoder) -> (row: String, embeddings: [String]) {
            let categorical = schema.categorical.indices.map { feature in
                let column = graph.node("Gather", ["categorical", graph.integers([Int64(feature)], dims: [], name: "column")], [.int("axis", 1)])
                return graph.node("Gather", [graph.parameter(encoder.tables[feature]), column], [.int("axis", 0)], name: "embedded")
            }
            var start = 0
            let bags = schema.text.enumerated().map { index, feature in
                defer { start += feature.slots }
                return bag(encoder.tables[schema.categorical.count + index], slots: start..<(start + feature.slots))
            }
            let embeddings = categorical + bags
            let parts = embeddings + (schema.numericCount > 0 ? ["numeric"] : [])
            let row = parts.count == 1 ? parts[0] : graph.node("Concat", parts, [.int("axis", 1)], name: "encoded")
            return (row, embeddings)
        }

        /// [batch, dimension]: the mean embedding of the non-empty slots (zeros when none), as FeatureEncoder.
        private func bag(_ table: Parameter, slots: Range<Int>) -> String {
            let one = graph.integers([1], dims: [1], name: "one")
            let ids = graph.node("Slice", ["tokens", graph.integers([Int64(slots.lowerBound)], dims: [1], name: "start"),
                                           graph.integers([Int64(slots.upperBound)], dims: [1], name: "end"), one], name: "slots")
            let vectors = graph.node("Gather", [graph.parameter(table), ids], [.int("axis", 0)], name: "token_embeddings")
            let present = graph.node("Greater", [ids, graph.integers([0], dims: [], name: "zero")])
            let mask = graph.node("Cast", [present], [.int("to", 1)], name: "mask")
            let masked = graph.node("Mul", [vectors, graph.node("Unsqueeze", [mask, graph.integers([2], dims: [1], name: "last")])])
            let sum = graph.node("ReduceSum", [masked, one], [.int("keepdims", 0)], name: "bag_sum")
            let count = graph.node("ReduceSum", [mask, one], [.int("keepdims", 1)], name: "bag_count")
            let divisor = graph.node("Max", [count, graph.floats([1], dims: [], name: "at_least_one")])
            return graph.node("Div", [sum, divisor], name: "bag")
        }
    }
}

extension ONNXGraph {
    /// A chain of layers; dropout is the identity at prediction time.
    func sequential(_ network: Sequential, _ input: String) throws -> String {
        var value = input
        for layer in network.layers {
            switch layer {
            case let dense as Dense:
                value = node("Gemm", [value, parameter(dense.weight), parameter(dense.bias)], name: "dense")
            case is ReLU: value = node("Relu", [value])
            case is Softmax: value = node("Softmax", [value], [.int("axis", 1)])
            case is Sigmoid: value = node("Sigmoid", [value])
            case is Dropout: continue
            default: throw ONNXExport.Unsupported(description: "no ONNX export for the layer \(type(of: layer))")
            }
        }
        return value
    }

    /// DCN-v2 cross layers x_{l+1} = x0 ⊙ (x_l W_l + b_l) + x_l, then the FM
    /// bi-interaction 0.5 ((Σ_f e_f)² − Σ_f e_f²) beside them; the input as it is without a crossing.
    func crossing(_ crossing: FeatureCrossing?, _ encoded: (row: String, embeddings: [String])) -> String {
        guard let crossing else { return encoded.row }
        var x = encoded.row
        for (weight, bias) in zip(crossing.weights, crossing.biases) {
            let product = node("Gemm", [x, parameter(weight), parameter(bias)], name: "cross")
            x = node("Add", [node("Mul", [encoded.row, product]), x], name: "crossed")
        }
        guard crossing.factorization, !encoded.embeddings.isEmpty else { return x }
        let axis = integers([1], dims: [1], name: "axis1")
        let stacked = node("Concat", encoded.embeddings.map { node("Unsqueeze", [$0, axis]) }, [.int("axis", 1)], name: "fields")
        let sum = node("ReduceSum", [stacked, axis], [.int("keepdims", 0)], name: "field_sum")
        let squares = node("ReduceSum", [node("Mul", [stacked, stacked]), axis], [.int("keepdims", 0)], name: "field_squares")
        let half = floats([0.5], dims: [], name: "half")
        let interaction = node("Mul", [half, node("Sub", [node("Mul", [sum, sum]), squares])], name: "bi_interaction")
        return node("Concat", [x, interaction], [.int("axis", 1)], name: "crossing")
    }

    /// Σ_e gate_e · expert_e over groups of experts laid side by side
    /// ([batch, count × units] each), as `ExpertMixture` mixes them.
    func mixture(_ groups: [(experts: String, count: Int)], weights: String, units: Int) -> String {
        let stacks = groups.map { group in
            node("Reshape", [group.experts, integers([-1, Int64(group.count), Int64(units)], dims: [3], name: "expert_shape")])
        }
        let experts = stacks.count == 1 ? stacks[0] : node("Concat", stacks, [.int("axis", 1)], name: "experts")
        let row = node("Unsqueeze", [weights, integers([1], dims: [1], name: "axis1")], name: "gate_row")
        return node("Reshape", [node("MatMul", [row, experts]), integers([-1, Int64(units)], dims: [2], name: "mixed_shape")], name: "mixed")
    }
}
