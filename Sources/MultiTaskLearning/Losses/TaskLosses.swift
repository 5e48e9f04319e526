import Foundation

/// Per-example losses and their derivatives with respect to the network output.
enum TaskLosses {
    /// Binary cross-entropy on a logit: max(z, 0) - z*y + log(1 + e^-|z|).
    @inline(__always)
    static func binaryCrossEntropy(logit z: Float, label y: Float) -> (loss: Double, gradient: Float) {
        let zd = Double(z), yd = Double(y)
        let loss = max(zd, 0) - zd * yd + log1p(exp(-abs(zd)))
        return (loss, Sigmoid.value(z) - y)
    }

    @inline(__always)
    static func squaredError(_ prediction: Float, _ label: Float) -> (loss: Double, gradient: Float) {
        let error = prediction - label
        return (Double(error) * Double(error), 2 * error)
    }

    @inline(__always)
    static func huber(_ prediction: Float, _ label: Float, delta: Float) -> (loss: Double, gradient: Float) {
        let error = Double(prediction - label), limit = Double(delta)
        if abs(error) <= limit { return (0.5 * error * error, Float(error)) }
        return (limit * (abs(error) - 0.5 * limit), error > 0 ? delta : -delta)
    }

    /// Cross-entropy of p = sigmoid(a) * sigmoid(b) (ESMM's pCTCVR) against y,
    /// with derivatives for both logits. Logs are taken in log space so that
    /// tiny probabilities do not underflow.
    static func productCrossEntropy(_ a: Float, _ b: Float, label y: Float) -> (loss: Double, gradientA: Float, gradientB: Float) {
        let logSigmoidA = -softplus(-Double(a)), logSigmoidB = -softplus(-Double(b))
        let logP = logSigmoidA + logSigmoidB
        let oneMinusP = max(-expm1(logP), 1e-12)
        let p = exp(logP), yd = Double(y)
        let loss = -(yd * logP + (1 - yd) * log(oneMinusP))
        // dL/dp * p = -y + (1 - y) * p / (1 - p); dp/da = p * (1 - sigmoid(a)).
        let common = -yd + (1 - yd) * p / oneMinusP
        let gradientA = common * (1 - Double(Sigmoid.value(a)))
        let gradientB = common * (1 - Double(Sigmoid.value(b)))
        return (loss, Float(gradientA), Float(gradientB))
    }

    @inline(__always)
    static func softplus(_ x: Double) -> Double { max(x, 0) + log1p(exp(-abs(x))) }
}
