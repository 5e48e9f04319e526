/// How many weights a model will have, counted from its architecture before
/// anything is allocated, so that an impossible size is refused with a clear
/// message instead of the allocator aborting the process. Counted in Double:
/// hostile widths can overflow an Int, and the count only has to be compared.
extension ModelArchitecture {
    public var parameterCount: Double {
        let inputs = Double(sharedInputWidth), taskCount = Double(tasks.count)
        let width = Double(features.inputWidth), crossing = Double(crossLayers) * Self.dense(width, width)
        let embeddings = (features.categorical.reduce(0.0) { $0 + Double($1.cardinality) } + features.text.reduce(0.0) { $0 + Double($1.buckets + 1) })
            * Double(features.embeddingDimension)
        let units = Double(expertUnits)
        switch kind {
        case .singleTask:
            return taskCount * (embeddings + Self.perceptron(width, bottomUnits + towerUnits, output: true))
        case .sharedBottom:
            let bottomWidth = Double(bottomUnits.last ?? sharedInputWidth)
            return embeddings + crossing + Self.perceptron(inputs, bottomUnits, output: false)
                + taskCount * Self.perceptron(bottomWidth, towerUnits, output: true)
        case .mmoe:
            let count = Double(experts)
            return embeddings + crossing + Self.dense(inputs, count * units) + taskCount * Self.dense(inputs, count)
                + taskCount * Self.perceptron(units, towerUnits, output: true)
        case .ple:
            let own = Double(taskExperts), shared = Double(experts)
            var total = embeddings + crossing + taskCount * Self.perceptron(units, towerUnits, output: true)
            for level in 0..<max(levels, 0) {
                let levelWidth = level == 0 ? inputs : units
                total += taskCount * (Self.dense(levelWidth, own * units) + Self.dense(levelWidth, own + shared))
                    + Self.dense(levelWidth, shared * units)
                if level < levels - 1 { total += Self.dense(levelWidth, taskCount * own + shared) }
            }
            return total
        case .esmm:
            return embeddings + taskCount * Self.perceptron(width, bottomUnits + towerUnits, output: true)
        }
    }

    /// Bytes training holds per weight: the weight, its gradient and Adam's two moments.
    public static let trainingBytesPerParameter = 16.0

    private static func dense(_ inputs: Double, _ outputs: Double) -> Double { inputs * outputs + outputs }

    private static func perceptron(_ inputs: Double, _ hidden: [Int], output: Bool) -> Double {
        var total = 0.0, width = inputs
        for units in hidden {
            total += dense(width, Double(units))
            width = Double(units)
        }
        return output ? total + dense(width, 1) : total
    }
}
