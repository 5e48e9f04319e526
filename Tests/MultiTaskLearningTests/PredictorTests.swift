import Foundation
import Synchronization
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
        // Other tests predict at the same time: read the count only while none of them holds it at one.
        let before = BLAS.outsideOneThreadSections { BLAS.threads }
        _ = Predictor.predict(model, on: data, minimumPartRows: 100, workers: 2)
        #expect(BLAS.outsideOneThreadSections { BLAS.threads } == before)
    }

    @Test func overlappingOneThreadSectionsRestoreTheCountWhenTheLastEnds() {
        BLAS.outsideOneThreadSections {}
        let outside = BLAS.outsideOneThreadSections { BLAS.threads }
        let inner = DispatchSemaphore(value: 0), outerDone = DispatchSemaphore(value: 0)
        let seen = Mutex<[Int]>([])
        DispatchQueue.global().async {
            BLAS.withOneThread {
                inner.signal()          // the second section opens while this one is open
                outerDone.wait()
                seen.withLock { $0.append(BLAS.threads) }
            }
        }
        inner.wait()
        BLAS.withOneThread {
            seen.withLock { $0.append(BLAS.threads) }
        }
        outerDone.signal()
        #expect(BLAS.outsideOneThreadSections { BLAS.threads } == outside)
        #expect(seen.withLock { $0 } == [1, 1], "the first section to end must not restore the count under the other")
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
