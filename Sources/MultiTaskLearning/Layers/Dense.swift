/// y = x W + b, with W stored [inputs x outputs].
public final class Dense: Layer {
    public enum Initialization: String, Codable, Sendable {
        /// He et al. 2015: normal with variance 2/fan_in, for layers followed by ReLU.
        case he
        /// Glorot and Bengio 2010: uniform in +-sqrt(6/(fan_in+fan_out)).
        case xavier
    }

    public let weight: Parameter
    public let bias: Parameter
    /// False for a first layer fed by data: its input gradient is never used.
    public var computesInputGradient = true
    private var input: Tensor?
    private let output: Tensor
    private let gradientInput: Tensor

    /// `fanOut`: the width one unit group sees, when several independent
    /// blocks (experts) share this layer; defaults to `outputs`.
    public init(name: String, inputs: Int, outputs: Int, initialization: Initialization, isShared: Bool,
                fanOut: Int? = nil, random: inout RandomSource) {
        weight = Parameter(name: "\(name).weight", rows: inputs, cols: outputs, isShared: isShared)
        bias = Parameter(name: "\(name).bias", rows: 1, cols: outputs, isShared: isShared)
        output = Tensor(rows: 0, cols: outputs)
        gradientInput = Tensor(rows: 0, cols: inputs)
        switch initialization {
        case .he:
            let scale = (2.0 / Double(max(inputs, 1))).squareRoot()
            for index in 0..<weight.value.count { weight.value.data[index] = Float(random.normal() * scale) }
        case .xavier:
            let limit = Float((6.0 / Double(inputs + (fanOut ?? outputs))).squareRoot())
            for index in 0..<weight.value.count { weight.value.data[index] = (random.uniform() * 2 - 1) * limit }
        }
    }

    public var parameters: [Parameter] { [weight, bias] }
    public var inputCount: Int { weight.value.rows }
    public var outputCount: Int { weight.value.cols }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        self.input = input
        output.resize(rows: input.rows)
        // Start each row at the bias and let sgemm add x W (beta = 1): one pass
        // over the output instead of sgemm zeroing it and a second pass adding the bias.
        let columns = output.cols, biases = bias.value.data, values = output.data
        for row in 0..<output.rows { (values + row * columns).update(from: biases, count: columns) }
        BLAS.gemm(input, weight.value, into: output, beta: 1)
        return output
    }

    public func backward(_ gradientOutput: Tensor) -> Tensor {
        guard let input else { preconditionFailure("Dense.backward before forward") }
        BLAS.gemm(input, transposeA: true, gradientOutput, into: weight.gradient, beta: 1)
        let columns = gradientOutput.cols, biasGradient = bias.gradient.data, upstream = gradientOutput.data
        for row in 0..<gradientOutput.rows {
            let source = upstream + row * columns
            for column in 0..<columns { biasGradient[column] += source[column] }
        }
        gradientInput.resize(rows: gradientOutput.rows)
        if computesInputGradient {
            BLAS.gemm(gradientOutput, weight.value, transposeB: true, into: gradientInput)
        }
        return gradientInput
    }
}
