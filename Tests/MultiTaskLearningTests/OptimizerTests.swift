import Foundation
import Testing
@testable import MultiTaskLearning

@Suite("Optimizers")
struct OptimizerTests {
    /// One parameter [1, -2] with gradient [0.5, 0.25], stepped twice.
    func run(_ settings: OptimizerSettings) -> [Float] {
        let parameter = Parameter(name: "p", rows: 1, cols: 2, isShared: false)
        parameter.value.assign([1, -2])
        let optimizer = Optimizer(settings)
        for _ in 0..<2 {
            parameter.gradient.assign([0.5, 0.25])
            optimizer.update([parameter])
        }
        return parameter.value.array
    }

    func close(_ a: [Float], _ b: [Double]) -> Bool { zip(a, b).allSatisfy { abs(Double($0) - $1) < 1e-6 } }

    @Test func sgdWithMomentum() {
        // v1 = g, v2 = 0.9 g + g = 1.9 g; total step 0.1 * 2.9 g.
        #expect(close(run(OptimizerSettings(kind: .sgd, learningRate: 0.1, momentum: 0.9)), [1 - 0.145, -2 - 0.0725]))
    }

    @Test func adamTakesStepsOfAboutTheLearningRate() {
        // With a constant gradient, bias-corrected m/sqrt(v) = sign(g): each step moves lr.
        #expect(close(run(OptimizerSettings(kind: .adam, learningRate: 0.01, epsilon: 0)), [0.98, -2.02]))
    }

    @Test func adamWDecaysWeightsBeforeTheAdamStep() {
        // x <- x * (1 - lr * wd) - lr, twice.
        let decay = 1 - 0.01 * 0.1
        let expected = [(1 * decay - 0.01) * decay - 0.01, (-2 * decay - 0.01) * decay - 0.01]
        #expect(close(run(OptimizerSettings(kind: .adamw, learningRate: 0.01, epsilon: 0, weightDecay: 0.1)), expected))
    }

    @Test func adagradDividesByTheRootOfSummedSquares() {
        // Steps: lr * g / |g| then lr * g / (sqrt(2) |g|).
        let total = 0.1 * (1 + 1 / 2.0.squareRoot())
        #expect(close(run(OptimizerSettings(kind: .adagrad, learningRate: 0.1, epsilon: 0)), [1 - total, -2 - total]))
    }

    @Test func sparseParametersUpdateOnlyTouchedRows() {
        let table = Parameter(name: "emb", rows: 3, cols: 2, isShared: true, sparse: true)
        table.value.buffer.update(repeating: 1)
        table.gradient.assign([0, 0, 1, 1, 0, 0])
        table.touchedRows = [1]
        Optimizer(OptimizerSettings(kind: .adam, learningRate: 0.5)).update([table])
        #expect(table.value.array == [1, 1, 0.5, 0.5, 1, 1])
    }

    @Test func clippingScalesTheGlobalNorm() {
        let a = Parameter(name: "a", rows: 1, cols: 1, isShared: false), b = Parameter(name: "b", rows: 1, cols: 1, isShared: false)
        a.gradient.data[0] = 3
        b.gradient.data[0] = 4
        #expect(GradientClipping.clip([a, b], maximum: 1) == 5)
        #expect(abs(a.gradient.data[0] - 0.6) < 1e-6 && abs(b.gradient.data[0] - 0.8) < 1e-6)
        #expect(GradientClipping.clip([a, b], maximum: 2) <= 1.0001, "below the maximum: unchanged")
    }
}
