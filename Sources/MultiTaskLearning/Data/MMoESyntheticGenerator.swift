import Foundation

/// The synthetic two-task data of the MMoE paper (Ma et al., KDD 2018,
/// section 4.1): two orthonormal vectors u1, u2; w1 = c*u1,
/// w2 = c*(p*u1 + sqrt(1-p^2)*u2); x ~ N(0, I);
/// y_k = w_k.x + sum_i sin(a_i w_k.x + b_i) + noise. A click is drawn as
/// Bernoulli(sigmoid(2 * standardized y1 + B)) with B set for `clickRate`
/// positives, as the peer baselines' generator does. The label correlation
/// grows with p but is not p.
public struct MMoESyntheticGenerator: Sendable {
    public var rows: Int
    public var dimensions: Int
    public var correlation: Double
    public var scale = 1.0
    public var sinusoids = 10
    public var noise = 0.1
    public var clickRate = 0.15
    public var seed: UInt64

    public struct Sample: Sendable {
        /// rows x dimensions, row-major.
        public var features: [Float]
        public var y1: [Float]
        public var y2: [Float]
        public var click: [Float]
        /// The probability each click was drawn with.
        public var clickProbability: [Float]
    }

    public init(rows: Int, dimensions: Int, correlation: Double, seed: UInt64) {
        self.rows = rows
        self.dimensions = dimensions
        self.correlation = correlation
        self.seed = seed
    }

    public func generate() -> Sample {
        var random = RandomSource(seed: seed)
        var u1 = (0..<dimensions).map { _ in random.normal() }, u2 = (0..<dimensions).map { _ in random.normal() }
        u1 = Self.normalized(u1)
        let projection = zip(u1, u2).reduce(0) { $0 + $1.0 * $1.1 }
        u2 = Self.normalized(zip(u2, u1).map { $0 - projection * $1 })
        let w1 = u1.map { scale * $0 }
        let w2 = zip(u1, u2).map { scale * (correlation * $0 + (1 - correlation * correlation).squareRoot() * $1) }
        let alpha = (0..<sinusoids).map { _ in random.normal() }, beta = (0..<sinusoids).map { _ in random.normal() }

        var features = [Float](repeating: 0, count: rows * dimensions)
        var y1 = [Float](repeating: 0, count: rows), y2 = [Float](repeating: 0, count: rows)
        for row in 0..<rows {
            var p1 = 0.0, p2 = 0.0
            for column in 0..<dimensions {
                let value = random.normal()
                features[row * dimensions + column] = Float(value)
                p1 += w1[column] * value
                p2 += w2[column] * value
            }
            y1[row] = Float(p1 + (0..<sinusoids).reduce(0) { $0 + sin(alpha[$1] * p1 + beta[$1]) } + noise * random.normal())
            y2[row] = Float(p2 + (0..<sinusoids).reduce(0) { $0 + sin(alpha[$1] * p2 + beta[$1]) } + noise * random.normal())
        }
        let probability = clickProbabilities(y1)
        let click = probability.map { random.uniformDouble() < $0 ? Float(1) : 0 }
        return Sample(features: features, y1: y1, y2: y2, click: click, clickProbability: probability.map(Float.init))
    }

    /// sigmoid(2 * standardized y + B), with B found by bisection so that the
    /// mean probability is `clickRate`.
    private func clickProbabilities(_ y: [Float]) -> [Double] {
        let n = Double(y.count)
        let mean = y.reduce(0.0) { $0 + Double($1) } / n
        let deviation = (y.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n).squareRoot()
        let z = y.map { 2 * (Double($0) - mean) / deviation }
        var low = -20.0, high = 20.0
        for _ in 0..<60 {
            let middle = (low + high) / 2
            if z.reduce(0.0, { $0 + 1 / (1 + exp(-($1 + middle))) }) / n > clickRate { high = middle } else { low = middle }
        }
        let offset = (low + high) / 2
        return z.map { 1 / (1 + exp(-($0 + offset))) }
    }

    private static func normalized(_ vector: [Double]) -> [Double] {
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return vector.map { $0 / norm }
    }
}
