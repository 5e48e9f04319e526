import Foundation
import Testing
@testable import MultiTaskLearning

/// Every architecture, end to end through the joint loss (with L2 and, in a
/// second case, uncertainty weighting), against finite differences.
@Suite("Model gradients against finite differences")
struct ModelGradientTests {
    static let schema = FeatureSchema(numericNames: ["n0", "n1", "n2"],
                                      categorical: [CategoricalFeature(name: "user", cardinality: 5),
                                                    CategoricalFeature(name: "item", cardinality: 4)],
                                      embeddingDimension: 2)

    func architecture(_ kind: ModelKind) -> ModelArchitecture {
        let tasks = kind == .esmm
            ? [TaskSpec(name: "click", type: .binary), TaskSpec(name: "conversion", type: .binary)]
            : [TaskSpec(name: "click", type: .binary), TaskSpec(name: "conversion", type: .binary), TaskSpec(name: "rating", type: .regression)]
        return ModelArchitecture(kind: kind, features: Self.schema, tasks: tasks, bottomUnits: [6], towerUnits: [4],
                                 experts: 2, taskExperts: 2, expertUnits: 5, levels: 2, initialization: .he, seed: 3)
    }

    func lossSpecification(_ kind: ModelKind, weighting: LossWeighting) -> LossSpecification {
        var tasks = [TaskLoss(task: "click", kind: .binaryCrossEntropy, weight: 0.8),
                     TaskLoss(task: "conversion", kind: .binaryCrossEntropy, weight: 0.5)]
        if kind != .esmm { tasks.append(TaskLoss(task: "rating", kind: .meanSquaredError, weight: 0.2)) }
        return LossSpecification(tasks: tasks, weighting: weighting, lambda: 0.01, conversionThroughClick: kind == .esmm)
    }

    func batch(tasks: Int, tokenWidth: Int = 0) -> Batch {
        var random = RandomSource(seed: 21)
        let batch = Batch(rows: 6, numericCount: 3, categoricalCount: 2, tokenWidth: tokenWidth, taskCount: tasks)
        GradientCheck.fill(batch.numeric, random: &random)
        batch.categorical = [0, 1, 3, 2, 4, 1, 0, 3, 2, 0, 4, 2]
        // Text tokens (ids 1...6, 0 empty): repeated tokens, a row without text, a full row.
        let rows: [[Int32]] = [[1, 2, 0, 0], [3, 3, 5, 0], [0, 0, 0, 0], [6, 1, 2, 4], [2, 0, 0, 0], [5, 6, 0, 0]]
        if tokenWidth == 4 { batch.tokens = rows.flatMap { $0 } }
        for row in 0..<6 {
            batch.labels[0].data[row] = random.uniform() < 0.4 ? 1 : 0
            batch.labels[1].data[row] = random.uniform() < 0.4 ? 1 : 0
            if tasks > 2 {
                batch.labels[2].data[row] = random.uniform() * 4 + 1
                batch.masks[2].data[row] = row % 3 == 0 ? 0 : 1
            }
        }
        return batch
    }

    @Test(arguments: ModelKind.allCases, [LossWeighting.fixed, .uncertainty])
    func gradientsOfTheJointLoss(kind: ModelKind, weighting: LossWeighting) {
        checkGradients(architecture(kind), weighting: weighting)
    }

    @Test(arguments: [ModelKind.sharedBottom, .mmoe, .ple], [(2, true), (1, false), (0, true)])
    func gradientsWithFeatureCrosses(kind: ModelKind, crossing: (layers: Int, factorization: Bool)) {
        var crossed = architecture(kind)
        crossed.crossLayerCount = crossing.layers
        crossed.factorizationMachine = crossing.factorization
        // Biases away from zero: a row whose experts are all inactive would put
        // every tower unit exactly at ReLU's kink, where differences mean nothing.
        checkGradients(crossed, weighting: .fixed, randomBiases: true)
    }

