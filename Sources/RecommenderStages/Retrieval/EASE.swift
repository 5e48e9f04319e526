import MultiTaskLearning

/// EASE, the item-to-item model of Steck (WWW 2019): with X the users x items
/// interaction matrix, P = (X'X + lambda I)^-1 and B = I - P diag(1/diag(P)),
/// that is B_ij = -P_ij / P_jj off the diagonal and 0 on it. A user's score
/// for item j is sum_i x_ui B_ij. The closed form costs an n x n inverse, so
/// it suits catalogs up to about 20,000 items.
struct EASE {
    /// The catalog size the closed form is meant for (a 20,000^2 inverse takes 3.2 GB);
    /// retrieve's max_items defaults to it and evaluate's baseline stops at it.
    static let itemLimit = 20_000

    let itemCount: Int
    /// Row-major n x n.
    let weights: [Double]

    init(_ interactions: Interactions, lambda: Double) throws {
        let n = interactions.items.count
        var gram = [Double](repeating: 0, count: n * n)
        for row in interactions.byUser.values {
            let entries = Array(row)
            for i in entries {
                for j in entries { gram[i * n + j] += 1 }
            }
        }
        for i in 0..<n { gram[i * n + i] += lambda }
        try LinearAlgebra.invertPositiveDefinite(&gram, order: n)
        let diagonal = (0..<n).map { gram[$0 * n + $0] }
        for i in 0..<n {
            for j in 0..<n { gram[i * n + j] = i == j ? 0 : -gram[i * n + j] / diagonal[j] }
        }
        itemCount = n
        weights = gram
    }

    /// Scores of every item for a user who interacted with these item indices.
    func scores(_ row: Set<Int>) -> [Double] {
        var scores = [Double](repeating: 0, count: itemCount)
        for i in row.sorted() {
            let base = i * itemCount
            for j in 0..<itemCount { scores[j] += weights[base + j] }
        }
        return scores
    }
}
