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

    /// A one-thread section stops OpenBLAS's workers unless a multi-threaded
    /// call is running; products before, during and after, on two threads
    /// and on one, all give the naive product.
    @Test func productsStayRightWhileSectionsStopOpenBLASsWorkers() {
        let product = NaiveProduct(m: 96, k: 80, n: 112)
        let wrong = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for round in 0..<25 {
                let right = worker % 2 == 0 ? BLAS.withOneThread { product.isRight() } : product.isRight()
                let alsoOutside = round % 5 != 0 || BLAS.outsideOneThreadSections { product.isRight() }
                if !right || !alsoOutside { wrong.withLock { $0 += 1 } }
            }
        }
        #expect(wrong.withLock { $0 } == 0)
        #expect(product.isRight())
    }

    /// `mtrec` stops OpenBLAS's idle workers when it starts; products after
    /// that, on the usual thread count and from several threads at once, are still right.
    @Test func productsStayRightAfterTheIdleWorkersAreStopped() {
        let product = NaiveProduct(m: 512, k: 128, n: 256)  // big enough for OpenBLAS to use its workers
        let wrong = Mutex(0)
        for _ in 0..<5 {
            BLAS.stopIdleWorkers()
            #expect(product.isRight())
            DispatchQueue.concurrentPerform(iterations: 3) { _ in
                BLAS.stopIdleWorkers()
                if !product.isRight() { wrong.withLock { $0 += 1 } }
            }
        }
        #expect(wrong.withLock { $0 } == 0)
    }

    /// Inputs, read-only once made, and their product computed by loops.
    struct NaiveProduct: @unchecked Sendable {
        let a: Tensor, b: Tensor
        let expected: [Float]

        init(m: Int, k: Int, n: Int) {
            a = Tensor(rows: m, cols: k)
            b = Tensor(rows: k, cols: n)
            for index in 0..<a.count { a.data[index] = Float(index % 7) - 3 }
            for index in 0..<b.count { b.data[index] = Float(index % 5) * 0.5 - 1 }
            var expected = [Float](repeating: 0, count: m * n)
            for row in 0..<m {
                for column in 0..<n {
                    var sum: Float = 0
                    for inner in 0..<k { sum += a.data[row * k + inner] * b.data[inner * n + column] }
                    expected[row * n + column] = sum
                }
            }
            self.expected = expected
        }

        /// sgemm (on however many threads OpenBLAS has now) gives the loops' product exactly (small integers and halves).
        func isRight() -> Bool {
            let c = Tensor(rows: a.rows, cols: b.cols)
            BLAS.gemm(a, b, into: c)
            return (0..<c.count).allSatisfy { c.data[$0] == expected[$0] }
        }
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
