/// A trainable tensor with its gradient. Gradients accumulate (as in
/// PyTorch) until `zeroGradient` is called.
public final class Parameter: @unchecked Sendable {
    public let name: String
    public let value: Tensor
    public let gradient: Tensor
    /// Shared parameters (bottom, experts, embeddings) carry the L2 term of the joint loss.
    public let isShared: Bool
    /// Embedding tables: the rows the current batch touched, sorted and unique;
    /// only those rows have a gradient, and only those rows are updated.
    public internal(set) var touchedRows: [Int]?
    /// Sparse parameters: whether each row is in `touchedRows`.
    private var isTouched: [Bool]

    public init(name: String, rows: Int, cols: Int, isShared: Bool, sparse: Bool = false) {
        self.name = name
        value = Tensor(rows: rows, cols: cols)
        gradient = Tensor(rows: rows, cols: cols)
        self.isShared = isShared
        touchedRows = sparse ? [] : nil
        isTouched = sparse ? Array(repeating: false, count: rows) : []
    }

    /// Records that `row` has a gradient (sparse parameters).
    @inline(__always)
    func markTouched(_ row: Int) {
        guard !isTouched[row] else { return }
        isTouched[row] = true
        touchedRows!.append(row)
    }

    public var isSparse: Bool { touchedRows != nil }

    public func zeroGradient() {
        if let rows = touchedRows {
            for row in rows {
                (gradient.data + row * gradient.cols).update(repeating: 0, count: gradient.cols)
                isTouched[row] = false
            }
            touchedRows!.removeAll(keepingCapacity: true)
        } else {
            gradient.zero()
        }
    }

    /// Calls `body(start, length)` for each contiguous span of elements the
    /// gradient covers: everything for dense parameters, touched rows for sparse ones.
    @inline(__always)
    public func forEachActiveSpan(_ body: (Int, Int) -> Void) {
        if let rows = touchedRows {
            for row in rows { body(row * value.cols, value.cols) }
        } else {
            body(0, value.count)
        }
    }
}
