/// Turns a batch's features into one input row per example: each categorical
/// feature's embedding, each text's embedding bag (the mean of its tokens'
/// embeddings; zeros for an empty text), then the numeric features, side by
/// side. Embedding gradients are sparse: only the rows the batch used are
/// touched.
public final class FeatureEncoder {
    public let schema: FeatureSchema
    /// One table per categorical feature, then one per text (row 0, the empty slot, is never read).
    public let tables: [Parameter]
    private let output: Tensor
    private var lastBatch: Batch?

    public init(schema: FeatureSchema, namePrefix: String, isShared: Bool, random: inout RandomSource) {
        self.schema = schema
        let rows = schema.categorical.map { ($0.name, $0.cardinality) } + schema.text.map { ($0.name, $0.buckets + 1) }
        tables = rows.map { name, count in
            let table = Parameter(name: "\(namePrefix)embedding.\(name)", rows: count,
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
            (target + schema.embeddedCount * dimension).update(from: numeric + row * numericCount, count: numericCount)
        }
        if !schema.text.isEmpty { averageTokens(batch, sources: Array(sources[categoricalCount...])) }
        return output
    }

    /// Each text's field: the mean embedding of its non-empty slots.
    private func averageTokens(_ batch: Batch, sources: [UnsafeMutablePointer<Float>]) {
        let width = schema.inputWidth, dimension = schema.embeddingDimension, tokenWidth = schema.tokenWidth
        let outputData = output.data
        batch.tokens.withUnsafeBufferPointer { tokens in
            for row in 0..<batch.rows {
                var slot = row * tokenWidth
                for (index, feature) in schema.text.enumerated() {
                    let target = outputData + row * width + (schema.categorical.count + index) * dimension
                    target.update(repeating: 0, count: dimension)
                    var count = 0
                    for _ in 0..<feature.slots {
                        let id = Int(tokens[slot])
                        slot += 1
                        guard id > 0 else { continue }
                        precondition(id <= feature.buckets, "token \(id) out of range for \(feature.name)")
                        let source = sources[index] + id * dimension
                        for column in 0..<dimension { target[column] += source[column] }
                        count += 1
                    }
                    if count > 1 {
                        let scale = 1 / Float(count)
                        for column in 0..<dimension { target[column] *= scale }
                    }
                }
            }
        }
    }

    public func backward(_ gradientOutput: Tensor) {
        guard let batch = lastBatch else { preconditionFailure("FeatureEncoder.backward before forward") }
        let width = schema.inputWidth, dimension = schema.embeddingDimension, categoricalCount = schema.categorical.count
        for (feature, table) in tables.prefix(categoricalCount).enumerated() {
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
        var slotStart = 0
        for (index, feature) in schema.text.enumerated() {
            let table = tables[categoricalCount + index], field = categoricalCount + index
            for row in 0..<batch.rows {
                let slots = (row * schema.tokenWidth + slotStart)..<(row * schema.tokenWidth + slotStart + feature.slots)
                let count = batch.tokens[slots].reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
                guard count > 0 else { continue }
                let scale = 1 / Float(count), source = gradientOutput.data + row * width + field * dimension
                for slot in slots where batch.tokens[slot] > 0 {
                    let id = Int(batch.tokens[slot])
                    table.markTouched(id)
                    let target = table.gradient.data + id * dimension
                    for column in 0..<dimension { target[column] += scale * source[column] }
                }
            }
            table.touchedRows!.sort()
            slotStart += feature.slots
        }
    }
}
