import Foundation

/// The value of the joint loss for one batch.
public struct LossBreakdown: Sendable {
    /// Each task's mean loss over the rows that carry its label (0 when none do).
    public var perTask: [Double]
    /// The weighted sum of task losses, before the L2 term.
    public var weighted: Double
}

/// L = sum_i w_i * L_i + lambda * ||theta_shared||^2 (or uncertainty
/// weighting). A task's loss averages over the rows whose mask is 1, so a
/// conversion label that exists only after a click counts only there.
public final class JointLoss {
    public let specification: LossSpecification
    /// Uncertainty weighting's learned log variances s_i, one per task.
    public let logVariances: Parameter?
    /// d(weighted loss)/d(output) per task, filled by `evaluate`.
    public let outputGradients: [Tensor]
    private var logVarianceGradient: [Float]

    public init(_ specification: LossSpecification) {
        self.specification = specification
        let count = specification.tasks.count
        logVariances = specification.weighting == .uncertainty
            ? Parameter(name: "loss.log_variance", rows: 1, cols: count, isShared: false) : nil
        outputGradients = (0..<count).map { _ in Tensor(rows: 0, cols: 1) }
        logVarianceGradient = Array(repeating: 0, count: count)
    }

    /// Computes the loss of `outputs` on `batch` and fills `outputGradients`.
    /// Parameters are not touched: see `accumulateGradients` and `regularization`.
    public func evaluate(_ outputs: [Tensor], batch: Batch) -> LossBreakdown {
        let count = specification.tasks.count
        precondition(outputs.count == count, "the model has \(outputs.count) outputs, the loss \(count) tasks")
        var perTask = [Double](repeating: 0, count: count)
        let factors = taskFactors()
        var weighted = 0.0
        for (task, loss) in specification.tasks.enumerated() {
            let output = outputs[task], label = batch.labels[task], mask = batch.masks[task]
            let gradient = outputGradients[task]
            gradient.resize(rows: output.rows)
            var total = 0.0, labelled = 0
            for row in 0..<output.rows {
                guard mask.data[row] != 0 else {
                    gradient.data[row] = 0
                    continue
                }
                labelled += 1
                let value: (Double, Float)
                if task == 1, specification.conversionThroughClick {
                    let product = TaskLosses.productCrossEntropy(outputs[0].data[row], output.data[row], label: label.data[row])
                    value = (product.loss, product.gradientB)
                } else {
                    switch loss.kind {
                    case .binaryCrossEntropy: value = TaskLosses.binaryCrossEntropy(logit: output.data[row], label: label.data[row])
                    case .meanSquaredError: value = TaskLosses.squaredError(output.data[row], label.data[row])
                    case .huber(let delta): value = TaskLosses.huber(output.data[row], label.data[row], delta: delta)
                    }
                }
                total += value.0
                gradient.data[row] = value.1
            }
            perTask[task] = labelled > 0 ? total / Double(labelled) : 0
            // d(factor * mean loss)/d(output) = factor * per-row derivative / labelled rows.
            let scale = labelled > 0 ? factors[task] / Float(labelled) : 0
            for row in 0..<gradient.rows { gradient.data[row] *= scale }
            weighted += Double(factors[task]) * perTask[task]
            if let logVariances {
                weighted += Double(logVariances.value.data[task])
                logVarianceGradient[task] = 1 - factors[task] * Float(perTask[task])
            }
        }
        if specification.conversionThroughClick {
            addClickGradientOfProduct(outputs, batch: batch, factor: factors[1])
        }
        return LossBreakdown(perTask: perTask, weighted: weighted)
    }

    /// ESMM: the pCTCVR loss also depends on the click logit.
    private func addClickGradientOfProduct(_ outputs: [Tensor], batch: Batch, factor: Float) {
        let mask = batch.masks[1], label = batch.labels[1]
        var labelled = 0
        for row in 0..<outputs[1].rows where mask.data[row] != 0 { labelled += 1 }
        guard labelled > 0 else { return }
        let scale = factor / Float(labelled)
        for row in 0..<outputs[1].rows where mask.data[row] != 0 {
            let product = TaskLosses.productCrossEntropy(outputs[0].data[row], outputs[1].data[row], label: label.data[row])
            outputGradients[0].data[row] += scale * product.gradientA
        }
    }

    /// w_i for fixed weighting, exp(-s_i) for uncertainty weighting.
    func taskFactors() -> [Float] {
        if let logVariances { return (0..<specification.tasks.count).map { expf(-logVariances.value.data[$0]) } }
        return specification.tasks.map(\.weight)
    }

    /// Adds the gradient of the learned log variances (after `evaluate`).
    public func accumulateGradients() {
        guard let logVariances else { return }
        for task in logVarianceGradient.indices { logVariances.gradient.data[task] += logVarianceGradient[task] }
    }

    /// lambda * sum of squares of the shared parameters' active elements (an
    /// embedding table counts the rows this batch used); with `addGradient`,
    /// adds 2 * lambda * theta to their gradients.
    public func regularization(_ parameters: [Parameter], addGradient: Bool) -> Double {
        let lambda = specification.lambda
        guard lambda != 0 else { return 0 }
        var sum = 0.0
        for parameter in parameters where parameter.isShared {
            let values = parameter.value.data, gradients = parameter.gradient.data
            parameter.forEachActiveSpan { start, length in
                for index in start..<(start + length) {
                    sum += Double(values[index]) * Double(values[index])
                    if addGradient { gradients[index] += 2 * lambda * values[index] }
                }
            }
        }
        return Double(lambda) * sum
    }
}
