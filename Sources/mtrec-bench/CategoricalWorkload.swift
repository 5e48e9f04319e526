import Foundation
import MultiTaskLearning

/// A categorical-heavy workload: 8 categorical features with 100 to 100,000
/// ids each (drawn with a power law, as ids in logs are) and 16 numeric ones.
/// Each id has its own effect on click and conversion, so the embeddings
/// have something to learn.
enum CategoricalWorkload {
    static let cardinalities = [100, 316, 1_000, 3_162, 10_000, 31_623, 56_234, 100_000]
    static let numericCount = 16

    static var schema: FeatureSchema {
        FeatureSchema(numericNames: (0..<numericCount).map { "n\($0)" },
                      categorical: cardinalities.enumerated().map { CategoricalFeature(name: "c\($0.offset)", cardinality: $0.element) },
                      embeddingDimension: 16)
    }

    static func make(rows: Int, seed: UInt64) -> Dataset {
        var random = RandomSource(seed: seed)
        let clickEffects = cardinalities.map { count in (0..<count).map { _ in Float(random.normal() * 0.5) } }
        let conversionEffects = cardinalities.map { count in (0..<count).map { _ in Float(random.normal() * 0.3) } }
        let clickWeights = (0..<numericCount).map { _ in Float(random.normal() * 0.3) }
        let conversionWeights = (0..<numericCount).map { _ in Float(random.normal() * 0.3) }
        var numeric = [Float](repeating: 0, count: rows * numericCount)
        var categorical = [Int32](repeating: 0, count: rows * cardinalities.count)
        var clicks = [Float](repeating: 0, count: rows), conversions = [Float](repeating: 0, count: rows)
        for row in 0..<rows {
            var clickLogit: Float = -1.7, conversion: Float = 0
            for column in 0..<numericCount {
                let value = Float(random.normal())
                numeric[row * numericCount + column] = value
                clickLogit += clickWeights[column] * value
                conversion += conversionWeights[column] * value
            }
            for (feature, count) in cardinalities.enumerated() {
                let id = min(count - 1, Int(Double(count) * pow(random.uniformDouble(), 2.5)))
                categorical[row * cardinalities.count + feature] = Int32(id)
                clickLogit += clickEffects[feature][id]
                conversion += conversionEffects[feature][id]
            }
            clicks[row] = random.uniform() < Sigmoid.value(clickLogit) ? 1 : 0
            conversions[row] = conversion + Float(random.normal() * 0.1)
        }
        return Dataset(schema: schema, taskNames: ["click", "conversion"], numeric: numeric, categorical: categorical,
                       labels: [clicks, conversions])
    }

    /// The cost of one step's sparse embedding updates: rows touched and the
    /// optimizer's time on the tables, measured on one batch after training.
    static func sparseUpdateCost(trainer: Trainer, data: Dataset, batchSize: Int) -> (rowsTouched: Int, milliseconds: Double, denseMilliseconds: Double) {
        let batch = Batch(rows: batchSize, numericCount: data.schema.numericCount,
                          categoricalCount: data.schema.categorical.count, taskCount: data.taskNames.count)
        data.fill(batch, rows: 0..<min(batchSize, data.count))
        let parameters = trainer.trainableParameters
        for parameter in parameters { parameter.zeroGradient() }
        _ = trainer.loss.evaluate(trainer.model.forward(batch, training: true), batch: batch)
        trainer.model.backward(trainer.loss.outputGradients)
        let sparse = parameters.filter(\.isSparse), dense = parameters.filter { !$0.isSparse }
        let rows = sparse.reduce(0) { $0 + ($1.touchedRows?.count ?? 0) }
        func time(_ group: [Parameter]) -> Double {
            let repeats = 50
            let start = DispatchTime.now()
            for _ in 0..<repeats { trainer.optimizer.update(group) }
            return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6 / Double(repeats)
        }
        return (rows, time(sparse), time(dense))
    }
}
