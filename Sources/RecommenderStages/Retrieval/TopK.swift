/// The indices of the `count` largest values, best first, ties by lower
/// index, skipping the indices `skip` names: a bounded heap, O(n log count),
/// instead of sorting all n.
enum TopK {
    static func indices(of values: [Double], count: Int, skip: (Int) -> Bool) -> [Int] {
        guard count > 0 else { return [] }
        // A min-heap of the best so far: its root is the weakest kept.
        var heap: [Int] = []
        heap.reserveCapacity(count)
        func better(_ a: Int, _ b: Int) -> Bool { values[a] != values[b] ? values[a] > values[b] : a < b }
        func siftDown(_ start: Int) {
            var parent = start
            while true {
                let left = 2 * parent + 1, right = left + 1
                var weakest = parent
                if left < heap.count, better(heap[weakest], heap[left]) { weakest = left }
                if right < heap.count, better(heap[weakest], heap[right]) { weakest = right }
                if weakest == parent { return }
                heap.swapAt(parent, weakest)
                parent = weakest
            }
        }
        for index in values.indices where !skip(index) {
            if heap.count < count {
                heap.append(index)
                var child = heap.count - 1
                while child > 0, better(heap[(child - 1) / 2], heap[child]) {
                    heap.swapAt(child, (child - 1) / 2)
                    child = (child - 1) / 2
                }
            } else if better(index, heap[0]) {
                heap[0] = index
                siftDown(0)
            }
        }
        return heap.sorted(by: better)
    }
}
