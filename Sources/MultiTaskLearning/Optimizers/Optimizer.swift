import Foundation

public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
    case sgd, adam, adamw, adagrad
}

/// An optimizer and its hyper-parameters, with PyTorch's defaults.
public struct OptimizerSettings: Codable, Sendable, Equatable {
    public var kind: OptimizerKind
    public var learningRate: Float
    /// sgd: heavy-ball momentum (0 = plain SGD).
    public var momentum: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    /// adamw: decoupled weight decay.
    public var weightDecay: Float

    public init(kind: OptimizerKind, learningRate: Float, momentum: Float = 0.9, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float? = nil, weightDecay: Float = 0.01) {
        self.kind = kind
        self.learningRate = learningRate
        self.momentum = momentum
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon ?? (kind == .adagrad ? 1e-10 : 1e-8)
        self.weightDecay = weightDecay
    }
}

/// Updates parameters from their gradients. Sparse parameters (embedding
/// tables) update only the rows the batch touched, and so do their moment
/// estimates (the semantics of PyTorch's SparseAdam).
public final class Optimizer {
    public let settings: OptimizerSettings
    /// Steps taken, for Adam's bias correction.
    public private(set) var step = 0
    private var slots: [ObjectIdentifier: (first: Tensor, second: Tensor)] = [:]

    public init(_ settings: OptimizerSettings) {
        self.settings = settings
    }

    private func slot(for parameter: Parameter) -> (first: Tensor, second: Tensor) {
        if let existing = slots[ObjectIdentifier(parameter)] { return existing }
        let fresh = (Tensor(rows: parameter.value.rows, cols: parameter.value.cols),
                     Tensor(rows: parameter.value.rows, cols: parameter.value.cols))
        slots[ObjectIdentifier(parameter)] = fresh
        return fresh
    }

    /// The optimizer's per-parameter state as named tensors (moments for
    /// Adam, velocity for SGD, sums for Adagrad), for checkpoints. Loading
    /// values into these tensors restores the state.
    public func stateTensors(for parameters: [Parameter]) -> [(name: String, tensor: Tensor)] {
        parameters.flatMap { parameter -> [(name: String, tensor: Tensor)] in
            let slot = slot(for: parameter)
            return [("optimizer.first.\(parameter.name)", slot.first), ("optimizer.second.\(parameter.name)", slot.second)]
        }
    }

    /// Sets the step count after restoring state from a checkpoint.
    public func restore(step: Int) {
        self.step = step
    }

    public func update(_ parameters: [Parameter]) {
        step += 1
        for parameter in parameters {
            let slot = slot(for: parameter)
            let value = parameter.value.data, gradient = parameter.gradient.data
            let first = slot.first.data, second = slot.second.data
            parameter.forEachActiveSpan { start, length in
                apply(value + start, gradient + start, first + start, second + start, length)
            }
        }
    }

    private func apply(_ value: UnsafeMutablePointer<Float>, _ gradient: UnsafeMutablePointer<Float>,
                       _ first: UnsafeMutablePointer<Float>, _ second: UnsafeMutablePointer<Float>, _ count: Int) {
        let rate = settings.learningRate
        switch settings.kind {
        case .sgd:
            let momentum = settings.momentum
            for index in 0..<count {
                first[index] = momentum * first[index] + gradient[index]
                value[index] -= rate * first[index]
            }
        case .adam, .adamw:
            let beta1 = settings.beta1, beta2 = settings.beta2, epsilon = settings.epsilon
            let correction1 = 1 - powf(beta1, Float(step)), correction2 = 1 - powf(beta2, Float(step))
            let stepSize = rate / correction1, rootCorrection2 = correction2.squareRoot()
            let decay = settings.kind == .adamw ? 1 - rate * settings.weightDecay : 1
            var start = 0
            // Eight lanes at a time; the same arithmetic as the loop below.
            let b1 = SIMD8<Float>(repeating: beta1), b2 = SIMD8<Float>(repeating: beta2)
            let c1 = SIMD8<Float>(repeating: 1 - beta1), c2 = SIMD8<Float>(repeating: 1 - beta2)
            let step8 = SIMD8<Float>(repeating: stepSize), root8 = SIMD8<Float>(repeating: rootCorrection2)
            let epsilon8 = SIMD8<Float>(repeating: epsilon), decay8 = SIMD8<Float>(repeating: decay)
            while start + 8 <= count {
                let g = UnsafeRawPointer(gradient + start).loadUnaligned(as: SIMD8<Float>.self)
                let m = b1 * UnsafeRawPointer(first + start).loadUnaligned(as: SIMD8<Float>.self) + c1 * g
                let v = b2 * UnsafeRawPointer(second + start).loadUnaligned(as: SIMD8<Float>.self) + c2 * g * g
                let x = UnsafeRawPointer(value + start).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(first + start).storeBytes(of: m, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(second + start).storeBytes(of: v, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(value + start).storeBytes(of: x * decay8 - step8 * m / (v.squareRoot() / root8 + epsilon8),
                                                                 as: SIMD8<Float>.self)
                start += 8
            }
            for index in start..<count {
                let g = gradient[index]
                first[index] = beta1 * first[index] + (1 - beta1) * g
                second[index] = beta2 * second[index] + (1 - beta2) * g * g
                value[index] = value[index] * decay
                    - stepSize * first[index] / (second[index].squareRoot() / rootCorrection2 + epsilon)
            }
        case .adagrad:
            let epsilon = settings.epsilon
            for index in 0..<count {
                let g = gradient[index]
                first[index] += g * g
                value[index] -= rate * g / (first[index].squareRoot() + epsilon)
            }
        }
    }
}

/// Gradient clipping by global norm: when the norm over every parameter's
/// gradient exceeds `maximum`, all gradients are scaled down to it.
public enum GradientClipping {
    /// Returns the norm before clipping.
    @discardableResult
    public static func clip(_ parameters: [Parameter], maximum: Float) -> Float {
        var sum = 0.0
        for parameter in parameters {
            let gradient = parameter.gradient.data
            parameter.forEachActiveSpan { start, length in
                for index in start..<(start + length) { sum += Double(gradient[index]) * Double(gradient[index]) }
            }
        }
        let norm = Float(sum.squareRoot())
        guard norm > maximum, norm > 0 else { return norm }
        let scale = maximum / norm
        for parameter in parameters {
            let gradient = parameter.gradient.data
            parameter.forEachActiveSpan { start, length in
                for index in start..<(start + length) { gradient[index] *= scale }
            }
        }
        return norm
    }
}
