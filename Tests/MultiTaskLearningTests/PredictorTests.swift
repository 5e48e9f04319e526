import Testing
@testable import MultiTaskLearning

@Suite("Prediction")
struct PredictorTests {
    /// A model of `kind` after one epoch on the synthetic data, and that data.
    func trainedModel(_ kind: ModelKind) throws -> (any MultiTaskModel, Dataset) {
        var architecture = architecture(kind)
        var data = syntheticData(rows: 1_000, seed: 21)
        var losses = specification
        if kind == .esmm {
            architecture.tasks = Array(architecture.tasks.prefix(2))
            data = Dataset(schema: data.schema, taskNames: ["click", "conversion"], numeric: data.numeric,
                           categorical: data.categorical, labels: Array(data.labels.prefix(2)), users: data.users)
            losses = LossSpecification(tasks: Array(losses.tasks.prefix(2)), conversionThroughClick: true)
        }
        let model = ModelFactory.make(architecture)
        _ = try Trainer(model: model, loss: JointLoss(losses),
                        options: TrainingOptions(epochs: 1, batchSize: 50, optimizer: OptimizerSettings(kind: .adam, learningRate: 0.01)))
            .train(data, validation: nil)
        return (model, data)
    }

    @Test(arguments: ModelKind.allCases)
    func scoringInParallelPartsMatchesOnePass(kind: ModelKind) throws {
        let (model, data) = try trainedModel(kind)
        model.resetGateStatistics()
        let serial = Predictor.predict(model, on: data, batchSize: 128, workers: 1)
        let serialGates = model.gateWeights
        model.resetGateStatistics()
        let parallel = Predictor.predict(model, on: data, batchSize: 64, minimumPartRows: 100, workers: 3)
        #expect(parallel.count == serial.count)
        for (ours, expected) in zip(parallel, serial) {
            #expect(ours.count == data.count)
            #expect(zip(ours, expected).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
        }
        // Every part's gate statistics reach the model: averages over all rows, as in one pass.
        if let serialGates, let parallelGates = model.gateWeights {
            for (ours, expected) in zip(parallelGates, serialGates) {
                #expect(zip(ours, expected).allSatisfy { abs($0 - $1) <= 1e-5 })
            }
        }
    }

    @Test func parallelScoringLeavesTheBLASThreadCountAsItWas() throws {
        let (model, data) = try trainedModel(.mmoe)
        let before = BLAS.threads
        _ = Predictor.predict(model, on: data, minimumPartRows: 100, workers: 2)
        #expect(BLAS.threads == before)
    }

    @Test func aReplicaHasTheSameWeightsButItsOwnStorage() throws {
        let (model, _) = try trainedModel(.ple)
        let replica = model.inferenceReplica()
        for (copy, original) in zip(replica.parameters, model.parameters) {
            #expect(copy.name == original.name)
            #expect(copy.value.array == original.value.array)
            #expect(copy.value !== original.value)
        }
    }
}
