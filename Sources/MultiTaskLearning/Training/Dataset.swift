/// Rows of features and labels in memory, row-major.
public struct Dataset: Sendable {
    public var schema: FeatureSchema
    public var taskNames: [String]
    public private(set) var count: Int
    /// count x numericCount
    public var numeric: [Float]
    /// count x categorical.count
    public var categorical: [Int32]
    /// count x schema.tokenWidth: the text features' token ids (0: empty slot).
    public var tokens: [Int32]
    /// One label column per task.
    public var labels: [[Float]]
    /// Per task, 1 where the row carries the label; nil when every row does.
    public var masks: [[Float]?]
    /// The user of each row, for GAUC and per-user ranking.
    public var users: [Int32]?

    public init(schema: FeatureSchema, taskNames: [String], numeric: [Float], categorical: [Int32] = [], tokens: [Int32] = [],
                labels: [[Float]], masks: [[Float]?]? = nil, users: [Int32]? = nil) {
        let count = labels.first?.count ?? (schema.numericCount > 0 ? numeric.count / schema.numericCount : 0)
        precondition(numeric.count == count * schema.numericCount, "numeric values: expected \(count * schema.numericCount), got \(numeric.count)")
        precondition(categorical.count == count * schema.categorical.count, "categorical ids: expected \(count * schema.categorical.count), got \(categorical.count)")
        precondition(tokens.count == count * schema.tokenWidth, "token ids: expected \(count * schema.tokenWidth), got \(tokens.count)")
        precondition(labels.count == taskNames.count && labels.allSatisfy { $0.count == count }, "one label column of \(count) rows per task")
        self.schema = schema
        self.taskNames = taskNames
        self.count = count
        self.numeric = numeric
        self.categorical = categorical
        self.tokens = tokens
        self.labels = labels
        self.masks = masks ?? Array(repeating: nil, count: taskNames.count)
        self.users = users
    }

    /// Copies `rows` into `batch`, resizing it to their number.
    public func fill<Rows: Collection<Int>>(_ batch: Batch, rows: Rows) {
        batch.resize(rows: rows.count)
        let numericCount = schema.numericCount, categoricalCount = schema.categorical.count
        numeric.withUnsafeBufferPointer { source in
            for (position, row) in rows.enumerated() {
                (batch.numeric.data + position * numericCount).update(from: source.baseAddress! + row * numericCount, count: numericCount)
            }
        }
        if categoricalCount > 0 {
            for (position, row) in rows.enumerated() {
                for feature in 0..<categoricalCount {
                    batch.categorical[position * categoricalCount + feature] = categorical[row * categoricalCount + feature]
                }
            }
        }
        let tokenWidth = schema.tokenWidth
        for (position, row) in rows.enumerated() where tokenWidth > 0 {
            for slot in 0..<tokenWidth { batch.tokens[position * tokenWidth + slot] = tokens[row * tokenWidth + slot] }
        }
        for task in taskNames.indices {
            let label = batch.labels[task].data, mask = batch.masks[task].data
            for (position, row) in rows.enumerated() {
                label[position] = labels[task][row]
                mask[position] = masks[task]?[row] ?? 1
            }
        }
    }

    /// The rows at `indices`, as a new data set.
    public func subset(_ indices: [Int]) -> Dataset {
        let numericCount = schema.numericCount, categoricalCount = schema.categorical.count, tokenWidth = schema.tokenWidth
        return Dataset(schema: schema, taskNames: taskNames,
                       numeric: indices.flatMap { numeric[($0 * numericCount)..<(($0 + 1) * numericCount)] },
                       categorical: indices.flatMap { categorical[($0 * categoricalCount)..<(($0 + 1) * categoricalCount)] },
                       tokens: indices.flatMap { tokens[($0 * tokenWidth)..<(($0 + 1) * tokenWidth)] },
                       labels: labels.map { column in indices.map { column[$0] } },
                       masks: masks.map { mask in mask.map { column in indices.map { column[$0] } } },
                       users: users.map { column in indices.map { column[$0] } })
    }
}
