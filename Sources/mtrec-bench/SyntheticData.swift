import Foundation
import MultiTaskLearning

/// The two-task data of the MMoE paper's synthetic experiment (Ma et al.,
/// KDD 2018, section 4.1), as the peer baselines generate it: 64 normal
/// features, y_k = w_k.x + sum_i sin(a_i w_k.x + b_i) + noise with
/// cos(w1, w2) = 0.5; click ~ Bernoulli(sigmoid(2 * standardized y1 + B)) with
/// B set for 15% positives; conversion = y2. Drawn with mtrec's generator, so
/// the rows differ from the peers' files but follow the same law.
enum SyntheticData {
    static let dimensions = 64

    static func make(rows: Int, seed: UInt64) -> (x: [Float], click: [Float], conversion: [Float], clickProbability: [Float]) {
        var random = RandomSource(seed: seed)
        let d = dimensions, sinusoids = 10, correlation = 0.5
        // Two orthonormal directions by Gram-Schmidt.
        var u1 = (0..<d).map { _ in random.normal() }, u2 = (0..<d).map { _ in random.normal() }
        u1 = normalized(u1)
        let projection = zip(u1, u2).reduce(0) { $0 + $1.0 * $1.1 }
        u2 = normalized(zip(u2, u1).map { $0 - projection * $1 })
        let w1 = u1, w2 = zip(u1, u2).map { correlation * $0 + (1 - correlation * correlation).squareRoot() * $1 }
        let alpha = (0..<sinusoids).map { _ in random.normal() }, beta = (0..<sinusoids).map { _ in random.normal() }

        var x = [Float](repeating: 0, count: rows * d)
        var y1 = [Double](repeating: 0, count: rows), y2 = [Double](repeating: 0, count: rows)
        for row in 0..<rows {
            var p1 = 0.0, p2 = 0.0
            for column in 0..<d {
                let value = random.normal()
                x[row * d + column] = Float(value)
                p1 += w1[column] * value
                p2 += w2[column] * value
            }
            y1[row] = p1 + (0..<sinusoids).reduce(0) { $0 + sin(alpha[$1] * p1 + beta[$1]) } + 0.1 * random.normal()
            y2[row] = p2 + (0..<sinusoids).reduce(0) { $0 + sin(alpha[$1] * p2 + beta[$1]) } + 0.1 * random.normal()
        }
        let mean = y1.reduce(0, +) / Double(rows)
        let deviation = (y1.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(rows)).squareRoot()
        let z = y1.map { 2 * ($0 - mean) / deviation }
        var low = -20.0, high = 20.0
        for _ in 0..<100 {
            let middle = (low + high) / 2
            let rate = z.reduce(0) { $0 + 1 / (1 + exp(-($1 + middle))) } / Double(rows)
            if rate > 0.15 { high = middle } else { low = middle }
        }
        let offset = (low + high) / 2
        let probability = z.map { 1 / (1 + exp(-($0 + offset))) }
        let click = probability.map { Float(random.uniformDouble() < $0 ? 1 : 0) }
        return (x, click, y2.map(Float.init), probability.map(Float.init))
    }

    private static func normalized(_ vector: [Double]) -> [Double] {
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return vector.map { $0 / norm }
    }
}
