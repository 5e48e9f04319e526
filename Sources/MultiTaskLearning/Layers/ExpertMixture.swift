/// A gate's weighted sum of experts: out[b, h] = sum_e gate[b, e] * expert_e[b, h].
/// Experts come in groups (one tensor holds a group's experts side by side,
/// each `expertWidth` wide), so PLE can mix task-specific and shared groups.
public final class ExpertMixture {
    public let expertWidth: Int
    private let output: Tensor
    private let gateGradient: Tensor
    private var sources: [Tensor] = []
    private var gates: Tensor?

    public init(expertWidth: Int, gateWidth: Int) {
        self.expertWidth = expertWidth
        output = Tensor(rows: 0, cols: expertWidth)
        gateGradient = Tensor(rows: 0, cols: gateWidth)
    }

    public func forward(experts sources: [Tensor], gates: Tensor) -> Tensor {
        self.sources = sources
        self.gates = gates
        output.resize(rows: gates.rows)
        let width = expertWidth, gateColumns = gates.cols, weights = gates.data, mixed = output.data
        let groups = sources.map { (data: $0.data, columns: $0.cols) }
        for row in 0..<gates.rows {
            let target = mixed + row * width
            var gateIndex = 0
            for group in groups {
                for expert in 0..<(group.columns / width) {
                    let weight = weights[row * gateColumns + gateIndex]
                    let values = group.data + row * group.columns + expert * width
                    // The first expert writes the row, the others add to it: no zeroing pass.
                    if gateIndex == 0 {
                        VectorKernels.scale(values, weight, into: target, count: width)
                    } else {
                        VectorKernels.addScaled(values, weight, into: target, count: width)
                    }
                    gateIndex += 1
                }
            }
        }
        return output
    }

    /// Adds the experts' gradients into `expertGradients` (one per source) and
    /// returns the gradient with respect to the gate weights.
    public func backward(_ gradientOutput: Tensor, addingInto expertGradients: [Tensor]) -> Tensor {
        guard let gates else { preconditionFailure("ExpertMixture.backward before forward") }
        gateGradient.resize(rows: gates.rows)
        let width = expertWidth, gateColumns = gates.cols, weights = gates.data, gateTarget = gateGradient.data
        let upstreamAll = gradientOutput.data
        let groups = zip(sources, expertGradients).map { (values: $0.data, gradient: $1.data, columns: $0.cols) }
        for row in 0..<gates.rows {
            let upstream = upstreamAll + row * width
            var gateIndex = 0
            for group in groups {
                for expert in 0..<(group.columns / width) {
                    let weight = weights[row * gateColumns + gateIndex]
                    let offset = row * group.columns + expert * width
                    let values = group.values + offset, target = group.gradient + offset
                    VectorKernels.addScaled(upstream, weight, into: target, count: width)
                    gateTarget[row * gateColumns + gateIndex] = VectorKernels.dot(values, upstream, count: width)
                    gateIndex += 1
                }
            }
        }
        return gateGradient
    }
}

/// Sums gate weights over the rows seen, to report what each task relies on.
struct GateStatistics {
    private(set) var sums: [[Double]]
    private(set) var rows = 0

    init(tasks: Int, experts: Int) {
        sums = Array(repeating: Array(repeating: 0, count: experts), count: tasks)
    }

    mutating func add(task: Int, gates: Tensor) {
        if task == 0 { rows += gates.rows }
        for row in 0..<gates.rows {
            for expert in 0..<gates.cols { sums[task][expert] += Double(gates[row, expert]) }
        }
    }

    mutating func add(_ other: GateStatistics) {
        rows += other.rows
        for task in sums.indices {
            for expert in sums[task].indices { sums[task][expert] += other.sums[task][expert] }
        }
    }

    var averages: [[Float]] { sums.map { $0.map { Float($0 / Double(max(rows, 1))) } } }

    mutating func reset() {
        sums = sums.map { $0.map { _ in 0 } }
        rows = 0
    }
}
