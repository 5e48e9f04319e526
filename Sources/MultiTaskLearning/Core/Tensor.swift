/// A row-major Float32 matrix. Storage is allocated once with a row capacity;
/// `rows` may shrink (a smaller last batch) without reallocating.
public final class Tensor: @unchecked Sendable {
    public private(set) var rows: Int
    public let cols: Int
    public private(set) var capacityRows: Int
    public private(set) var data: UnsafeMutablePointer<Float>

    public init(rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "tensor dimensions must not be negative")
        self.rows = rows
        self.cols = cols
        capacityRows = max(rows, 1)
        data = .allocate(capacity: capacityRows * max(cols, 1))
        data.initialize(repeating: 0, count: capacityRows * max(cols, 1))
    }

    public convenience init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols, "expected \(rows * cols) values, got \(values.count)")
        self.init(rows: rows, cols: cols)
        assign(values)
    }

    deinit { data.deallocate() }

    public var count: Int { rows * cols }

    /// Sets the row count, growing storage only when it exceeds the capacity.
    public func resize(rows newRows: Int) {
        if newRows > capacityRows {
            data.deallocate()
            capacityRows = newRows
            data = .allocate(capacity: newRows * max(cols, 1))
            data.initialize(repeating: 0, count: newRows * max(cols, 1))
        }
        rows = newRows
    }

    public subscript(row: Int, col: Int) -> Float {
        get { data[row * cols + col] }
        set { data[row * cols + col] = newValue }
    }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }

    public var array: [Float] { Array(buffer) }

    /// Overwrites the current rows with `values` (row-major).
    public func assign(_ values: [Float]) {
        precondition(values.count == count, "expected \(count) values, got \(values.count)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
    }

    public func zero() { data.update(repeating: 0, count: count) }

    public func copy(from other: Tensor) {
        precondition(other.cols == cols, "column mismatch \(other.cols) vs \(cols)")
        resize(rows: other.rows)
        data.update(from: other.data, count: count)
    }

    public func clone() -> Tensor {
        let copy = Tensor(rows: rows, cols: cols)
        copy.data.update(from: data, count: count)
        return copy
    }
}
