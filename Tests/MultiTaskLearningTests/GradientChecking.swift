import Foundation
import Testing
@testable import MultiTaskLearning

/// Finite-difference gradient checks. Everything runs in Float32, so a
/// central difference with step h = 1e-3 carries a rounding error of about
/// 1e-7 / h = 1e-4 in each numeric derivative; truncation error is O(h^2)
/// = 1e-6. An analytic derivative passes when it is within
/// 5e-4 + 2e-2 * |numeric| of the numeric one.
///
/// ReLU has a kink at 0: when a pre-activation lies within h of it, a finite
/// difference straddles the kink and means nothing. Such a point shows as
/// forward and backward one-sided differences that disagree; it is skipped,
/// and a check fails if more than a quarter of its points are skipped.
enum GradientCheck {
    static let step: Float = 1e-3
    static let absoluteTolerance = 5e-4
    static let relativeTolerance = 2e-2

    /// Compares `analytic` with the central difference of `objective` when
    /// `values[index]` moves by +-h, for up to `samples` indices.
    static func compare(name: String, values: UnsafeMutablePointer<Float>, analytic: UnsafeMutablePointer<Float>,
                        indices: [Int], samples: Int = 24, objective: () -> Double,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        var random = RandomSource(seed: 99)
        var chosen = indices
        random.shuffle(&chosen)
        let center = objective()
        var skipped = 0
        for index in chosen.prefix(samples) {
            let original = values[index]
            values[index] = original + step
            let up = objective()
            values[index] = original - step
            let down = objective()
            values[index] = original
            let forward = (up - center) / Double(step), backward = (center - down) / Double(step)
            if abs(forward - backward) > absoluteTolerance + relativeTolerance * max(abs(forward), abs(backward)) {
                skipped += 1
                continue
            }
            let numeric = (up - down) / (2 * Double(step))
            let difference = abs(Double(analytic[index]) - numeric)
            #expect(difference <= absoluteTolerance + relativeTolerance * abs(numeric),
                    "\(name)[\(index)]: analytic \(analytic[index]) vs numeric \(numeric)", sourceLocation: sourceLocation)
        }
        #expect(skipped * 4 <= min(samples, indices.count), "\(name): \(skipped) points at a kink", sourceLocation: sourceLocation)
    }

    /// Random values in [-scale, scale].
    static func fill(_ tensor: Tensor, random: inout RandomSource, scale: Float = 1) {
        for index in 0..<tensor.count { tensor.data[index] = (random.uniform() * 2 - 1) * scale }
    }

    /// Checks a layer against L = sum(c * layer(x)) for random c: the input
    /// gradient and every parameter's gradient.
    static func checkLayer(_ layer: any Layer, inputWidth: Int, rows: Int = 5, sourceLocation: SourceLocation = #_sourceLocation) {
        var random = RandomSource(seed: 7)
        let input = Tensor(rows: rows, cols: inputWidth)
        fill(input, random: &random)
        let probe = layer.forward(input, training: true).clone()
        fill(probe, random: &random)
        func objective() -> Double {
            let output = layer.forward(input, training: true)
            return (0..<output.count).reduce(0.0) { $0 + Double(output.data[$1]) * Double(probe.data[$1]) }
        }
        for parameter in layer.parameters { parameter.zeroGradient() }
        _ = layer.forward(input, training: true)
        let inputGradient = layer.backward(probe).clone()
        compare(name: "input", values: input.data, analytic: inputGradient.data, indices: Array(0..<input.count),
                objective: objective, sourceLocation: sourceLocation)
        for parameter in layer.parameters {
            compare(name: parameter.name, values: parameter.value.data, analytic: parameter.gradient.data,
                    indices: Array(0..<parameter.value.count), objective: objective, sourceLocation: sourceLocation)
        }
    }
}
