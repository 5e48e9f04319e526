/// One minibatch: numeric features, categorical ids, and per task a label and
/// a mask (1 where the row carries that task's label).
public final class Batch: @unchecked Sendable {
    public let numeric: Tensor
    /// rows x categoricalCount ids, row-major.
    public var categorical: [Int32]
    public let categoricalCount: Int
    /// rows x tokenWidth token ids of the text features, 0 for an empty slot.
    public var tokens: [Int32]
    public let tokenWidth: Int
    public let labels: [Tensor]
    public let masks: [Tensor]

    public init(rows: Int, numericCount: Int, categoricalCount: Int, tokenWidth: Int = 0, taskCount: Int) {
        numeric = Tensor(rows: rows, cols: numericCount)
        categorical = [Int32](repeating: 0, count: rows * categoricalCount)
        self.categoricalCount = categoricalCount
        tokens = [Int32](repeating: 0, count: rows * tokenWidth)
        self.tokenWidth = tokenWidth
        labels = (0..<taskCount).map { _ in Tensor(rows: rows, cols: 1) }
        masks = (0..<taskCount).map { _ in
            let mask = Tensor(rows: rows, cols: 1)
            mask.buffer.update(repeating: 1)
            return mask
        }
    }

    public var rows: Int { numeric.rows }

    public func resize(rows: Int) {
        numeric.resize(rows: rows)
        if categorical.count < rows * categoricalCount {
            categorical += [Int32](repeating: 0, count: rows * categoricalCount - categorical.count)
        }
        if tokens.count < rows * tokenWidth { tokens += [Int32](repeating: 0, count: rows * tokenWidth - tokens.count) }
        for tensor in labels + masks { tensor.resize(rows: rows) }
    }
}

/// Element-wise helpers used where gradients from several paths meet.
enum TensorMath {
    /// target += source
    static func add(_ source: Tensor, into target: Tensor) {
        precondition(source.count == target.count, "adding \(source.rows)x\(source.cols) into \(target.rows)x\(target.cols)")
        let from = source.data, to = target.data
        for index in 0..<source.count { to[index] += from[index] }
    }
}
