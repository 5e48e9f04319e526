import Foundation
import Testing
@testable import MultiTaskLearning

@Suite("Losses and the joint loss")
struct JointLossTests {
    @Test func binaryCrossEntropyMatchesItsDefinitionAndStaysFinite() {
        #expect(abs(TaskLosses.binaryCrossEntropy(logit: 0, label: 1).loss - log(2)) < 1e-12)
        // -log(1 - sigmoid(2)) = 2 + log(1 + e^-2)
        #expect(abs(TaskLosses.binaryCrossEntropy(logit: 2, label: 0).loss - (2 + log(1 + exp(-2)))) < 1e-9)
        let far = TaskLosses.binaryCrossEntropy(logit: -100, label: 1)
        #expect(abs(far.loss - 100) < 1e-9 && far.gradient == -1)
        #expect(TaskLosses.binaryCrossEntropy(logit: 100, label: 1).loss < 1e-40)
    }

    @Test func squaredErrorAndHuber() {
        #expect(TaskLosses.squaredError(3, 1) == (4, 4))
        #expect(TaskLosses.huber(1.5, 1, delta: 1) == (0.125, 0.5))
        // Beyond delta: delta * (|e| - delta / 2) = 1 * (3 - 0.5)
        #expect(TaskLosses.huber(4, 1, delta: 1) == (2.5, 1))
    }

    @Test func productCrossEntropyMatchesTheDirectFormula() {
        for (a, b, y) in [(Float(0.3), Float(-0.7), Float(1)), (1.5, 2, 0), (-3, 0.2, 1)] {
            let p = 1 / (1 + exp(-Double(a))) / (1 + exp(-Double(b)))
            let direct = -(Double(y) * log(p) + (1 - Double(y)) * log(1 - p))
            #expect(abs(TaskLosses.productCrossEntropy(a, b, label: y).loss - direct) < 1e-6)
        }
        let extreme = TaskLosses.productCrossEntropy(40, 40, label: 0)
        #expect(extreme.loss.isFinite && extreme.gradientA.isFinite && extreme.gradientB.isFinite)
    }

    /// A batch of 8 rows with three tasks; the second is labelled on odd rows only.
    func batch() -> (Batch, [Tensor]) {
        var random = RandomSource(seed: 11)
        let batch = Batch(rows: 8, numericCount: 0, categoricalCount: 0, taskCount: 3)
        let outputs = (0..<3).map { _ in Tensor(rows: 8, cols: 1) }
        for row in 0..<8 {
            batch.labels[0].data[row] = random.uniform() < 0.5 ? 1 : 0
            batch.labels[1].data[row] = random.uniform() < 0.5 ? 1 : 0
            batch.labels[2].data[row] = random.uniform() * 4 + 1
            batch.masks[1].data[row] = row % 2 == 1 ? 1 : 0
            for output in outputs { output.data[row] = (random.uniform() * 2 - 1) * 2 }
        }
        return (batch, outputs)
    }

    @Test(arguments: [(LossWeighting.fixed, false), (.uncertainty, false), (.fixed, true), (.uncertainty, true)])
    func gradientsWithRespectToOutputsAndLogVariances(weighting: LossWeighting, esmm: Bool) {
        let specification = LossSpecification(tasks: [
            TaskLoss(task: "click", kind: .binaryCrossEntropy, weight: 0.8),
            TaskLoss(task: "conversion", kind: .binaryCrossEntropy, weight: 0.5),
            TaskLoss(task: "rating", kind: .huber(delta: 1), weight: 0.2),
        ], weighting: weighting, conversionThroughClick: esmm)
        let loss = JointLoss(specification)
        if let variances = loss.logVariances { variances.value.assign([0.3, -0.2, 0.5]) }
        let (batch, outputs) = batch()
        _ = loss.evaluate(outputs, batch: batch)
        loss.accumulateGradients()
        func objective() -> Double { loss.evaluate(outputs, batch: batch).weighted }
        for (task, output) in outputs.enumerated() {
            let analytic = loss.outputGradients[task].clone()
            GradientCheck.compare(name: "output\(task)", values: output.data, analytic: analytic.data,
                                  indices: Array(0..<8), objective: objective)
            if task == 1 {
                for row in stride(from: 0, to: 8, by: 2) { #expect(analytic.data[row] == 0, "unlabelled rows get no gradient") }
            }
        }
        if let variances = loss.logVariances {
            GradientCheck.compare(name: "log variance", values: variances.value.data, analytic: variances.gradient.data,
                                  indices: [0, 1, 2], objective: objective)
        }
    }

    @Test func maskedTaskAveragesOverLabelledRowsOnly() {
        let loss = JointLoss(LossSpecification(tasks: [TaskLoss(task: "rating", kind: .meanSquaredError, weight: 1)]))
        let batch = Batch(rows: 4, numericCount: 0, categoricalCount: 0, taskCount: 1)
        batch.labels[0].assign([1, 2, 3, 4])
        batch.masks[0].assign([1, 0, 1, 0])
        let output = Tensor(rows: 4, cols: 1, values: [2, 100, 3, 100])
        // Rows 0 and 2: errors 1 and 0, so the mean is 0.5.
        #expect(loss.evaluate([output], batch: batch).perTask == [0.5])
        batch.masks[0].buffer.update(repeating: 0)
        #expect(loss.evaluate([output], batch: batch).perTask == [0], "no labelled rows: no loss")
    }

    @Test func l2CoversSharedParametersAndOnlyTouchedEmbeddingRows() {
        let loss = JointLoss(LossSpecification(tasks: [], lambda: 0.5))
        let shared = Parameter(name: "w", rows: 1, cols: 2, isShared: true)
        shared.value.assign([1, 2])
        let own = Parameter(name: "tower", rows: 1, cols: 1, isShared: false)
        own.value.assign([10])
        let table = Parameter(name: "emb", rows: 3, cols: 1, isShared: true, sparse: true)
        table.value.assign([3, 4, 5])
        table.touchedRows = [2]
        // 0.5 * (1 + 4 + 25)
        #expect(loss.regularization([shared, own, table], addGradient: true) == 15)
        #expect(shared.gradient.array == [1, 2])
        #expect(own.gradient.array == [0])
        #expect(table.gradient.array == [0, 0, 5])
    }
}
