/// One result per iteration of a `DispatchQueue.concurrentPerform`: iteration
/// `i` stores only slot `i`, so no two threads write the same memory.
final class ParallelResults<Value>: @unchecked Sendable {
    private let values: UnsafeMutableBufferPointer<Value>

    init(count: Int, initial: Value) {
        values = .allocate(capacity: count)
        values.initialize(repeating: initial)
    }

    deinit {
        _ = values.deinitialize()
        values.deallocate()
    }

    func store(_ value: Value, at index: Int) { values[index] = value }

    func take() -> [Value] { Array(values) }
}
