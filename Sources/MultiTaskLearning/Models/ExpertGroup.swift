/// Several experts of one hidden ReLU layer each, computed by one matrix
/// product: their weights sit side by side in one Dense layer. Each weight is
/// drawn on its own, so no two experts start equal.
final class ExpertGroup {
    let count: Int
    let network: Sequential
    let gradient: Tensor

    init(name: String, count: Int, inputs: Int, units: Int, initialization: Dense.Initialization, random: inout RandomSource) {
        self.count = count
        network = Sequential([
            Dense(name: name, inputs: inputs, outputs: count * units, initialization: initialization, isShared: true,
                  fanOut: units, random: &random),
            ReLU(width: count * units),
        ])
        gradient = Tensor(rows: 0, cols: count * units)
    }

    var parameters: [Parameter] { network.parameters }

    func forward(_ input: Tensor, training: Bool) -> Tensor {
        let output = network.forward(input, training: training)
        // Mixtures add into the gradient during backward; inference needs none.
        if training {
            gradient.resize(rows: output.rows)
            gradient.zero()
        }
        return output
    }

    /// Backpropagates the gradient gathered in `gradient` from every mixture.
    func backward() -> Tensor { network.backward(gradient) }
}

/// A softmax gate over `experts` computed from its input.
enum Gate {
    static func make(name: String, inputs: Int, experts: Int, random: inout RandomSource) -> Sequential {
        Sequential([
            Dense(name: name, inputs: inputs, outputs: experts, initialization: .xavier, isShared: false, random: &random),
            Softmax(width: experts),
        ])
    }
}
