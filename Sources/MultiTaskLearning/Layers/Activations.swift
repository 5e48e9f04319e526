import Foundation

/// max(0, x), element-wise.
public final class ReLU: Layer {
    private let output: Tensor
    private let gradientInput: Tensor

    public init(width: Int) {
        output = Tensor(rows: 0, cols: width)
        gradientInput = Tensor(rows: 0, cols: width)
    }

    public var parameters: [Parameter] { [] }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        output.resize(rows: input.rows)
        let source = input.data, target = output.data
        for index in 0..<input.count { target[index] = max(source[index], 0) }
        return output
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        gradientInput.resize(rows: gradientOutput.rows)
        VectorKernels.passWherePositive(gradientOutput.data, where: output.data, into: gradientInput.data, count: gradientOutput.count)
        return gradientInput
    }
}

/// 1 / (1 + e^-x), element-wise.
public final class Sigmoid: Layer {
    private let output: Tensor
    private let gradientInput: Tensor

    public init(width: Int) {
        output = Tensor(rows: 0, cols: width)
        gradientInput = Tensor(rows: 0, cols: width)
    }

    public var parameters: [Parameter] { [] }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        output.resize(rows: input.rows)
        let source = input.data, target = output.data
        for index in 0..<input.count { target[index] = Sigmoid.value(source[index]) }
        return output
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        gradientInput.resize(rows: gradientOutput.rows)
        let values = output.data, upstream = gradientOutput.data, target = gradientInput.data
        for index in 0..<gradientOutput.count { target[index] = upstream[index] * values[index] * (1 - values[index]) }
        return gradientInput
    }

    /// Computed without overflow for large |x|.
    @inline(__always)
    public static func value(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + expf(-x)) }
        let e = expf(x)
        return e / (1 + e)
    }
}

/// Row-wise softmax, used by the expert gates.
public final class Softmax: Layer {
    private let output: Tensor
    private let gradientInput: Tensor

    public init(width: Int) {
        output = Tensor(rows: 0, cols: width)
        gradientInput = Tensor(rows: 0, cols: width)
    }

    public var parameters: [Parameter] { [] }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        output.resize(rows: input.rows)
        let columns = input.cols
        for row in 0..<input.rows {
            let source = input.data + row * columns, target = output.data + row * columns
            var largest = -Float.infinity
            for column in 0..<columns { largest = max(largest, source[column]) }
            var total: Float = 0
            for column in 0..<columns {
                target[column] = expf(source[column] - largest)
                total += target[column]
            }
            for column in 0..<columns { target[column] /= total }
        }
        return output
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        gradientInput.resize(rows: gradientOutput.rows)
        let columns = output.cols
        for row in 0..<output.rows {
            let y = output.data + row * columns, g = gradientOutput.data + row * columns
            let target = gradientInput.data + row * columns
            var dot: Float = 0
            for column in 0..<columns { dot += y[column] * g[column] }
            for column in 0..<columns { target[column] = y[column] * (g[column] - dot) }
        }
        return gradientInput
    }
}

/// Inverted dropout: in training, zeroes each value with probability `rate`
/// and scales the rest by 1/(1-rate); at inference it passes values through.
public final class Dropout: Layer {
    public let rate: Float
    private var random: RandomSource
    private let mask: Tensor
    private let output: Tensor
    private let gradientInput: Tensor
    private var lastWasTraining = false

    public init(width: Int, rate: Float, seed: UInt64) {
        precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1)")
        self.rate = rate
        random = RandomSource(seed: seed)
        mask = Tensor(rows: 0, cols: width)
        output = Tensor(rows: 0, cols: width)
        gradientInput = Tensor(rows: 0, cols: width)
    }

    public var parameters: [Parameter] { [] }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        output.resize(rows: input.rows)
        lastWasTraining = training && rate > 0
        guard lastWasTraining else {
            output.data.update(from: input.data, count: input.count)
            return output
        }
        mask.resize(rows: input.rows)
        let keep = 1 / (1 - rate)
        for index in 0..<input.count {
            mask.data[index] = random.uniform() >= rate ? keep : 0
            output.data[index] = input.data[index] * mask.data[index]
        }
        return output
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        gradientInput.resize(rows: gradientOutput.rows)
        for index in 0..<gradientOutput.count {
            gradientInput.data[index] = lastWasTraining ? gradientOutput.data[index] * mask.data[index] : gradientOutput.data[index]
        }
        return gradientInput
    }
}