    /// A text feature's embedding bag inside each model, with the feature crosses (the FM term counts it as a field).
    @Test(arguments: [ModelKind.sharedBottom, .mmoe, .ple, .esmm])
    func gradientsWithATextFeature(kind: ModelKind) {
        var withText = architecture(kind)
        withText.features.text = [TextFeature(name: "title", buckets: 6, slots: 4)]
        if kind != .esmm {
            withText.crossLayerCount = 1
            withText.factorizationMachine = true
        }
        checkGradients(withText, weighting: .fixed, randomBiases: true)
    }

    func checkGradients(_ architecture: ModelArchitecture, weighting: LossWeighting, randomBiases: Bool = false) {
        let kind = architecture.kind
        let model = ModelFactory.make(architecture)
        var random = RandomSource(seed: 11)
        for parameter in model.parameters where randomBiases && parameter.name.hasSuffix(".bias") {
            GradientCheck.fill(parameter.value, random: &random, scale: 0.2)
        }
        let loss = JointLoss(lossSpecification(kind, weighting: weighting))
        let batch = batch(tasks: model.architecture.tasks.count, tokenWidth: architecture.features.tokenWidth)
        if let variances = loss.logVariances {
            for task in 0..<variances.value.cols { variances.value.data[task] = 0.1 * Float(task + 1) }
        }
        let parameters = model.parameters + (loss.logVariances.map { [$0] } ?? [])

        for parameter in parameters { parameter.zeroGradient() }
        let outputs = model.forward(batch, training: true)
        _ = loss.evaluate(outputs, batch: batch)
        loss.accumulateGradients()
        model.backward(loss.outputGradients)
        _ = loss.regularization(model.parameters, addGradient: true)

        func objective() -> Double {
            let breakdown = loss.evaluate(model.forward(batch, training: true), batch: batch)
            return breakdown.weighted + loss.regularization(model.parameters, addGradient: false)
        }
        for parameter in parameters {
            var indices: [Int] = []
            parameter.forEachActiveSpan { start, length in indices += Array(start..<(start + length)) }
            #expect(!indices.isEmpty)
            GradientCheck.compare(name: "\(kind.rawValue) \(parameter.name)", values: parameter.value.data,
                                  analytic: parameter.gradient.data, indices: indices, samples: 8, objective: objective)
        }
    }

    @Test func expertsStartDifferent() {
        let model = MMoEModel(architecture(.mmoe))
        let weight = (model.experts.network.layers[0] as! Dense).weight.value
        let units = 5
        for row in 0..<weight.rows {
            let first = (0..<units).map { weight[row, $0] }, second = (0..<units).map { weight[row, units + $0] }
            #expect(first != second)
        }
    }

