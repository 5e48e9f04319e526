/// Turns a batch's features into one input row per example: each categorical
/// feature's embedding, then the numeric features, side by side. Embedding
/// gradients are sparse: only the rows the batch used are touched.
public final class FeatureEncoder {
    public let schema: FeatureSchema
    public let tables: [Parameter]
    private let output: Tensor
    private var lastBatch: Batch?

    public init(schema: FeatureSchema, namePrefix: String, isShared: Bool, random: inout RandomSource) {
        self.schema = schema
        tables = schema.categorical.map { feature in
            let table = Parameter(name: "\(namePrefix)embedding.\(feature.name)", rows: feature.cardinality,
                                  cols: schema.embeddingDimension, isShared: isShared, sparse: true)
            // Small normal values, so that no feature dominates the first layer at the start.
            for index in 0..<table.value.count { table.value.data[index] = Float(random.normal() * 0.1) }
            return table
        }
        output = Tensor(rows: 0, cols: schema.inputWidth)
    }

    public var parameters: [Parameter] { tables }

    public func forward(_ batch: Batch) -> Tensor {
        lastBatch = batch
        output.resize(rows: batch.rows)
        let width = schema.inputWidth, dimension = schema.embeddingDimension
        let categoricalCount = schema.categorical.count, numericCount = schema.numericCount
        // Read once: a class property read inside the loop is an exclusivity check per read.
        let rows = tables.map { $0.value.rows }, sources = tables.map { $0.value.data }
        let categorical = batch.categorical, numeric = batch.numeric.data, outputData = output.data
        for row in 0..<batch.rows {
            let target = outputData + row * width
            for feature in 0..<categoricalCount {
                let id = Int(categorical[row * categoricalCount + feature])
                precondition(id >= 0 && id < rows[feature], "id \(id) out of range for \(schema.categorical[feature].name)")
                (target + feature * dimension).update(from: sources[feature] + id * dimension, count: dimension)
            }
            (target + categoricalCount * dimension).update(from: numeric + row * numericCount, count: numericCount)
        }
        return output
    }

    public func backward(_ gradientOutput: Tensor) {
        guard let batch = lastBatch else { preconditionFailure("FeatureEncoder.backward before forward") }
        let width = schema.inputWidth, dimension = schema.embeddingDimension, categoricalCount = schema.categorical.count
        for (feature, table) in tables.enumerated() {
            for row in 0..<batch.rows {
                let id = Int(batch.categorical[row * categoricalCount + feature])
                table.markTouched(id)
                let source = gradientOutput.data + row * width + feature * dimension
                let target = table.gradient.data + id * dimension
                for column in 0..<dimension { target[column] += source[column] }
            }
            // Sorted in place: updates then walk the table in memory order.
            table.touchedRows!.sort()
        }
    }
}
