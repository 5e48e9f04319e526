import Foundation
import MultiTaskLearning

/// The MMoE paper's synthetic generator (Ma et al., KDD 2018, section 4.1):
/// two unit vectors u1, u2; w1 = c*u1, w2 = c*(p*u1 + sqrt(1-p^2)*u2);
/// y_k = w_k.x + sum_i sin(a_i w_k.x + b_i) + noise. The label correlation
/// grows with p but is not p; the stage reports both. For a click task,
/// click ~ Bernoulli(sigmoid(2 * standardized y1 + B)) with B set for 15%
/// positives (as the peer baselines' generator does), and conversion = y2.
struct MMoESyntheticData {
    var rows: Int
    var dimensions: Int
    var correlation: Double
    var scale: Double
    var sinusoids: Int
    var noise: Double
    var seed: UInt64

    func run() -> (table: Table, measuredCorrelation: Double) {
        var random = RandomSource(seed: seed)
        var u1 = (0..<dimensions).map { _ in random.normal() }, u2 = (0..<dimensions).map { _ in random.normal() }
        u1 = Self.normalized(u1)
        let projection = zip(u1, u2).reduce(0) { $0 + $1.0 * $1.1 }
        u2 = Self.normalized(zip(u2, u1).map { $0 - projection * $1 })
        let w1 = u1.map { scale * $0 }
        let w2 = zip(u1, u2).map { scale * (correlation * $0 + (1 - correlation * correlation).squareRoot() * $1) }
        let alpha = (0..<sinusoids).map { _ in random.normal() }, beta = (0..<sinusoids).map { _ in random.normal() }

        var features = (0..<dimensions).map { _ in [Float](repeating: 0, count: rows) }
        var y1 = [Float](repeating: 0, count: rows), y2 = [Float](repeating: 0, count: rows)
        for row in 0..<rows {
            var p1 = 0.0, p2 = 0.0
            for column in 0..<dimensions {
                let value = random.normal()
                features[column][row] = Float(value)
                p1 += w1[column] * value
                p2 += w2[column] * value
            }
            y1[row] = Float(p1 + (0..<sinusoids).reduce(0) { $0 + sin(alpha[$1] * p1 + beta[$1]) } + noise * random.normal())
            y2[row] = Float(p2 + (0..<sinusoids).reduce(0) { $0 + sin(alpha[$1] * p2 + beta[$1]) } + noise * random.normal())
        }
        var table = Table()
        for column in 0..<dimensions { table["x\(column)"] = .float(features[column]) }
        table["y1"] = .float(y1)
        table["y2"] = .float(y2)
        table["click"] = .float(clicks(y1, random: &random))
        table["conversion"] = .float(y2)
        return (table, Self.pearson(y1, y2))
    }

    private func clicks(_ y: [Float], random: inout RandomSource) -> [Float] {
        let n = Double(y.count)
        let mean = y.reduce(0.0) { $0 + Double($1) } / n
        let deviation = (y.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n).squareRoot()
        let z = y.map { 2 * (Double($0) - mean) / deviation }
        var low = -20.0, high = 20.0
        for _ in 0..<60 {
            let middle = (low + high) / 2
            if z.reduce(0.0, { $0 + 1 / (1 + exp(-($1 + middle))) }) / n > 0.15 { high = middle } else { low = middle }
        }
        let offset = (low + high) / 2
        return z.map { random.uniformDouble() < 1 / (1 + exp(-($0 + offset))) ? 1 : 0 }
    }

    static func normalized(_ vector: [Double]) -> [Double] {
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return vector.map { $0 / norm }
    }

    static func pearson(_ a: [Float], _ b: [Float]) -> Double {
        let n = Double(a.count)
        let meanA = a.reduce(0.0) { $0 + Double($1) } / n, meanB = b.reduce(0.0) { $0 + Double($1) } / n
        var covariance = 0.0, varianceA = 0.0, varianceB = 0.0
        for (x, y) in zip(a, b) {
            covariance += (Double(x) - meanA) * (Double(y) - meanB)
            varianceA += (Double(x) - meanA) * (Double(x) - meanA)
            varianceB += (Double(y) - meanB) * (Double(y) - meanB)
        }
        return covariance / (varianceA * varianceB).squareRoot()
    }
}