    @Test func gateWeightsAreAveragedPerTaskAtInference() throws {
        let model = MMoEModel(architecture(.mmoe))
        _ = model.forward(batch(tasks: 3), training: true)
        #expect(model.gateWeights == [[0, 0], [0, 0], [0, 0]], "training passes are not counted")
        _ = model.forward(batch(tasks: 3), training: false)
        let weights = try #require(model.gateWeights)
        #expect(weights.count == 3)
        for task in weights { #expect(abs(task.reduce(0, +) - 1) < 1e-5, "a gate's weights sum to 1") }
        model.resetGateStatistics()
        #expect(model.gateWeights == [[0, 0], [0, 0], [0, 0]])
    }
}

@Suite("Models on numeric features only")
struct NumericOnlyModelTests {
    /// With no embeddings, the layers reading the input skip its gradient;
    /// every parameter gradient must still match finite differences.
    @Test(arguments: ModelKind.allCases)
    func parameterGradientsWithoutEmbeddings(kind: ModelKind) {
        var architecture = ModelGradientTests().architecture(kind)
        architecture.features = FeatureSchema(numericNames: ["a", "b", "c", "d"])
        let model = ModelFactory.make(architecture)
        let loss = JointLoss(ModelGradientTests().lossSpecification(kind, weighting: .fixed))
        let batch = Batch(rows: 6, numericCount: 4, categoricalCount: 0, taskCount: architecture.tasks.count)
        var random = RandomSource(seed: 5)
        GradientCheck.fill(batch.numeric, random: &random)
        for task in 0..<architecture.tasks.count {
            for row in 0..<6 { batch.labels[task].data[row] = random.uniform() < 0.5 ? 1 : 0 }
        }
        model.zeroGradients()
        _ = loss.evaluate(model.forward(batch, training: true), batch: batch)
        model.backward(loss.outputGradients)
        _ = loss.regularization(model.parameters, addGradient: true)
        func objective() -> Double {
            loss.evaluate(model.forward(batch, training: true), batch: batch).weighted + loss.regularization(model.parameters, addGradient: false)
        }
        for parameter in model.parameters {
            GradientCheck.compare(name: "\(kind.rawValue) \(parameter.name)", values: parameter.value.data, analytic: parameter.gradient.data,
                                  indices: Array(0..<parameter.value.count), samples: 6, objective: objective)
        }
    }
}

@Suite("Two-tower retrieval model against finite differences")
struct TwoTowerGradientTests {
    @Test func inBatchSoftmaxGradientsOfBothTowers() {
        let userSchema = FeatureSchema(numericNames: ["age"], categorical: [CategoricalFeature(name: "user", cardinality: 4)], embeddingDimension: 3)
        let itemSchema = FeatureSchema(numericNames: ["price", "length"], categorical: [CategoricalFeature(name: "item", cardinality: 5),
                                                                                       CategoricalFeature(name: "genre", cardinality: 3)],
                                       embeddingDimension: 3)
        let model = TwoTowerModel(userSchema: userSchema, itemSchema: itemSchema, hidden: [5], dimension: 4, seed: 2)
        var random = RandomSource(seed: 8)
        let users = Batch(rows: 4, numericCount: 1, categoricalCount: 1, taskCount: 0)
        let items = Batch(rows: 4, numericCount: 2, categoricalCount: 2, taskCount: 0)
        GradientCheck.fill(users.numeric, random: &random)
        GradientCheck.fill(items.numeric, random: &random)
        users.categorical = [0, 1, 2, 1]
        items.categorical = [0, 2, 3, 1, 4, 0, 2, 2]
        let logProbability: [Float] = [-1.2, -0.4, -2.0, -0.9]
        for parameter in model.parameters where parameter.name.hasSuffix(".bias") { GradientCheck.fill(parameter.value, random: &random, scale: 0.2) }
        for parameter in model.parameters { parameter.zeroGradient() }
        model.loss(users: users, items: items, logProbability: logProbability, accumulate: true)
        func objective() -> Double { model.loss(users: users, items: items, logProbability: logProbability, accumulate: false) }
        for parameter in model.parameters {
            var indices: [Int] = []
            parameter.forEachActiveSpan { start, length in indices += Array(start..<(start + length)) }
            #expect(!indices.isEmpty, "\(parameter.name) got no gradient")
            GradientCheck.compare(name: "two-tower \(parameter.name)", values: parameter.value.data, analytic: parameter.gradient.data,
                                  indices: indices, samples: 8, objective: objective)
        }
    }

    @Test func theLossIsTheSoftmaxOfTheCorrectedDotProducts() {
        // No hidden layer, one numeric feature each and no embeddings: vectors are w * x + b, easy to follow.
        let schema = FeatureSchema(numericNames: ["x"])
        let model = TwoTowerModel(userSchema: schema, itemSchema: schema, hidden: [], dimension: 1, seed: 1)
        for tower in [model.userTower, model.itemTower] {
            let dense = tower.layers[0] as! Dense
            dense.weight.value.data[0] = 1
            dense.bias.value.data[0] = 0
        }
        let users = Batch(rows: 2, numericCount: 1, categoricalCount: 0, taskCount: 0)
        let items = Batch(rows: 2, numericCount: 1, categoricalCount: 0, taskCount: 0)
        users.numeric.assign([1, 2])
        items.numeric.assign([3, -1])
        let logProbability: [Float] = [0.5, -0.5]
        // Logits: [[3 - 0.5, -1 + 0.5], [6 - 0.5, -2 + 0.5]] = [[2.5, -0.5], [5.5, -1.5]].
        let expected = (-(2.5 - log(exp(2.5) + exp(-0.5))) - (-1.5 - log(exp(5.5) + exp(-1.5)))) / 2
        #expect(abs(model.loss(users: users, items: items, logProbability: logProbability, accumulate: false) - expected) < 1e-5)
    }
}
